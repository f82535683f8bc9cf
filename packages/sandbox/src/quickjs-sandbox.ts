/**
 * The QuickJS implementation of `Sandbox`. An instance owns at most one live `QuickJSVm`, runs
 * invocations one at a time, enforces each invocation's deadline twice (the interrupt handler while
 * guest code runs, a timer while it waits on the host) and replaces the VM after a fatal error, so
 * the next invocation starts clean while the rest of the host keeps running.
 */
import { failure, wireError, type Invocation, type WireMessage, type WireResult } from "@sdx/sdk/wire";
import { FATAL_MESSAGES } from "./guest-error.js";
import { QuickJSVm } from "./quickjs-vm.js";
import {
  DEFAULT_LIMITS,
  type InstanceOptions,
  type InvokeOptions,
  type Sandbox,
  type SandboxInstance,
  type SandboxInstanceStats,
  type SandboxLimits,
} from "./types.js";

export class QuickJSSandbox implements Sandbox {
  readonly limits: Readonly<SandboxLimits>;

  constructor(limits: Partial<SandboxLimits> = {}) {
    this.limits = Object.freeze({ ...DEFAULT_LIMITS, ...limits });
  }

  createInstance(options: InstanceOptions): QuickJSInstance {
    return new QuickJSInstance(options, Object.freeze({ ...this.limits, ...options.limits }));
  }

  /** Nothing to stop: instances run on the caller's thread and are disposed one by one. */
  async close(): Promise<void> {}
}

type StartResult = QuickJSVm | { error: WireResult<never> };

export class QuickJSInstance implements SandboxInstance {
  readonly name: string;
  readonly stats: SandboxInstanceStats = { invocations: 0, recycled: 0, lastStartMs: 0 };
  private vm: QuickJSVm | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private disposed = false;

  constructor(
    private readonly options: InstanceOptions,
    private readonly limits: Readonly<SandboxLimits>,
  ) {
    this.name = options.name;
  }

  private async start(): Promise<StartResult> {
    if (this.vm && !this.vm.fatal) return this.vm;
    if (this.vm) {
      this.vm = null;
      this.stats.recycled++;
    }
    const started = performance.now();
    const result = await QuickJSVm.start(this.name, this.options.guestJs, this.limits, this.options.calls, this.options.guestClock);
    this.stats.lastStartMs = performance.now() - started;
    if (result instanceof QuickJSVm) this.vm = result;
    return result;
  }

  warm(): Promise<WireResult<null>> {
    return this.enqueue(async () => {
      const vm = await this.start();
      return vm instanceof QuickJSVm ? { ok: true, value: null } : vm.error;
    });
  }

  invoke(invocation: Invocation, options: InvokeOptions = {}): Promise<WireResult> {
    return this.enqueue(() => this.run(invocation, options));
  }

  /** `invoke` with the invocation as the message the host encoded and size-checked (a worker's path: no decode and encode again). */
  invokeEncoded(encoded: WireMessage, options: InvokeOptions = {}): Promise<WireResult> {
    return this.enqueue(() => this.run({ encoded }, options));
  }

  /** Runs `task` after every earlier one has finished; a disposed instance answers with an error. */
  private enqueue<T extends WireResult>(task: () => Promise<T>): Promise<T | WireResult<never>> {
    const run = this.queue.then((): Promise<T | WireResult<never>> => (this.disposed ? Promise.resolve(disposedResult(this.name)) : task()));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async run(invocation: Invocation | { encoded: WireMessage }, options: InvokeOptions): Promise<WireResult> {
    const started = await this.start();
    if (!(started instanceof QuickJSVm)) {
      this.stats.invocations++;
      return started.error;
    }
    const vm = started;
    const budget = options.deadlineMs ?? Infinity;
    vm.calls = options.calls ?? this.options.calls;
    vm.deadline = Number.isFinite(budget) ? Date.now() + budget : Infinity;
    let timer: NodeJS.Timeout | undefined;
    try {
      return await new Promise<WireResult>((resolve) => {
        void vm.invoke(invocation).then(resolve);
        if (Number.isFinite(budget) && !vm.fatal) {
          // The interrupt handler only runs while guest code runs; this catches a guest that is
          // idle, waiting on a host call, when its time is up.
          timer = setTimeout(() => vm.kill({ code: "SDX3003", message: `${FATAL_MESSAGES.SDX3003} (deadline ${budget} ms)` }), budget + 1);
        }
      });
    } finally {
      clearTimeout(timer);
      vm.deadline = Infinity;
      vm.calls = this.options.calls;
      this.stats.invocations++;
    }
  }

  dispose(): void {
    this.disposed = true;
    this.vm?.dispose();
    this.vm = null;
  }
}

/** The reply used when an instance is asked to work after it was disposed. */
function disposedResult(name: string): WireResult<never> {
  return failure(wireError("SDX3020", `sandbox instance ${name} was disposed`));
}
