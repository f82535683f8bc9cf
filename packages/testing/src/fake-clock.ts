/**
 * A clock whose time passes only when the test says so: `advance(ms)` jumps ahead and runs every
 * timer that came due, in order, so an hourly scheduled trigger, a task's backoff or its deadline
 * happen in a step instead of a wait. Its time is the wall clock plus every jump (it never runs
 * behind the times the library stamps rows with), and its timers count jumps only: a timer set for
 * 1,000 ms fires after jumps totalling 1,000 ms, however long the test itself took meanwhile.
 *
 * Not racing: a test gates on `nextTimer(kind)` (resolves once something waits on the clock, e.g.
 * a failed task in its backoff) and then advances by the delay it reports.
 */
import type { Clock, ClockTimer, TimerKind, TimerOptions } from "@sdx/host";

interface Pending {
  id: number;
  due: number;
  every: number | null;
  kind: TimerKind | null;
  fn: () => void;
}

export interface PendingTimer {
  kind: TimerKind | null;
  /** How far ahead of the clock's time it fires, in ms. */
  inMs: number;
}

export class FakeClock implements Clock {
  readonly virtual = true;
  /** The sum of every jump: the timers' timeline (the wall clock's own passing does not move it). */
  private skipped = 0;
  private nextId = 1;
  private readonly timers = new Map<number, Pending>();
  private readonly watchers: Array<{ kind: TimerKind | undefined; resolve: (timer: PendingTimer) => void }> = [];

  now(): number {
    return Date.now() + this.skipped;
  }

  setTimeout(fn: () => void, ms: number, options?: TimerOptions): ClockTimer {
    return this.add(fn, ms, null, options);
  }

  setInterval(fn: () => void, ms: number, options?: TimerOptions): ClockTimer {
    return this.add(fn, ms, Math.max(1, ms), options);
  }

  clear(timer: ClockTimer | null | undefined): void {
    if (timer) this.timers.delete(timer.handle as number);
  }

  sleep(ms: number, kind?: TimerKind): Promise<void> {
    return new Promise((resolve) => this.add(resolve, ms, null, { kind }));
  }

  /** The timers waiting on this clock, soonest first. */
  pending(kind?: TimerKind): PendingTimer[] {
    return [...this.timers.values()]
      .filter((t) => kind === undefined || t.kind === kind)
      .sort((a, b) => a.due - b.due)
      .map((t) => ({ kind: t.kind, inMs: Math.max(0, t.due - this.skipped) }));
  }

  /** Resolves with the soonest timer of `kind` (any kind when omitted) once one is waiting. */
  nextTimer(kind?: TimerKind): Promise<PendingTimer> {
    const [first] = this.pending(kind);
    if (first) return Promise.resolve(first);
    return new Promise((resolve) => this.watchers.push({ kind, resolve }));
  }

  /**
   * Jumps `ms` ahead, running each timer that comes due at its time, in order (an interval as many
   * times as it fits), and lets the work they start take its next steps before returning.
   */
  async advance(ms: number): Promise<void> {
    if (!(ms >= 0)) throw new RangeError(`advance(${ms}): a clock only goes forward`);
    const target = this.skipped + ms;
    for (;;) {
      const next = [...this.timers.values()].filter((t) => t.due <= target).sort((a, b) => a.due - b.due || a.id - b.id)[0];
      if (!next) break;
      this.skipped = Math.max(this.skipped, next.due);
      if (next.every === null) this.timers.delete(next.id);
      else next.due += next.every;
      next.fn();
      // What the timer started (a retry, a queued job) gets to run before later timers fire.
      await new Promise((resolve) => setImmediate(resolve));
    }
    this.skipped = Math.max(this.skipped, target);
  }

  /**
   * Settles `work` (e.g. a job run), advancing the clock to each timer of `kinds` that something
   * waits on meanwhile (by default a task's retry backoff, `task-backoff`).
   */
  async skipWhile<T>(work: Promise<T>, kinds: readonly TimerKind[] = ["task-backoff"]): Promise<T> {
    let settled = false;
    const done = work.finally(() => (settled = true));
    while (!settled) {
      const next = await Promise.race([done.then(() => null, () => null), ...kinds.map((k) => this.nextTimer(k))]);
      if (next && !settled) await this.advance(next.inMs);
    }
    return done;
  }

  private add(fn: () => void, ms: number, every: number | null, options?: TimerOptions): ClockTimer {
    const id = this.nextId++;
    const timer: Pending = { id, due: this.skipped + Math.max(0, ms), every, kind: options?.kind ?? null, fn };
    this.timers.set(id, timer);
    for (let i = this.watchers.length - 1; i >= 0; i--) {
      const watcher = this.watchers[i]!;
      if (watcher.kind === undefined || watcher.kind === timer.kind) {
        this.watchers.splice(i, 1);
        watcher.resolve({ kind: timer.kind, inMs: Math.max(0, ms) });
      }
    }
    return { handle: id };
  }
}
