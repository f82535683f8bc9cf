/**
 * The kernel thread: one per extension's kernels, started by kernels.ts. It instantiates the
 * module (memory capped, see kernel-module.ts) and runs one call at a time. Nothing else runs on
 * this thread, so a kernel that never returns blocks only itself: the caller stops waiting at the
 * time limit and terminates the thread.
 *
 * Messages in:  { type: "load", code, capBytes } | { type: "call", id, name, args }
 * Messages out: { id, ok: true, result } | { id, ok: false, code, message, atCap }   (load has id 0)
 */
import { parentPort } from "node:worker_threads";
import { SdxError } from "../errors.js";
import { instantiateKernels, WASM_PAGE, type KernelModule, type TypedArray } from "./kernel-module.js";

type In = { type: "load"; code: Uint8Array; capBytes: number } | { type: "call"; id: number; name: string; args: Array<number | TypedArray> };

let kernels: KernelModule | null = null;
let capBytes = 0;

function failure(id: number, error: unknown) {
  // AssemblyScript's allocator traps (unreachable) when memory.grow fails, that is when the block it
  // needs does not fit under the cap; the module does not say so, so the memory in use tells:
  // past half the cap, an allocation of that size cannot have fitted.
  const atCap = kernels !== null && kernels.memoryBytes() * 2 > capBytes - WASM_PAGE;
  if (error instanceof SdxError) return { id, ok: false, code: error.code, message: error.message, atCap };
  return { id, ok: false, code: null, message: (error as Error)?.message ?? String(error), atCap };
}

parentPort!.on("message", (message: In) => {
  if (message.type === "load") {
    capBytes = message.capBytes;
    instantiateKernels(message.code, message.capBytes).then(
      (loaded) => {
        kernels = loaded;
        parentPort!.postMessage({ id: 0, ok: true, result: null });
      },
      (error: unknown) => parentPort!.postMessage(failure(0, error)),
    );
    return;
  }
  try {
    if (!kernels) throw new Error("the kernels are not loaded");
    parentPort!.postMessage({ id: message.id, ok: true, result: kernels.call(message.name, message.args) });
  } catch (error) {
    parentPort!.postMessage(failure(message.id, error));
  }
});
