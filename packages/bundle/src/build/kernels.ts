/**
 * Stage: `<project>/kernels/*.ts` (AssemblyScript) → one WebAssembly module, the code part of the
 * bundle. Exports the AssemblyScript runtime (`__new`, `__pin`, …) so the host can pass typed
 * arrays in. Must not: write files (everything stays in memory), or run when there are no kernels.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import type { Diagnostic } from "@sdx/codegen";
import { bundleDiagnostic } from "./diagnostics.js";

export function kernelSources(projectDir: string): string[] {
  try {
    return readdirSync(join(projectDir, "kernels"))
      .filter((name) => name.endsWith(".ts") && !name.endsWith(".d.ts"))
      .sort()
      .map((name) => join(projectDir, "kernels", name));
  } catch {
    return [];
  }
}

export interface KernelResult {
  wasm: Uint8Array | null;
  diagnostics: Diagnostic[];
}

/** asc diagnostics look like `ERROR TS2304: Cannot find name 'x'.` followed by `in kernels/a.ts(3,5)`. */
const ASC_LOCATION = /^\s*(?:in|at)\s+(.+?)\((\d+),(\d+)\)/m;

export async function compileKernels(projectDir: string): Promise<KernelResult> {
  const sources = kernelSources(projectDir);
  if (sources.length === 0) return { wasm: null, diagnostics: [] };
  const asc = await import("assemblyscript/asc");
  const outputs = new Map<string, Uint8Array>();
  const stderr = asc.createMemoryStream();
  const { error } = await asc.main(
    [...sources.map((s) => s.slice(projectDir.length + 1)), "--outFile", "kernels.wasm", "-O3", "--exportRuntime", "--noAssert", "--baseDir", projectDir],
    {
      stdout: asc.createMemoryStream(),
      stderr,
      writeFile(name: string, contents: Uint8Array | string) {
        outputs.set(name, typeof contents === "string" ? new TextEncoder().encode(contents) : contents);
      },
    },
  );
  if (error) {
    const text = stderr.toString();
    const blocks = text.split(/\n(?=\S)/).filter((block) => /ERROR/.test(block));
    const diagnostics = (blocks.length > 0 ? blocks : [error.message]).map((block) => {
      const location = ASC_LOCATION.exec(block);
      const message = (block.split("\n")[0] ?? block).replace(/\u001b\[[0-9;]*m/g, "").trim();
      return bundleDiagnostic(
        "SDX2003",
        message,
        location ? { file: join(projectDir, location[1]!), line: Number(location[2]), column: Number(location[3]) - 1 } : null,
      );
    });
    return { wasm: null, diagnostics };
  }
  const wasm = outputs.get("kernels.wasm");
  return wasm ? { wasm, diagnostics: [] } : { wasm: null, diagnostics: [bundleDiagnostic("SDX2003", "AssemblyScript produced no output")] };
}
