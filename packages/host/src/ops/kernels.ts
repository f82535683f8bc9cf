/**
 * `kernel.call`: runs an exported function of the bundle's kernel module. QuickJS cannot run
 * WebAssembly, so kernels run host-side in their own WebAssembly instance (instantiated once per
 * loaded bundle from `bundle.bytes`, whose code part is the kernels; custom sections are ignored).
 *
 * Calling convention (documented in docs/ and the README):
 * - numbers pass through unchanged (i32/f32/f64 parameters; i64 is not supported);
 * - AssemblyScript modules built with `--exportRuntime` (what `sdx build` does): a typed array is
 *   copied into the module as a real AssemblyScript typed array of the same element type — an
 *   ArrayBuffer allocated with `__new(byteLength, 1)` plus a 12-byte view object
 *   `{ buffer, dataStart, byteLength }` allocated with `__new(12, classId)`, both pinned for the call.
 *   The class id is found in the module's RTTI (`__rtti_base`) by the view's flags, so the kernel
 *   declares plain `Float32Array`/`Uint8Array`/… parameters;
 * - other modules that export `alloc(size) → ptr` (and optionally `free(ptr, size)`): a typed array
 *   becomes two arguments, the pointer to a copy of its bytes and its element count;
 * - the return value must be a number (a bigint is returned as a number when exact, else a
 *   string); typed arrays passed in are inputs only: changes the kernel makes are not copied back.
 * A trap (unreachable, out of bounds, `abort`) is SDX3006 and discards the instance.
 *
 * Kernels get the guarantees guest code has: each extension's kernels run on their own thread
 * (kernel-thread-entry.ts), so one that never returns blocks nothing else; a call that runs past
 * the time limit is stopped (the thread is terminated) and is SDX3003; the module's memory is capped
 * (kernel-module.ts), and running out of it is SDX3004; a kernel sees only its arguments and its own
 * memory (no import reaches the host). The invocation's own deadline still holds around the call.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { LoadedBundle } from "@sdx/bundle-format";
import { sdxError } from "../errors.js";
import type { OpHandlers } from "./context.js";
import type { TypedArray } from "./kernel-module.js";

export interface KernelLimits {
  /** Longest one kernel call may run (default 10 s, the guest's own slice limit). */
  timeLimitMs: number;
  /** Linear memory one extension's kernels may use (default 256 MiB). */
  memoryBytes: number;
}

const DEFAULT_LIMITS: KernelLimits = { timeLimitMs: 10_000, memoryBytes: 256 * 1024 * 1024 };
let limits: KernelLimits = { ...DEFAULT_LIMITS };

/** Sets the kernel limits for threads started from now on (no argument: the defaults). */
export function configureKernels(next: Partial<KernelLimits> = {}): void {
  limits = { ...DEFAULT_LIMITS, ...next };
}

/** The thread's entry: beside this file in dist/, or the built one when running from src/ (tests). */
function entryUrl(): URL {
  const beside = new URL("./kernel-thread-entry.js", import.meta.url);
  return existsSync(fileURLToPath(beside)) ? beside : new URL("../../dist/ops/kernel-thread-entry.js", import.meta.url);
}

const IDLE_MS = 60_000;

type Reply = { id: number; ok: true; result: unknown } | { id: number; ok: false; code: string | null; message: string; atCap: boolean };

/** One extension's kernels on their own thread; calls run one at a time, each under the time limit. */
class KernelThread {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, (reply: Reply) => void>();
  private nextId = 1;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly ready: Promise<void>;
  private dead: string | null = null;
  private idle: NodeJS.Timeout | null = null;

