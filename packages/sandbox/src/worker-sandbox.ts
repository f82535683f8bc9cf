/**
 * The default `Sandbox`: every VM in a worker thread of its own, so no guest can block the host's
 * thread and CPU-bound guests run on separate cores. The host's thread answers the guest's host
 * calls (`HostCalls`) and watches each worker: a worker that outlives its invocation's deadline, or
 * runs one stretch of guest code longer than the slice limit (stuck inside a native built-in, where
 * QuickJS's interrupt never fires), is terminated, and the next invocation gets a fresh worker.
 * An engine abort or an out-of-memory inside the worker costs that worker only.
 *
 * Limits per VM on the host's side: at most `MAX_CALLS_RUNNING` host calls run at once (the rest
 * wait in order), at most `MAX_CALLS_WAITING` wait (beyond that a call is refused with SDX3027), and
 * every reply is size-checked before it is sent.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { decodeMessage, failure, toWireError, wireError, type Invocation, type WireError, type WireMessage, type WireResult } from "@sdx/sdk/wire";
import { compiledQuickJS } from "./quickjs-module.js";
import { SharedGuestClock } from "./guest-clock.js";
import { newSyncBuffer, SyncReplyWriter } from "./sync-channel.js";
import { decodeFast, encodeChecked } from "./marshal.js";
import {
  DEFAULT_LIMITS, type HostCalls, type InstanceOptions, type InvokeOptions, type Sandbox, type SandboxInstance, type SandboxInstanceStats, type SandboxLimits, type WorkerCallsModule,
} from "./types.js";
import type { FromWorker, ToWorker, WorkerSetup } from "./worker-protocol.js";

/** Host calls of one VM running at once on the host's side. */
export const MAX_CALLS_RUNNING = 32;
/** Host calls of one VM waiting for a turn; more are refused (SDX3027). */
export const MAX_CALLS_WAITING = 10_000;

/**
 * Threads of disposed VMs kept for the next ones (`WorkerSandbox.reclaim`): enough for a job, its
 * tasks at a parallelism of up to 6 and an agent, which an install of a new build (every save in
 * `sdx dev`) disposes and the next run starts again. A new thread costs ~0.4 s of CPU (loading its
 * calls module); a kept one a few ms. Each holds ~26 MB while it waits.
 */
export const MAX_IDLE_WORKERS = 8;
/** A kept thread unused this long is terminated (its memory given back). */
export const IDLE_WORKER_MS = 30_000;

export interface WorkerSandboxOptions {
  /** How long past its deadline (or its slice limit) a stuck worker gets before it is terminated. Default 1000 ms. */
  graceMs?: number;
  /** A module that answers host calls in the workers, next to the VM (see `WorkerCallsModule`). */
  callsModule?: WorkerCallsModule;
  /** Host calls of one VM that may wait for a turn before more are refused (SDX3027). Default `MAX_CALLS_WAITING`; tests lower it to show the refusal with less work. */
  maxCallsWaiting?: number;
}

/** The worker's script: built JavaScript (tests run the host from sources; the worker always runs dist/). */
function workerScript(): URL {
  const beside = new URL("./worker-entry.js", import.meta.url);
  if (existsSync(fileURLToPath(beside))) return beside;
  return new URL("../dist/worker-entry.js", import.meta.url);
}

export class WorkerSandbox implements Sandbox {
  readonly limits: Readonly<SandboxLimits>;
  readonly graceMs: number;
  readonly callsModule: string | null;
  readonly maxCallsWaiting: number;
  private spare: Promise<LiveWorker> | null = null;
  /** Threads of disposed VMs, newest last: each resolves once its VM is released (null: not reusable). */
  private readonly idle: Array<{ worker: Promise<LiveWorker | null>; timer: NodeJS.Timeout }> = [];
  private closed = false;
  private readonly live = new Set<LiveWorker>();
  /** Threads started, and VMs started in a kept thread instead of a new one (`reclaim`). */
  readonly stats = { threadsStarted: 0, threadsReused: 0 };

  constructor(limits: Partial<SandboxLimits> = {}, options: WorkerSandboxOptions = {}) {
    this.limits = Object.freeze({ ...DEFAULT_LIMITS, ...limits });
    this.graceMs = options.graceMs ?? 1000;
    this.callsModule = options.callsModule?.url ?? null;
    this.maxCallsWaiting = options.maxCallsWaiting ?? MAX_CALLS_WAITING;
  }

