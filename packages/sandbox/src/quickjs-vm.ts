/**
 * One QuickJS VM: its own WebAssembly instance, runtime and context, the two host bindings, and the
 * guest bundle evaluated in it. Input: guest JS, limits, the current `HostCalls`. Output: invocation
 * replies as `WireResult`s. Must not: let a guest failure escape as a host exception, or run guest
 * code without the interrupt handler watching the deadline and the slice limit.
 *
 * Host calls go through `CallBridge` (call-bridge.ts): `__sdx_call` returns a real QuickJS promise
 * that the host settles; the job queue is pumped (`executePendingJobs`) once per batch of settled
 * calls, so a guest awaiting many calls concurrently costs one pump, not one per call.
 */
import type { QuickJSContext, QuickJSHandle, QuickJSRuntime, QuickJSWASMModule } from "quickjs-emscripten-core";
import { PROTOCOL_VERSION, failure, toWireError, wireError, type Invocation, type WireMessage, type WireResult } from "@sdx/sdk/wire";
import { newQuickJSModule } from "./quickjs-module.js";
import { GUEST_HELPER_NAMES, GUEST_HELPERS_SOURCE, NON_ES_GLOBALS, RUNTIME_FILE } from "./guest-helpers.js";
import { encodeChecked, type Helpers } from "./marshal.js";
import { CallBridge } from "./call-bridge.js";
import { FATAL_MESSAGES, fatalCodeOf, fatalOfHostException, fatalWireError, guestThrownError, type ThrownDescription, type VmFatal } from "./guest-error.js";
import type { HostCalls, SandboxLimits } from "./types.js";
import { settleReply } from "./reply.js";
import type { VmCore } from "./vm-core.js";
import type { GuestClock } from "./guest-clock.js";
import { VmStrings } from "./vm-strings.js";

/** Calls of a VM with no bundle yet: no guest code runs before `start` gives it its own. */
const NO_CALLS: HostCalls = {
  call: async () => failure(wireError("SDX3020", "the VM has no bundle yet")),
  callSync: () => failure(wireError("SDX3020", "the VM has no bundle yet")),
};

let prepared: { limits: Readonly<SandboxLimits>; clock: GuestClock | undefined; vm: Promise<QuickJSVm> } | null = null;

/**
 * Makes the next VM ahead of need, all but its bundle (a spare worker does it while it waits): the
 * engine instance, runtime, context and host bindings, ~2–3 ms of a VM's start. The next `start`
 * takes it if it asks for the same limits and clock, and disposes it otherwise.
 */
export function prepareQuickJSVm(limits: Readonly<SandboxLimits>, clock?: GuestClock): void {
  prepared ??= { limits, clock, vm: QuickJSVm.create(limits, clock) };
}

async function takePrepared(limits: Readonly<SandboxLimits>, clock: GuestClock | undefined): Promise<QuickJSVm | null> {
  const ready = prepared;
  if (!ready) return null;
  prepared = null;
  const vm = await ready.vm.catch(() => null);
  if (vm && ready.clock === clock && sameLimits(ready.limits, limits)) return vm;
  // Made for other limits: a worker's next VMs ask for the same ones, so it would never be used.
  vm?.dispose();
  return null;
}

function sameLimits(a: Readonly<SandboxLimits>, b: Readonly<SandboxLimits>): boolean {
  return a.memoryBytes === b.memoryBytes && a.stackBytes === b.stackBytes && a.maxSliceMs === b.maxSliceMs && a.maxMessageBytes === b.maxMessageBytes;
}

export class QuickJSVm implements VmCore {
  /** Set once the VM has failed fatally; it is then disposed and must not be used. */
  fatal: VmFatal | null = null;
  calls: HostCalls;
  /** Absolute time (Date.now()) after which running guest code is interrupted. */
  deadline = Infinity;
  private sliceStart = 0;
  /** Marks stretches of guest code for a watchdog on another thread (guest-clock.ts). */
  private clock: GuestClock | null = null;
  private memoryFull: () => boolean = () => false;
  private depth = 0;
  private interrupted: "deadline" | "slice" | null = null;
  private readonly onDeath = new Set<(fatal: VmFatal) => void>();
  private readonly bridge = new CallBridge(this);
  helpers!: Helpers;
  private guest!: QuickJSHandle;
  private guestInvoke!: QuickJSHandle;
  private disposed = false;

