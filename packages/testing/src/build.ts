/** Builds an extension project like `sdx build` does; a failed build throws its rendered diagnostics. */
import { createBuilder } from "@sdx/bundle";
import { renderDiagnostics } from "@sdx/codegen";

export async function buildBundle(projectDir: string): Promise<string> {
  const builder = await createBuilder({ projectDir });
  try {
    const result = await builder.build();
    if (!result.ok || !result.bundlePath) {
      throw new Error(`the extension at ${projectDir} does not build:\n${renderDiagnostics(result.diagnostics, { color: false })}`);
    }
    return result.bundlePath;
  } finally {
    await builder.dispose();
  }
}
