/**
 * Runs the AssemblyScript compiler on a worker thread, so kernels compile on the second core
 * while the main thread type-checks (the compiler is ~1 s of CPU on a cold start).
 * Input (workerData): argv for `asc`. Output (message): { wasm, stderr, error }.
 */
import { parentPort, workerData } from "node:worker_threads";

const asc = await import("assemblyscript/asc");
const outputs = new Map<string, Uint8Array>();
const stderr = asc.createMemoryStream();
const { error } = await asc.main(workerData.argv as string[], {
  stdout: asc.createMemoryStream(),
  stderr,
  writeFile(name: string, contents: Uint8Array | string) {
    outputs.set(name, typeof contents === "string" ? new TextEncoder().encode(contents) : contents);
  },
});
parentPort!.postMessage({ wasm: outputs.get("kernels.wasm") ?? null, stderr: stderr.toString(), error: error ? error.message : null });