  /** Label in stack traces and errors; set when the bundle is evaluated (a prepared VM has none yet). */
  name = "";

  private constructor(
    private readonly module: QuickJSWASMModule,
    readonly runtime: QuickJSRuntime,
    readonly context: QuickJSContext,
    readonly limits: Readonly<SandboxLimits>,
    calls: HostCalls,
  ) {
    this.calls = calls;
    this.strings = new VmStrings(context);
  }
  readonly strings: VmStrings;

  /** Starts a VM and evaluates the bundle. Resolves to the VM, or to the error that stopped it. */
  static async start(name: string, guestJs: string, limits: Readonly<SandboxLimits>, calls: HostCalls, clock?: GuestClock): Promise<QuickJSVm | { error: WireResult<never> }> {
    const vm = (await takePrepared(limits, clock)) ?? (await QuickJSVm.create(limits, clock));
    vm.name = name;
    vm.calls = calls;
    const error = vm.evaluate(guestJs);
    if (error) {
      vm.dispose();
      return { error };
    }
    return vm;
  }

  /** A VM with its engine, runtime, context and host bindings, and no bundle yet. */
  static async create(limits: Readonly<SandboxLimits>, clock?: GuestClock): Promise<QuickJSVm> {
    const { module, memoryFull } = await newQuickJSModule(limits.memoryBytes);
    const runtime = module.newRuntime();
    runtime.setMemoryLimit(limits.memoryBytes);
    runtime.setMaxStackSize(limits.stackBytes);
    const vm = new QuickJSVm(module, runtime, runtime.newContext(), limits, NO_CALLS);
    vm.clock = clock ?? null;
    vm.memoryFull = memoryFull;
    runtime.setInterruptHandler(() => vm.shouldInterrupt());
    vm.installBindings();
    return vm;
  }

  private shouldInterrupt(): boolean {
    if (this.interrupted) return true;
    this.calls.whileGuestRuns?.();
    const now = Date.now();
    if (now > this.deadline) this.interrupted = "deadline";
    else if (this.sliceStart !== 0 && now - this.sliceStart > this.limits.maxSliceMs) this.interrupted = "slice";
    return this.interrupted !== null;
  }

  /** Runs `fn` as guest time: the slice clock starts, and an exception out of the engine kills the VM. */
  enter<T>(fn: () => T): T | undefined {
    if (this.fatal) return undefined;
    if (this.depth++ === 0) {
      this.sliceStart = Date.now();
      this.clock?.enter();
    }
    try {
      return fn();
    } catch (error) {
      // An exception out of the engine (a native stack overflow in its C recursion, a wasm trap)
      // leaves its C state inconsistent: never call into it again.
      this.kill(fatalOfHostException(error));
      return undefined;
    } finally {
      if (--this.depth === 0) {
        this.sliceStart = 0;
        this.clock?.leave();
      }
    }
  }

  /** Removes what is not ECMAScript from the global and defines the host bindings (guest-helpers.ts). */
  private installBindings(): void {
    const ctx = this.context;
    for (const name of NON_ES_GLOBALS) {
      const removed = ctx.evalCode(`delete globalThis[${JSON.stringify(name)}]`);
      removed.dispose();
    }
    const factory = ctx.unwrapResult(ctx.evalCode(GUEST_HELPERS_SOURCE, "sdx:helpers"));
    const rawCallSync = ctx.newFunction("callSync", (op, json, ...buffers) => this.bridge.syncCall(op, json, buffers));
    // A thrown error comes back as `{ error }`, which the engine throws in the guest.
    const rawEvalRuntime = ctx.newFunction("evalRuntime", (source) => ctx.evalCode(this.strings.getString(source), RUNTIME_FILE));
    const limit = ctx.newNumber(this.limits.maxMessageBytes);
    const helpers = ctx.unwrapResult(ctx.callFunction(factory, ctx.undefined, rawCallSync, rawEvalRuntime, limit));
    for (const handle of [factory, rawCallSync, rawEvalRuntime, limit]) handle.dispose();
    this.helpers = Object.fromEntries(GUEST_HELPER_NAMES.map((n) => [n, ctx.getProp(helpers, n)])) as Helpers;
    helpers.dispose();
  }

