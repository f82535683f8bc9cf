/**
 * Sandbox instances for an extension's tasks, separate from the instance its jobs run in, so a
 * task that is interrupted at its `timeoutMs` (and whose VM is therefore thrown away) never takes
 * the job's VM with it. Instances are created on demand up to `capacity` and reused; `Limiter`
 * caps how many tasks one job has in flight (its `parallelism`).
 */
import type { SandboxInstance } from "@sdx/sandbox";

export class TaskPool {
  private readonly all: SandboxInstance[] = [];
  private readonly idle: SandboxInstance[] = [];
  private readonly waiting: Array<(instance: SandboxInstance) => void> = [];
  /** Thrown away while in use (a deadline on a virtual clock): not handed out again. */
  private readonly discarded = new WeakSet<SandboxInstance>();

  constructor(
    private readonly create: () => SandboxInstance,
    readonly capacity: number,
  ) {}

  /** Runs `fn` with an instance of its own for the duration of the call. */
  async use<T>(fn: (instance: SandboxInstance) => Promise<T>): Promise<T> {
    const instance = await this.acquire();
    try {
      return await fn(instance);
    } finally {
      this.release(instance);
    }
  }

  private acquire(): Promise<SandboxInstance> {
    const free = this.idle.pop();
    if (free) return Promise.resolve(free);
    if (this.all.length < this.capacity) {
      const instance = this.create();
      this.all.push(instance);
      return Promise.resolve(instance);
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /**
   * Starts the pool's first instance ahead of need (its worker thread and VM), when it has none:
   * a job whose extension declares tasks calls this as it starts, so its first `ctx.run` finds a
   * VM ready instead of waiting for a thread to load and a bundle to evaluate (~0.4–0.6 s on 2 cores).
   */
  prewarm(): void {
    if (this.all.length > 0 || this.capacity < 1) return;
    const instance = this.create();
    this.all.push(instance);
    this.idle.push(instance);
    // A failed start is reported by the instance's first invocation, like any other.
    void instance.warm().catch(() => undefined);
  }

  /** Disposes an instance in use; the pool makes a fresh one in its place when needed. */
  discard(instance: SandboxInstance): void {
    this.discarded.add(instance);
    instance.dispose();
  }

  private release(instance: SandboxInstance): void {
    if (this.discarded.has(instance)) {
      this.all.splice(this.all.indexOf(instance), 1);
      const next = this.waiting.shift();
      if (next) {
        const fresh = this.create();
        this.all.push(fresh);
        next(fresh);
      }
      return;
    }
    const next = this.waiting.shift();
    if (next) next(instance);
    else this.idle.push(instance);
  }

  get size(): number {
    return this.all.length;
  }

  dispose(): void {
    for (const instance of this.all) instance.dispose();
    this.all.length = 0;
    this.idle.length = 0;
  }
}

/** At most `limit` calls of `run` in flight at once; the rest wait in order. */
export class Limiter {
  private active = 0;
  private readonly queue: Array<() => void> = [];

  constructor(readonly limit: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.queue.push(resolve));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.queue.shift()?.();
    }
  }
}
