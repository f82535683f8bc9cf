/**
 * Runs the AssemblyScript compiler on a worker thread, so kernels compile on the second core
 * while the main thread type-checks (the compiler is ~1 s of CPU on a cold start).
 * Input (workerData): argv for `asc`, and `modules`: a made-up directory on asc's `--path` that
 * stands for the sdk installed with sdx (`<virtual>/@sdx/sdk/…` is read from `<sdk>/…`).
 * Output (message): { wasm, stderr, error }.
 */
import { readFile } from "node:fs/promises";
import { join, resolve, sep } from "node:path";
import { parentPort, workerData } from "node:worker_threads";

const { argv, modules } = workerData as { argv: string[]; modules: { virtual: string; sdk: string } };
const sdkPrefix = join(modules.virtual, "@sdx", "sdk") + sep;

const asc = await import("assemblyscript/asc");
const outputs = new Map<string, Uint8Array>();
const stderr = asc.createMemoryStream();
const { error } = await asc.main(argv, {
  stdout: asc.createMemoryStream(),
  stderr,
  async readFile(name: string, baseDir: string) {
    const path = resolve(baseDir, name);
    try {
      return await readFile(path.startsWith(sdkPrefix) ? join(modules.sdk, path.slice(sdkPrefix.length)) : path, "utf8");
    } catch {
      return null;
    }
  },
  writeFile(name: string, contents: Uint8Array | string) {
    outputs.set(name, typeof contents === "string" ? new TextEncoder().encode(contents) : contents);
  },
});
parentPort!.postMessage({ wasm: outputs.get("kernels.wasm") ?? null, stderr: stderr.toString(), error: error ? error.message : null });