  createInstance(options: InstanceOptions): SandboxInstance {
    return new WorkerInstance(this, options, Object.freeze({ ...this.limits, ...options.limits }));
  }

  /** Threads kept for the next VMs (`reclaim`). */
  get idleThreads(): number {
    return this.idle.length;
  }

  /** Starts one worker ahead of need, so the next instance's VM starts without waiting for a thread. */
  prestart(): void {
    if (!this.closed && this.idle.length === 0) this.spare ??= this.spawn();
  }

  /**
   * A started worker for a new VM: a kept one first (`reclaim`), else the spare, else a new one. The
   * caller starts the next spare (`prestart`) once its VM is up: on a small machine, a spare warming
   * up beside it would take a core from the start being waited for.
   */
  async takeWorker(): Promise<LiveWorker> {
    for (let kept = this.idle.pop(); kept; kept = this.idle.pop()) {
      clearTimeout(kept.timer);
      const worker = await kept.worker;
      if (worker && !worker.dead) {
        this.stats.threadsReused++;
        return worker;
      }
    }
    const taken = this.spare ?? this.spawn();
    this.spare = null;
    const worker = await taken;
    if (worker.dead) return this.takeWorker();
    return worker;
  }

  /**
   * Takes back the thread of a disposed VM: an idle one (no invocation, no host call in flight) drops
   * its VM and its calls module's connections and waits for the next VM; a busy or dead one, or one
   * past `MAX_IDLE_WORKERS`, is terminated. Nothing of the old VM survives in the thread: each VM is
   * its own WebAssembly instance, and the calls module opens everything again for the next.
   */
  reclaim(worker: LiveWorker): void {
    if (this.closed || worker.dead || worker.busy) {
      void worker.terminate();
      return;
    }
    const entry = {
      worker: worker.release().then((ok) => {
        if (ok) return worker;
        void worker.terminate();
        return null;
      }),
      timer: setTimeout(() => {
        const at = this.idle.indexOf(entry);
        if (at >= 0) this.idle.splice(at, 1);
        void worker.terminate();
      }, IDLE_WORKER_MS),
    };
    entry.timer.unref();
    this.idle.push(entry);
    while (this.idle.length > MAX_IDLE_WORKERS) {
      const oldest = this.idle.shift()!;
      clearTimeout(oldest.timer);
      void oldest.worker.then((kept) => kept?.terminate());
    }
  }

  private async spawn(): Promise<LiveWorker> {
    const quickjs = await compiledQuickJS();
    if (this.closed) throw new Error("the sandbox is closed");
    const worker = new LiveWorker(quickjs, this);
    this.stats.threadsStarted++;
    this.live.add(worker);
    worker.onExit = () => this.live.delete(worker);
    await worker.ready;
    return worker;
  }

  /**
   * Terminates every worker (their VMs with them), a spare still warming up included: waiting for it
   * to be ready first cost a one-shot `sdx run` half a second.
   */
  async close(): Promise<void> {
    this.closed = true;
    for (const kept of this.idle.splice(0)) clearTimeout(kept.timer);
    const spare = this.spare;
    this.spare = null;
    // Its worker is in `live` already, or will never be made; terminated below, it rejects.
    spare?.catch(() => undefined);
    await Promise.all([...this.live].map((w) => w.terminate()));
  }
}

/** One worker thread and the host's side of its protocol. */
class LiveWorker {
  readonly ready: Promise<void>;
  dead = false;
  onExit: () => void = () => undefined;
  private readonly worker: Worker;
  private readonly clock: SharedGuestClock;
  private readonly sync: SyncReplyWriter;
  /** Who answers the guest's calls now (the running invocation's, or the instance's). */
  calls: HostCalls | null = null;
  private limits: Readonly<SandboxLimits> = DEFAULT_LIMITS;
  private readonly waiting: Array<[number, string, WireMessage]> = [];
  private running = 0;
  private replies: Array<[number, WireMessage]> = [];
  private listener: ((message: FromWorker) => void) | null = null;
  private deathListener: ((error: WireError) => void) | null = null;
  /** Why the worker was terminated, when the host did it. */
  private killedFor: WireError | null = null;
  /** When the worker last answered a ping (its event loop was free). */
  private lastPong = 0;
  private onNotice: ((notice: unknown) => void) | null = null;

