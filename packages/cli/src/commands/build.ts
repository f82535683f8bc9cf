/** `sdx build [dir]` (and `--watch`): codegen + bundle, diagnostics rendered like tsc's; `--key` (or SDX_SIGNING_KEY) signs. */
import { existsSync } from "node:fs";
import { relative, resolve } from "node:path";
import pc from "picocolors";
import { renderDiagnostics, diagnosticsToJson } from "@sdx/codegen";
import { createBuilder, type BuildResult } from "@sdx/bundle";
import { UserError } from "../errors.js";
import { signingKeyFor } from "./keys.js";
import { formatBytes, formatMs, type CommandResult } from "../output.js";
import { untilInterrupted, watchProject } from "../watch.js";

export interface BuildSummary {
  ok: boolean;
  bundlePath: string | null;
  bundleSize: number;
  bundleHash: string | null;
  id: string | null;
  version: string | null;
  /** Fingerprint of the signing key; null for an unsigned bundle. */
  signedBy: string | null;
  timings: Record<string, number>;
  diagnostics: ReturnType<typeof diagnosticsToJson>;
}

export function summarize(result: BuildResult, projectDir: string): BuildSummary {
  return {
    ok: result.ok,
    bundlePath: result.bundlePath,
    bundleSize: result.bundleSize,
    bundleHash: result.bundleHash,
    id: result.manifest?.id ?? null,
    version: result.manifest?.version ?? null,
    signedBy: result.signedBy,
    timings: result.timings,
    diagnostics: diagnosticsToJson(result.diagnostics, projectDir),
  };
}

export function renderBuild(result: BuildResult, projectDir: string, totalMs: number): string {
  const lines: string[] = [];
  if (result.diagnostics.length) lines.push(renderDiagnostics(result.diagnostics, { color: pc.isColorSupported, cwd: projectDir }));
  const errors = result.diagnostics.filter((d) => d.severity === "error").length;
  if (result.ok && result.bundlePath) {
    const signed = result.signedBy ? `signed by ${result.signedBy}` : "unsigned: pass --key <file> to sign";
    lines.push(`${pc.green("✔")} built ${pc.bold(relative(process.cwd(), result.bundlePath) || result.bundlePath)} (${formatBytes(result.bundleSize)}, ${signed}) in ${formatMs(totalMs)}`);
  } else {
    lines.push(`${pc.red("✘")} build failed: ${errors} error${errors === 1 ? "" : "s"}`);
  }
  return lines.join("\n");
}

export async function build(dir: string, options: { watch?: boolean; json: boolean; key?: string }): Promise<CommandResult<BuildSummary>> {
  const projectDir = resolve(dir);
  if (!existsSync(projectDir)) throw new UserError(`no such directory: ${projectDir}`);
  // Read the key first: a key that cannot sign fails before minutes of building.
  const signing = signingKeyFor(options.key);
  const builder = await createBuilder({ projectDir, signingKey: signing?.key, endorsements: signing?.endorsements });
  const start = performance.now();
  const result = await builder.build();
  const total = performance.now() - start;
  if (!options.watch) {
    await builder.dispose();
    return { data: summarize(result, projectDir), human: renderBuild(result, projectDir, total), exitCode: result.ok ? 0 : 1 };
  }
  process.stderr.write(`${renderBuild(result, projectDir, total)}\n`);
  if (options.json) process.stdout.write(`${JSON.stringify(summarize(result, projectDir))}\n`);
  const watcher = watchProject(projectDir, async (changed) => {
    const t0 = performance.now();
    const next = await builder.build(changed);
    if (options.json) process.stdout.write(`${JSON.stringify(summarize(next, projectDir))}\n`);
    else process.stderr.write(`${renderBuild(next, projectDir, performance.now() - t0)}\n`);
  }, (error) => process.stderr.write(`${pc.red("✘")} rebuild failed: ${(error as Error)?.stack ?? String(error)}\n`));
  await watcher.ready;
  const interrupted = untilInterrupted(); // listening before the line that says so (see dev.ts)
  process.stderr.write(`${pc.dim("watching for changes (Ctrl-C to stop)")}\n`);
  await interrupted;
  await watcher.close();
  await builder.dispose();
  return { data: summarize(result, projectDir), printed: true };
}