  constructor(code: Uint8Array, private readonly limits: KernelLimits, private readonly onDead: () => void) {
    this.worker = new Worker(entryUrl());
    this.worker.on("message", (reply: Reply) => {
      const settle = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      if (this.waiting.size === 0) this.worker.unref();
      settle?.(reply);
    });
    const fail = (why: string) => {
      if (this.dead) return;
      this.dead = why;
      this.onDead();
      for (const settle of this.waiting.values()) settle({ id: 0, ok: false, code: "SDX3020", message: why, atCap: false });
      this.waiting.clear();
    };
    this.worker.on("error", (error) => fail(`the kernel thread failed: ${error.message}`));
    this.worker.on("exit", (exitCode) => fail(`the kernel thread exited (code ${exitCode})`));
    this.ready = this.send({ type: "load", code, capBytes: limits.memoryBytes }, 0).then((reply) => {
      if (!reply.ok) throw this.errorOf("(loading)", reply);
    });
  }

  call(name: string, args: Array<number | TypedArray>): Promise<unknown> {
    if (this.idle) clearTimeout(this.idle);
    const run = this.queue.then(async () => {
      await this.ready;
      const id = this.nextId++;
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<Reply>((resolve) => {
        timer = setTimeout(() => resolve({ id, ok: false, code: "timeout", message: "", atCap: false }), this.limits.timeLimitMs);
      });
      const reply = await Promise.race([this.send({ type: "call", id, name, args }, id), timedOut]).finally(() => clearTimeout(timer));
      if (reply.ok) return reply.result;
      throw this.errorOf(name, reply);
    });
    this.queue = run.catch(() => undefined);
    // An extension whose kernels rest for a minute gives their thread and memory back.
    void this.queue.then(() => {
      if (this.idle) clearTimeout(this.idle);
      if (this.waiting.size === 0 && !this.dead) (this.idle = setTimeout(() => this.stop("idle"), IDLE_MS)).unref();
    });
    return run;
  }

  private errorOf(name: string, reply: Extract<Reply, { ok: false }>): Error {
    if (reply.code === "timeout") {
      this.stop("timed out");
      return sdxError("SDX3003", `kernel "${name}" ran longer than ${this.limits.timeLimitMs} ms (the limit of one kernel call) and was stopped; its state starts afresh on the next call`);
    }
    if (reply.code === null) {
      // A trap leaves the module (and its allocator) in an unknown state: start over next time.
      this.stop("trapped");
      if (reply.atCap) return sdxError("SDX3004", `kernel "${name}" ran out of memory: kernels may use ${Math.round(this.limits.memoryBytes / 1048576)} MiB, and it trapped (${reply.message}) with more than half of it in use`);
      return sdxError("SDX3006", `kernel "${name}" trapped: ${reply.message}`);
    }
    if (reply.code === "SDX3006" || reply.code === "SDX3020" || reply.code === "SDX3004") this.stop(reply.message);
    return sdxError(reply.code as "SDX3006", reply.message);
  }

  private send(message: Record<string, unknown>, id: number): Promise<Reply> {
    if (this.dead) return Promise.resolve({ id, ok: false, code: "SDX3020", message: this.dead, atCap: false });
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.worker.ref();
      this.worker.postMessage(message);
    });
  }

  stop(why: string): void {
    if (!this.dead) {
      this.dead = why;
      this.onDead();
    }
    void this.worker.terminate();
  }
}

/** One kernel thread per loaded bundle (a bundle object is loaded once per extension and thread). */
const threads = new WeakMap<LoadedBundle, KernelThread>();

/** Stops the bundle's kernel thread, if it has one: its VM is gone (a sandbox worker that outlives a VM). */
export function stopKernels(bundle: LoadedBundle): void {
  const thread = threads.get(bundle);
  threads.delete(bundle);
  thread?.stop("the extension's VM was released");
}

export const kernelOps: OpHandlers = {
  "kernel.call": async (ctx, request) => {
    const bundle = ctx.bundle;
    if (!bundle || !bundle.hasKernels) throw sdxError("SDX3011", `${ctx.extensionId} has no kernels (add AssemblyScript files under kernels/)`);
    let thread = threads.get(bundle);
    if (!thread) {
      const started: KernelThread = new KernelThread(bundle.bytes, limits, () => {
        if (threads.get(bundle) === started) threads.delete(bundle);
      });
      thread = started;
      threads.set(bundle, thread);
    }
    return { result: await thread.call(request.name, request.args as Array<number | TypedArray>) };
  },
};