  constructor(quickjs: unknown, private readonly sandbox: WorkerSandbox) {
    this.clock = new SharedGuestClock();
    const syncBuffer = newSyncBuffer();
    this.sync = new SyncReplyWriter(syncBuffer);
    const setup: WorkerSetup = { quickjs, clock: this.clock.buffer, clockEpoch: this.clock.epochMs, sync: syncBuffer, callsModule: sandbox.callsModule };
    this.worker = new Worker(workerScript(), {
      workerData: setup,
      // The guest's heap is the VM's WebAssembly memory (capped by `memoryBytes`); the worker's own
      // heap only holds messages on their way (each at most `maxMessageBytes`, 64 MiB by default).
      // Keep it well above that: V8 treats one allocation past a worker's limit as fatal to the process.
      resourceLimits: { maxOldGenerationSizeMb: 1024, maxYoungGenerationSizeMb: 64, stackSizeMb: 4 },
    });
    this.worker.unref();
    let readyResolve!: () => void;
    let readyReject!: (error: Error) => void;
    this.ready = new Promise((resolve, reject) => {
      readyResolve = resolve;
      readyReject = reject;
    });
    this.worker.on("message", (message: FromWorker) => {
      if (message.type === "ready") readyResolve();
      else this.receive(message);
    });
    this.worker.on("error", (error) => this.died(error));
    this.worker.on("exit", (code) => {
      readyReject(new Error(`the sandbox worker exited (${code}) before it was ready`));
      this.died(null);
    });
  }

  /** Whether its VM still has something under way: a start, an invocation or a host call. */
  get busy(): boolean {
    return this.listener !== null || this.running > 0 || this.waiting.length > 0 || this.replies.length > 0;
  }

  /**
   * Drops the VM and what the calls module opened for it (`release`). False when the thread must not
   * be reused: it died, closing failed, or it did not answer within the grace (it is terminated).
   */
  async release(): Promise<boolean> {
    const timer = setTimeout(() => this.kill(wireError("SDX3020", "the sandbox worker did not release its VM in time")), this.sandbox.graceMs);
    try {
      const released = await this.request({ type: "release" }, "released");
      return !("died" in released) && released.ok && !this.dead;
    } finally {
      clearTimeout(timer);
      // Only now: notices and calls the old VM's calls module sent before `released` still reached its own.
      this.calls = null;
      this.onNotice = null;
    }
  }

  /** Sends `message` and resolves with the worker's answer `type`, or its death. */
  request<T extends FromWorker["type"]>(message: ToWorker, answer: T, transfer: ArrayBuffer[] = []): Promise<Extract<FromWorker, { type: T }> | { died: WireError }> {
    return new Promise((resolve) => {
      this.listener = (reply) => {
        if (reply.type !== answer) return;
        this.listener = null;
        this.deathListener = null;
        resolve(reply as Extract<FromWorker, { type: T }>);
      };
      this.deathListener = (error) => {
        this.listener = null;
        this.deathListener = null;
        resolve({ died: error });
      };
      if (this.dead) this.deathListener(this.deathError());
      else this.worker.postMessage(message, transfer);
    });
  }

  async startVm(name: string, guestJs: string, limits: Readonly<SandboxLimits>, calls: HostCalls, workerData: unknown, onNotice: ((notice: unknown) => void) | undefined): Promise<{ error: WireError | null; startMs: number }> {
    this.limits = limits;
    this.calls = calls;
    this.onNotice = onNotice ?? null;
    this.worker.ref();
    try {
      const started = await this.request({ type: "start", name, guestJs, limits, workerData }, "started");
      return "died" in started ? { error: started.died, startMs: 0 } : { error: started.error, startMs: started.startMs };
    } finally {
      this.worker.unref();
    }
  }

