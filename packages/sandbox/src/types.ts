/**
 * The sandbox seen from the host: something that evaluates one extension's guest JavaScript in
 * isolation and runs `Invocation`s in it. The host depends on this interface only; QuickJS is one
 * implementation (`quickjs-sandbox.ts`). A sandbox never throws for what a guest does: every guest
 * failure (its own error, a deadline, memory, stack, a malformed reply) comes back as a `WireResult`.
 */
import type { Invocation, WireMessage, WireResult } from "@sdx/sdk/wire";
import type { GuestClock } from "./guest-clock.js";

/** Resource limits of one sandbox instance. */
export interface SandboxLimits {
  /**
   * The guest's heap in bytes (default 256 MiB). Enforced by the VM's WebAssembly memory maximum
   * (16 MiB of engine data and stack + this), so large typed arrays count too.
   */
  memoryBytes: number;
  /** Maximum guest stack in bytes (default 256 KiB: deeper recursion is an error, not a host crash). */
  stackBytes: number;
  /**
   * Longest stretch the guest may run without yielding to the host (awaiting a host call), in ms.
   * This is what stops `while(true){}` in code that has no deadline of its own (a job).
   */
  maxSliceMs: number;
  /** Largest encoded message (JSON text + attachments) crossing the boundary either way, in bytes. */
  maxMessageBytes: number;
}

export const DEFAULT_LIMITS: Readonly<SandboxLimits> = Object.freeze({
  memoryBytes: 256 * 1024 * 1024,
  stackBytes: 256 * 1024,
  maxSliceMs: 10_000,
  maxMessageBytes: 64 * 1024 * 1024,
});

/**
 * How the guest's host calls are answered. `call` serves `__sdx_call` (async ops), `callSync`
 * serves `__sdx_call_sync` (the host answers only ops its protocol table marks sync; it must not
 * return a promise). Payloads arrive
 * decoded (typed arrays restored); replies are encoded by the sandbox.
 */
export interface HostCalls {
  call(op: string, payload: unknown): Promise<WireResult>;
  callSync(op: string, payload: unknown): WireResult;
  /**
   * Called from the engine's interrupt check while guest code runs (the thread's timers cannot
   * fire then): e.g. to commit writes a guest that now computes for seconds would keep locked.
   * Must be cheap and must not call into the VM.
   */
  whileGuestRuns?(): void;
}

/**
 * Host calls answered at the message level: the request as the guest encoded it, the reply
 * encoded (`WireMessage` of a `WireResult`). A worker's proxy to the host's thread is one: it
 * forwards bytes without decoding them.
 */
export interface RawHostCalls extends HostCalls {
  callRaw(op: string, request: WireMessage): Promise<WireMessage>;
  callSyncRaw(op: string, request: WireMessage): WireMessage;
}

export function isRaw(calls: HostCalls): calls is RawHostCalls {
  return typeof (calls as Partial<RawHostCalls>).callRaw === "function";
}

export interface InvokeOptions {
  /** Wall-clock budget of this invocation in ms, host-call time included. Omit (or Infinity) for none. */
  deadlineMs?: number;
  /** Answers host calls made during this invocation (defaults to the instance's `calls`). */
  calls?: HostCalls;
  /**
   * With worker calls (`WorkerCallsModule`): on whose behalf this invocation's calls are made, as
   * plain data for the module in the worker (the sandbox passes it through without reading it).
   */
  scope?: unknown;
  /** With worker calls: receives what the module in the worker reports when the invocation ends. */
  onSettled?: (settled: unknown) => void;
}

/**
 * A module that answers host calls inside the sandbox's workers, next to the VM, instead of on the
 * host's thread: what makes a call cost no thread hop. The sandbox loads it in every worker and
 * knows nothing of it but this shape; calls it does not answer itself it forwards to the host's
 * thread (`WorkerLink.forward`, answered by the `HostCalls` of the invocation there).
 *
 * The module exports `openInstance(data, link)`, given `InstanceOptions.workerData`.
 */
export interface WorkerCallsModule {
  /** URL of the module (an ES module exporting `openInstance`). */
  url: string;
}

/** What a worker calls module gets to reach the host's thread. */
export interface WorkerLink {
  /** Host calls answered on the host's thread by the invocation's `HostCalls`. */
  forward: RawHostCalls;
  /** A message to the host's thread, delivered in order with the calls (`InstanceOptions.onNotice`). */
  notify(notice: unknown): void;
  /**
   * A sync op whose answer nobody needs (a log line), answered on the host's thread in order with
   * the calls, without the worker waiting for it. Every so often it waits after all (a sync call),
   * so a guest posting in a loop cannot queue messages without bound.
   */
  post(op: string, payload: unknown): void;
}

/** One extension's calls in a worker, as its calls module opened them. */
export interface WorkerInstanceCalls {
  /** The calls of one invocation with this scope (`InvokeOptions.scope`). */
  callsFor(scope: unknown): HostCalls;
  /** What to report to the host's thread when that invocation ended (`InvokeOptions.onSettled`). */
  settle(scope: unknown): unknown;
  /** Releases what the instance holds (its connections): its VM is gone, and the worker may start another. */
  close(): void;
}

export interface InstanceOptions {
  /** Label used in errors and logs (e.g. the extension id). */
  name: string;
  /** The guest bundle's JavaScript; it must define `globalThis.__sdx_guest`. */
  guestJs: string;
  /** Answers host calls made outside an invocation (e.g. while the bundle is evaluated). */
  calls: HostCalls;
  limits?: Partial<SandboxLimits>;
  /** Marks stretches of guest code for a watchdog on another thread (the worker sandbox sets it). */
  guestClock?: GuestClock;
  /** With worker calls: the data the worker's calls module opens this instance with (structured-cloneable). */
  workerData?: unknown;
  /** With worker calls: receives the module's notices (`WorkerLink.notify`). */
  onNotice?: (notice: unknown) => void;
}

export interface SandboxInstanceStats {
  /** Invocations completed (any outcome). */
  invocations: number;
  /** Times the underlying VM was thrown away after a fatal error and rebuilt. */
  recycled: number;
  /** Milliseconds the last VM took to start (module + runtime + bundle evaluation). */
  lastStartMs: number;
}

/**
 * One extension's isolated guest. Invocations run one at a time (later ones queue), so every host
 * call belongs to exactly one invocation. After a fatal error (deadline, memory, stack) the VM is
 * discarded and the next invocation starts a fresh one.
 */
export interface SandboxInstance {
  readonly name: string;
  readonly stats: Readonly<SandboxInstanceStats>;
  /** Evaluates the bundle now instead of on the first invocation; resolves to the start error, if any. */
  warm(): Promise<WireResult<null>>;
  invoke(invocation: Invocation, options?: InvokeOptions): Promise<WireResult>;
  dispose(): void;
}

export interface Sandbox {
  readonly limits: Readonly<SandboxLimits>;
  createInstance(options: InstanceOptions): SandboxInstance;
  /** Stops every VM (and the threads they run on). */
  close(): Promise<void>;
}
