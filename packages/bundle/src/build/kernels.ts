/**
 * Stage: `<project>/kernels/*.ts` (AssemblyScript) → one WebAssembly module, the code part of the
 * bundle. Exports the AssemblyScript runtime (`__new`, `__pin`, …) so the host can pass typed
 * arrays in. A project whose only kernel file is `export * from "@sdx/sdk/kernels"` gets the SDK's
 * precompiled module (see stock-kernels.ts); anything else is compiled, and cached.
 * Must not: write anything but its cache, or run when there are no kernels.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { Worker } from "node:worker_threads";
import { createBLAKE3 } from "@sdx/bundle-format";
import { sdkKernelsDir, type Diagnostic } from "@sdx/codegen";
import { installedSdkDir } from "./guest-bundle.js";
import { bundleDiagnostic } from "./diagnostics.js";
import { ASC_FLAGS, ascVersion, currentStamp, isStockOnly, sourcesDigest, STOCK_REEXPORT, stockKernels, type StockStamp } from "./stock-kernels.js";

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

/** asc diagnostics look like `ERROR TS2304: Cannot find name 'x'.`, a code frame, then `└─ in kernels/a.ts(3,5)`. */
const ASC_LOCATION = /^[\s│└─]*(?:in|at)\s+(.+?)\((\d+),(\d+)\)/m;

/**
 * Where asc looks for `@sdx/sdk` after the project's node_modules: a made-up directory the worker
 * maps to the sdk installed with sdx, so a project anywhere on disk reaches the stock kernels.
 */
const INSTALLED_MODULES = "/__sdx_installed_modules__";

/** Cache key: compiler version, flags, every source's path and bytes, and the SDK kernels they may import. */
async function cacheKey(projectDir: string, sources: string[], sdkKernels: string | null): Promise<string> {
  const hasher = await createBLAKE3();
  hasher.update(ascVersion());
  hasher.update(ASC_FLAGS.join(" "));
  for (const source of sources) {
    hasher.update(relative(projectDir, source));
    hasher.update(readFileSync(source));
  }
  hasher.update(sdkKernels ? await sourcesDigest(sdkKernels) : "");
  return hasher.digest();
}

interface WorkerReply {
  wasm: Uint8Array | null;
  stderr: string;
  error: string | null;
}

function compileInWorker(argv: string[]): Promise<WorkerReply> {
  return new Promise((resolveResult, reject) => {
    const modules = { virtual: INSTALLED_MODULES, sdk: installedSdkDir() };
    const worker = new Worker(new URL("./kernel-worker.js", import.meta.url), { workerData: { argv, modules } });
    worker.once("message", (message) => {
      resolveResult(message as WorkerReply);
      void worker.terminate();
    });
    worker.once("error", reject);
  });
}

/** Compiles the project's kernels with AssemblyScript (no cache, no stock module). */
export async function compileKernelModule(projectDir: string, sources: string[]): Promise<KernelResult> {
  const argv = [...sources.map((s) => relative(projectDir, s)), ...ASC_FLAGS, "--baseDir", projectDir, "--path", INSTALLED_MODULES];
  const { wasm, stderr, error } = await compileInWorker(argv);
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
  return { wasm, diagnostics: [] };
}

/**
 * The project's kernel module. Compiled output is cached under
 * `<project>/.sdx-cache/kernels/<blake3>.wasm` (the compiler is deterministic, so a hit gives the
 * same bytes and the bundle stays reproducible).
 */
export async function compileKernels(projectDir: string): Promise<KernelResult> {
  const sources = kernelSources(projectDir);
  if (sources.length === 0) return { wasm: null, diagnostics: [] };
  const sdkKernels = sdkKernelsDir(projectDir);
  if (sdkKernels && isStockOnly(sources)) {
    const stock = await stockKernels(sdkKernels);
    if (stock) return { wasm: stock, diagnostics: [] };
  }
  const cacheFile = join(projectDir, ".sdx-cache", "kernels", `${await cacheKey(projectDir, sources, sdkKernels)}.wasm`);
  if (existsSync(cacheFile)) return { wasm: new Uint8Array(readFileSync(cacheFile)), diagnostics: [] };
  const result = await compileKernelModule(projectDir, sources);
  if (!result.wasm) return result;
  mkdirSync(dirname(cacheFile), { recursive: true });
  writeFileSync(`${cacheFile}.tmp`, result.wasm);
  renameSync(`${cacheFile}.tmp`, cacheFile);
  return result;
}

/**
 * Compiles the installed sdk's stock kernels the way a project using them would (one kernel file,
 * `export * from "@sdx/sdk/kernels"`): what `npm run gen:kernels` ships and its test compares.
 */
export async function compileStockKernels(): Promise<{ wasm: Uint8Array; stamp: StockStamp }> {
  const project = mkdtempSync(join(tmpdir(), "sdx-stock-kernels-"));
  try {
    mkdirSync(join(project, "kernels"));
    writeFileSync(join(project, "kernels", "stock.ts"), STOCK_REEXPORT);
    const result = await compileKernelModule(project, kernelSources(project));
    if (!result.wasm) throw new Error(`the sdk's kernels do not compile: ${result.diagnostics.map((d) => d.message).join("; ")}`);
    return { wasm: result.wasm, stamp: await currentStamp(join(installedSdkDir(), "kernels")) };
  } finally {
    rmSync(project, { recursive: true, force: true });
  }
}