  /** Runs one invocation, watched: past its deadline or stuck in one native call, the worker is terminated. */
  async invoke(invocation: Invocation, options: InvokeOptions, calls: HostCalls): Promise<{ reply: WireResult; recycled: number; lastStartMs: number }> {
    this.calls = calls;
    let encoded: WireMessage;
    try {
      encoded = encodeChecked(invocation, this.limits.maxMessageBytes, "the invocation");
    } catch (error) {
      return { reply: failure(toWireError(error)), recycled: 0, lastStartMs: 0 };
    }
    const budget = options.deadlineMs ?? Infinity;
    const grace = this.sandbox.graceMs;
    const timers: NodeJS.Timeout[] = [];
    if (Number.isFinite(budget)) {
      timers.push(setTimeout(() => this.kill(wireError("SDX3003", `the guest exceeded its time limit (deadline ${budget} ms) and did not stop: its VM was terminated`)), budget + grace));
    }
    // The worker's event loop never stays busy longer than a slice of guest code: when it does not
    // answer a ping within the slice limit plus the grace, it is stuck (in a built-in the interrupt
    // cannot reach, or in the engine itself) and is terminated.
    const slice = this.limits.maxSliceMs;
    this.lastPong = Date.now();
    timers.push(setInterval(() => {
      const silent = Date.now() - this.lastPong;
      if (silent > slice + grace) {
        const ran = this.clock.runningForMs();
        this.kill(wireError("SDX3003", ran > 0
          ? `the guest ran ${ran} ms without yielding (the limit is ${slice} ms) and could not be interrupted in time (a long native operation such as a huge join or sort): its VM was terminated`
          : `the guest's VM stopped answering for ${silent} ms (the limit is ${slice} ms without yielding): it was terminated`));
      } else this.worker.postMessage({ type: "ping" } satisfies ToWorker);
    }, Math.max(50, Math.min(1000, slice / 4))));
    this.worker.ref();
    try {
      const done = await this.request({ type: "invoke", id: 0, invocation: encoded, deadlineMs: Number.isFinite(budget) ? budget : null, scope: options.scope }, "done", encoded.buffers);
      if ("died" in done) return { reply: failure(done.died), recycled: 0, lastStartMs: 0 };
      if (done.settled !== undefined) options.onSettled?.(done.settled);
      return { reply: decodeMessage<WireResult>(done.reply), recycled: done.recycled, lastStartMs: done.lastStartMs };
    } finally {
      for (const timer of timers) clearTimeout(timer);
      this.worker.unref();
    }
  }

  private receive(message: FromWorker): void {
    switch (message.type) {
      case "calls":
        for (const call of message.calls) this.enqueueCall(call);
        return;
      case "sync":
        this.sync.write(this.answerSync(message.op, message.request));
        return;
      case "sync-next":
        this.sync.next();
        return;
      case "post":
        // Nobody waits for the answer: a failure (a refused log line) is dropped like its reply.
        try {
          this.calls?.callSync(message.op, decodeFast(message.request));
        } catch {
          // dropped
        }
        return;
      case "pong":
        this.lastPong = Date.now();
        return;
      case "notices":
        for (const notice of message.notices) this.onNotice?.(notice);
        return;
      default:
        this.listener?.(message);
    }
  }

  private answerSync(op: string, request: WireMessage): WireMessage {
    let result: WireResult;
    try {
      result = this.calls ? this.calls.callSync(op, decodeFast(request)) : failure(wireError("SDX3020", "no host calls are set up for this sandbox"));
    } catch (error) {
      result = failure(toWireError(error));
    }
    return this.encodeReply(result);
  }

  private encodeReply(result: WireResult): WireMessage {
    try {
      return encodeChecked(result, this.limits.maxMessageBytes, "the host's reply");
    } catch (error) {
      return encodeChecked(failure(toWireError(error)), this.limits.maxMessageBytes, "the host's reply");
    }
  }

  private enqueueCall(call: [number, string, WireMessage]): void {
    const limit = this.sandbox.maxCallsWaiting;
    if (this.waiting.length >= limit) {
      this.reply(call[0], failure(wireError("SDX3027", `${limit} host calls are already waiting; await some before making more`)));
      return;
    }
    this.waiting.push(call);
    this.pumpCalls();
  }

  private pumpCalls(): void {
    while (this.running < MAX_CALLS_RUNNING && this.waiting.length > 0) {
      const [id, op, request] = this.waiting.shift()!;
      this.running++;
      void this.runCall(op, request).then((result) => {
        this.running--;
        this.reply(id, result);
        this.pumpCalls();
      });
    }
  }

  private async runCall(op: string, request: WireMessage): Promise<WireResult> {
    let payload: unknown;
    try {
      payload = decodeFast(request);
    } catch (error) {
      return failure(wireError("SDX3002", `malformed request to ${op}: ${(error as Error).message}`));
    }
    try {
      if (!this.calls) return failure(wireError("SDX3020", "no host calls are set up for this sandbox"));
      return await this.calls.call(op, payload);
    } catch (error) {
      return failure(toWireError(error));
    }
  }

  private reply(id: number, result: WireResult): void {
    if (this.dead) return;
    if (this.replies.length === 0) queueMicrotask(() => this.flushReplies());
    this.replies.push([id, this.encodeReply(result)]);
  }

