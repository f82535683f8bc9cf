/**
 * The host's time: every timer of the job and agent machinery (scheduled triggers, retry backoff of
 * tasks and hooks, task and hook deadlines) goes through a `Clock`, so a test can run them on a fake one
 * (`@sdx/testing`'s FakeClock) and advance hours in a step instead of waiting. The wall clock is the
 * default. Heartbeats, owner liveness and the sandbox's stuck-VM watchdog stay on the wall clock:
 * they are about other processes and threads, not about the extension's time.
 */

/** What a timer is for: a fake clock's owner can wait for one of a kind before advancing. */
export type TimerKind = "schedule" | "task-backoff" | "task-timeout" | "hook-retry" | "hook-timeout";

export interface TimerOptions {
  /** A wall-clock timer that does not keep the process alive. */
  unref?: boolean;
  kind?: TimerKind;
}

export interface ClockTimer {
  /** The underlying handle (a Node timer on the wall clock). */
  readonly handle: unknown;
}

export interface Clock {
  /** Milliseconds since the epoch, as `Date.now()`; never behind it. */
  now(): number;
  /** Runs `fn` once after `ms`. */
  setTimeout(fn: () => void, ms: number, options?: TimerOptions): ClockTimer;
  /** Runs `fn` every `ms`. */
  setInterval(fn: () => void, ms: number, options?: TimerOptions): ClockTimer;
  clear(timer: ClockTimer | null | undefined): void;
  /** Resolves after `ms` of this clock's time. */
  sleep(ms: number, kind?: TimerKind): Promise<void>;
  /**
   * False for the wall clock. A virtual clock's time passes only when its owner advances it, so
   * deadlines the sandbox would enforce in real time (a task's `timeoutMs`, a hook's
   * `hookTimeoutMs`) are enforced by the host with this clock instead (virtual-deadline.ts).
   */
  readonly virtual: boolean;
}

export const wallClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms, options) {
    const handle = setTimeout(fn, ms);
    if (options?.unref) handle.unref();
    return { handle };
  },
  setInterval(fn, ms, options) {
    const handle = setInterval(fn, ms);
    if (options?.unref) handle.unref();
    return { handle };
  },
  clear(timer) {
    if (timer) clearTimeout(timer.handle as NodeJS.Timeout);
  },
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  virtual: false,
};
