/**
 * Stage: `<project>/kernels/*.ts` (AssemblyScript) → one WebAssembly module, the code part of the
 * bundle. Exports the AssemblyScript runtime (`__new`, `__pin`, …) so the host can pass typed
 * arrays in. Must not: write files (everything stays in memory), or run when there are no kernels.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { Worker } from "node:worker_threads";
import { createBLAKE3 } from "hash-wasm";
import type { Diagnostic } from "@sdx/codegen";
import { bundleDiagnostic } from "./diagnostics.js";

const require = createRequire(import.meta.url);

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

const ASC_FLAGS = ["--outFile", "kernels.wasm", "-O3", "--exportRuntime", "--noAssert"];

/** Cache key: compiler version, flags, and every source's path and bytes. */
async function cacheKey(projectDir: string, sources: string[]): Promise<string> {
  const hasher = await createBLAKE3();
  hasher.update(require("assemblyscript/package.json").version as string);
  hasher.update(ASC_FLAGS.join(" "));
  for (const source of sources) {
    hasher.update(relative(projectDir, source));
    hasher.update(readFileSync(source));
  }
  return hasher.digest();
}

function compileInWorker(argv: string[]): Promise<{ wasm: Uint8Array | null; stderr: string; error: string | null }> {
  return new Promise((resolveResult, reject) => {
    const worker = new Worker(new URL("./kernel-worker.js", import.meta.url), { workerData: { argv } });
    worker.once("message", (message) => {
      resolveResult(message as { wasm: Uint8Array | null; stderr: string; error: string | null });
      void worker.terminate();
    });
    worker.once("error", reject);
  });
}

/**
 * Compiles `kernels/*.ts`. The output is cached under `<project>/.sdx-cache/kernels/<blake3>.wasm`
 * (the compiler is deterministic, so a hit gives the same bytes and the bundle stays reproducible).
 */
export async function compileKernels(projectDir: string): Promise<KernelResult> {
  const sources = kernelSources(projectDir);
  if (sources.length === 0) return { wasm: null, diagnostics: [] };
  const cacheFile = join(projectDir, ".sdx-cache", "kernels", `${await cacheKey(projectDir, sources)}.wasm`);
  if (existsSync(cacheFile)) return { wasm: new Uint8Array(readFileSync(cacheFile)), diagnostics: [] };
  const { wasm, stderr, error } = await compileInWorker([...sources.map((s) => relative(projectDir, s)), ...ASC_FLAGS, "--baseDir", projectDir]);
  if (error) {
    const blocks = stderr.split(/\n(?=\S)/).filter((block) => /ERROR/.test(block));
    const diagnostics = (blocks.length > 0 ? blocks : [error]).map((block) => {
      const location = ASC_LOCATION.exec(block);
      // eslint-disable-next-line no-control-regex -- strips ANSI colour codes from asc's output
      const message = (block.split("\n")[0] ?? block).replace(/\u001b\[[0-9;]*m/g, "").trim();
      return bundleDiagnostic(
        "SDX2003",
        message,
        location ? { file: join(projectDir, location[1]!), line: Number(location[2]), column: Number(location[3]) - 1 } : null,
      );
    });
    return { wasm: null, diagnostics };
  }
  if (!wasm) return { wasm: null, diagnostics: [bundleDiagnostic("SDX2003", "AssemblyScript produced no output")] };
  mkdirSync(dirname(cacheFile), { recursive: true });
  writeFileSync(`${cacheFile}.tmp`, wasm);
  renameSync(`${cacheFile}.tmp`, cacheFile);
  return { wasm, diagnostics: [] };
}