  /** Evaluates the bundle and checks what it defined; an error means the VM cannot be used. */
  private evaluate(guestJs: string): WireResult<never> | null {
    const ctx = this.context;
    const global = ctx.global;
    const evaluated = this.enter(() => ctx.evalCode(guestJs, `${this.name}.guest.js`));
    if (!evaluated) return failure(fatalWireError(this.fatal!));
    if (evaluated.error) {
      const error = this.thrownToWire(evaluated.error, "evaluating the bundle");
      evaluated.error.dispose();
      return failure(error);
    }
    evaluated.value.dispose();
    this.pumpNow();
    if (this.fatal) return failure(fatalWireError(this.fatal));

    this.guest = ctx.getProp(global, "__sdx_guest");
    const version = ctx.typeof(this.guest) === "object" ? ctx.getProp(this.guest, "protocolVersion") : undefined;
    const invoke = ctx.typeof(this.guest) === "object" ? ctx.getProp(this.guest, "invoke") : undefined;
    const versionNumber = version && ctx.typeof(version) === "number" ? ctx.getNumber(version) : null;
    version?.dispose();
    if (!invoke || ctx.typeof(invoke) !== "function") {
      invoke?.dispose();
      return failure(wireError("SDX3024", "the bundle did not define globalThis.__sdx_guest.invoke"));
    }
    this.guestInvoke = invoke;
    if (versionNumber !== PROTOCOL_VERSION) {
      return failure(wireError("SDX3009", `the guest speaks protocol ${String(versionNumber)}, this host speaks ${PROTOCOL_VERSION}`));
    }
    return null;
  }

  /**
   * Runs one invocation; resolves with the guest's reply or the error that ended it. `encoded`: the
   * invocation as a message already encoded and size-checked against these limits (a worker passes
   * the host's message through instead of decoding and encoding it again).
   */
  invoke(invocation: Invocation | { encoded: WireMessage }): Promise<WireResult> {
    if (this.fatal) return Promise.resolve(failure(fatalWireError(this.fatal)));
    const ctx = this.context;
    let message: WireMessage;
    try {
      message = "encoded" in invocation ? invocation.encoded : encodeChecked(invocation, this.limits.maxMessageBytes, "the invocation");
    } catch (error) {
      return Promise.resolve(failure(toWireError(error)));
    }
    return new Promise<WireResult>((resolve) => {
      let done = false;
      const finish = (result: WireResult) => {
        if (done) return;
        done = true;
        this.onDeath.delete(onDeath);
        resolve(result);
      };
      const onDeath = (fatal: VmFatal) => finish(failure(fatalWireError(fatal)));
      this.onDeath.add(onDeath);
      this.enter(() => {
        const json = this.strings.newString(message.json);
        const buffers = ctx.newArray();
        message.buffers.forEach((buffer, i) => {
          const handle = ctx.newArrayBuffer(buffer);
          ctx.setProp(buffers, i, handle);
          handle.dispose();
        });
        const returned = ctx.callFunction(this.guestInvoke, this.guest, json, buffers);
        json.dispose();
        buffers.dispose();
        if (returned.error) {
          finish(this.rejected(returned.error));
          return;
        }
        settleReply(this, this.helpers, returned.value, finish);
        returned.value.dispose();
      });
      this.pumpNow();
    });
  }

  /** The reply when the guest's invoke threw or its promise rejected. */
  rejected(thrown: QuickJSHandle): WireResult {
    const error = this.thrownToWire(thrown, "invoke");
    thrown.dispose();
    if (this.fatal) return failure(fatalWireError(this.fatal));
    return failure(error);
  }