  private flushReplies(): void {
    const replies = this.replies;
    this.replies = [];
    if (this.dead || replies.length === 0) return;
    this.worker.postMessage({ type: "replies", replies } satisfies ToWorker, replies.flatMap(([, reply]) => reply.buffers));
  }

  private deathError(): WireError {
    return this.killedFor ?? wireError("SDX3026", "the guest's engine crashed (its worker died); the VM was discarded");
  }

  /** Terminates the worker: what the guest was doing fails with `error`. */
  kill(error: WireError): void {
    if (this.dead) return;
    this.killedFor = error;
    void this.worker.terminate();
    this.died(null);
  }

  private died(error: Error | null): void {
    if (this.dead) return;
    this.dead = true;
    if (error && !this.killedFor) {
      const outOfMemory = (error as { code?: string }).code === "ERR_WORKER_OUT_OF_MEMORY";
      this.killedFor = outOfMemory
        ? wireError("SDX3004", `the guest exceeded its memory limit (${error.message}); its VM was discarded`)
        : wireError("SDX3026", `the guest's engine crashed (${error.message}); its VM was discarded`);
    }
    this.waiting.length = 0;
    this.deathListener?.(this.deathError());
    this.onExit();
  }

  /** Stops the worker; an invocation still running fails with "disposed". */
  async terminate(): Promise<void> {
    this.kill(wireError("SDX3020", "the sandbox was disposed"));
    await this.worker.terminate();
  }
}

/**
 * One extension's VM in a worker. Invocations run one at a time (later ones queue). After a fatal
 * error inside the VM the worker replaces the VM itself; after a worker death (terminated at a
 * deadline, crashed, out of memory) the next invocation starts a fresh worker.
 */
class WorkerInstance implements SandboxInstance {
  readonly name: string;
  readonly stats: SandboxInstanceStats = { invocations: 0, recycled: 0, lastStartMs: 0 };
  private worker: LiveWorker | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private disposed = false;
  private workerRecycles = 0;

  constructor(
    private readonly sandbox: WorkerSandbox,
    private readonly options: InstanceOptions,
    private readonly limits: Readonly<SandboxLimits>,
  ) {
    this.name = options.name;
    sandbox.prestart();
  }

  /** A worker whose VM evaluated the bundle, or the error that stopped it. */
  private async started(): Promise<LiveWorker | WireResult<never>> {
    if (this.worker && !this.worker.dead) return this.worker;
    if (this.worker) {
      this.worker = null;
      this.workerRecycles++;
      this.stats.recycled++;
    }
    const worker = await this.sandbox.takeWorker();
    const begun = performance.now();
    const { error } = await worker.startVm(this.name, this.options.guestJs, this.limits, this.options.calls, this.options.workerData, this.options.onNotice);
    this.stats.lastStartMs = performance.now() - begun;
    this.sandbox.prestart();
    // Disposed while the VM was starting: nothing may run in it.
    if (error || this.disposed) {
      this.sandbox.reclaim(worker);
      return failure(error ?? disposedError(this.name));
    }
    this.worker = worker;
    return worker;
  }

  warm(): Promise<WireResult<null>> {
    return this.enqueue(async () => {
      const worker = await this.started();
      return "ok" in worker ? worker : { ok: true, value: null };
    });
  }

  invoke(invocation: Invocation, options: InvokeOptions = {}): Promise<WireResult> {
    return this.enqueue(async () => {
      const worker = await this.started();
      if ("ok" in worker) {
        this.stats.invocations++;
        return worker;
      }
      const { reply, recycled } = await worker.invoke(invocation, options, options.calls ?? this.options.calls);
      worker.calls = this.options.calls;
      this.stats.invocations++;
      this.stats.recycled = this.workerRecycles + recycled;
      return reply;
    });
  }

  private enqueue<T extends WireResult>(task: () => Promise<T>): Promise<T | WireResult<never>> {
    const run = this.queue.then((): Promise<T | WireResult<never>> => (this.disposed ? Promise.resolve(failure(disposedError(this.name))) : task()));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** The thread goes back to the sandbox for another VM when it is idle (`reclaim`), else it is terminated. */
  dispose(): void {
    this.disposed = true;
    const worker = this.worker;
    this.worker = null;
    if (worker) this.sandbox.reclaim(worker);
  }
}

function disposedError(name: string): WireError {
  return wireError("SDX3020", `sandbox instance ${name} was disposed`);
}
