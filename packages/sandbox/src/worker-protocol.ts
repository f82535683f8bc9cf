/**
 * The messages between the host's thread and a sandbox worker (one QuickJS VM per worker). Guest
 * messages cross as `WireMessage`s (JSON text + ArrayBuffers, transferred, never decoded on the way);
 * host calls are batched both ways, one message per turn of either event loop.
 */
import type { Invocation, WireError, WireMessage } from "@sdx/sdk/wire";
import type { SandboxLimits } from "./types.js";

/** Host → worker. */
export type ToWorker =
  /** Start (or restart) the VM: evaluate the guest bundle. */
  | { type: "start"; name: string; guestJs: string; limits: SandboxLimits; workerData?: unknown }
  /** Run one invocation. `invocation` is the encoded `Invocation`. */
  | { type: "invoke"; id: number; invocation: WireMessage; deadlineMs: number | null; scope?: unknown }
  /** Replies to async host calls: [call id, reply]. */
  | { type: "replies"; replies: Array<[number, WireMessage]> }
  /** Answer with a pong: the worker's event loop is not stuck. */
  | { type: "ping" }
  /**
   * Drop the VM and close what the calls module opened for it, then wait for the next `start` (the
   * host keeps the thread for another VM, see `WorkerSandbox.reclaim`). Answered by `released`.
   */
  | { type: "release" }
  /** Stop the VM and exit. */
  | { type: "dispose" };

/** Worker → host. */
export type FromWorker =
  | { type: "ready" }
  | { type: "pong" }
  | { type: "started"; error: WireError | null; startMs: number }
  /** Async host calls the guest made: [call id, op, request]. */
  | { type: "calls"; calls: Array<[number, string, WireMessage]> }
  /** A sync host call; the worker now waits on the shared buffer. */
  | { type: "sync"; op: string; request: WireMessage }
  /** A sync host call whose answer the worker does not wait for (`WorkerLink.post`). */
  | { type: "post"; op: string; request: WireMessage }
  /** The worker has read a chunk of a large sync reply and wants the next. */
  | { type: "sync-next" }
  /** An invocation ended. `recycled` counts VMs the worker replaced after fatal errors so far. */
  | { type: "done"; id: number; reply: WireMessage; recycled: number; lastStartMs: number; settled?: unknown }
  /** Messages of the worker calls module (`WorkerLink.notify`), in order. */
  | { type: "notices"; notices: unknown[] }
  /** The VM is gone (`release`); `ok` false: closing its calls failed, and the thread must not be reused. */
  | { type: "released"; ok: boolean };

/** What a worker is started with (`workerData`). */
export interface WorkerSetup {
  /** The compiled QuickJS module, compiled once by the host's thread. */
  quickjs: unknown;
  /** The guest clock's shared buffer and epoch (guest-clock.ts). */
  clock: SharedArrayBuffer;
  clockEpoch: number;
  /** The sync reply buffer (sync-channel.ts). */
  sync: SharedArrayBuffer;
  /** URL of the module that answers host calls in the worker (`WorkerCallsModule`), if any. */
  callsModule: string | null;
}

export type { Invocation };