  /** Describes a thrown handle; a fatal one (interrupt, memory, stack) kills the VM. */
  thrownToWire(thrown: QuickJSHandle, context: string) {
    if (this.interrupted) {
      this.kill({ code: "SDX3003", message: this.interrupted === "deadline" ? FATAL_MESSAGES.SDX3003 : `${FATAL_MESSAGES.SDX3003} (ran ${this.limits.maxSliceMs} ms without yielding)` });
      return fatalWireError(this.fatal!);
    }
    const described = this.describe(thrown);
    const code = fatalCodeOf(described.name, described.message);
    if (code) {
      this.kill({ code, message: FATAL_MESSAGES[code] });
      return fatalWireError(this.fatal!);
    }
    return guestThrownError(described, context);
  }

  private describe(thrown: QuickJSHandle): ThrownDescription {
    const fallback = { kind: "unknown", name: "", message: "an unprintable value", stack: "" };
    const result = this.enter(() => this.context.callFunction(this.helpers.describe, this.context.undefined, thrown));
    if (!result) return fallback;
    if (result.error) {
      result.error.dispose();
      return fallback;
    }
    const json = this.context.getString(result.value);
    result.value.dispose();
    const [kind, name, message, stack] = JSON.parse(json) as [string, string, string, string];
    return { kind, name, message, stack };
  }

  /** Runs the guest's pending jobs (promise reactions) until none are left, then starts its host calls. */
  pumpNow(): void {
    while (!this.fatal) {
      const result = this.enter(() => this.runtime.executePendingJobs(-1));
      if (!result) return;
      if (!result.error) {
        this.bridge.drain();
        this.failIfStalled();
        return;
      }
      // A job threw past every handler: an interrupt, or the engine's own failure.
      const error = this.thrownToWire(result.error, "a pending job");
      result.error.dispose();
      if (!this.fatal) {
        try {
          this.calls.callSync("log", { level: "error", message: `uncaught in a pending job: ${error.name}: ${error.message}` });
        } catch {
          // logging is best effort
        }
      }
    }
  }

  /**
   * An invocation still running while the guest has no job to run, no host call in flight and no
   * reply to receive can never finish: the guest has no timers, so nothing will ever settle what it
   * awaits (`await new Promise(() => {})`, a lost resolve function, or a job the engine dropped
   * when its memory ran out). Without this a job without a deadline would wait forever.
   */
  private failIfStalled(): void {
    if (this.fatal || this.onDeath.size === 0 || this.bridge.busy) return;
    // Interrupted inside a promise reaction: the engine turned the interrupt into a rejection of a
    // promise nobody awaits, and the guest's work stopped there.
    if (this.interrupted) {
      this.kill({ code: "SDX3003", message: this.interrupted === "deadline" ? FATAL_MESSAGES.SDX3003 : `${FATAL_MESSAGES.SDX3003} (ran ${this.limits.maxSliceMs} ms without yielding)` });
      return;
    }
    this.kill(this.memoryFull()
      ? { code: "SDX3004", message: `${FATAL_MESSAGES.SDX3004} (its memory is full and its pending work was lost)` }
      : { code: "SDX3028", message: FATAL_MESSAGES.SDX3028 });
  }

  /** Fails the VM for good: pending invocations get the fatal error, resources are released. */
  kill(fatal: VmFatal): void {
    if (this.fatal) return;
    this.fatal = fatal;
    for (const listener of [...this.onDeath]) listener(fatal);
    this.onDeath.clear();
    // Later: the caller may still hold handles to release, or be inside a host callback, and
    // disposing now would free the engine under its feet.
    queueMicrotask(() => this.dispose());
  }

  /**
   * Never calls into the engine: each VM has its own WebAssembly instance and memory, so dropping
   * every reference frees all of it at once. Freeing object by object (`JS_FreeRuntime`) would walk
   * whatever the guest left behind (a million pending promises after a microtask flood takes
   * seconds) and asserts on objects still referenced, which a guest killed mid-call always has.
   */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.fatal ??= { code: "SDX3003", message: "the sandbox was disposed" };
    void this.module;
  }
}
