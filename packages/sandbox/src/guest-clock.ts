/**
 * How long a worker has been running guest code without a break, readable from the host's thread
 * while the worker itself is stuck. The VM marks each stretch of guest code (`enter` at depth 0,
 * `leave` when it returns); the host's watchdog reads the mark. QuickJS's interrupt handler already
 * stops guest bytecode at its deadline; this is for what the interrupt never sees: native work
 * inside one built-in (`new Array(2 ** 32 - 1).join("")`, a sort with a spinning comparator).
 */

/** The VM's side: called around every stretch of guest code. */
export interface GuestClock {
  enter(): void;
  leave(): void;
}

/** Milliseconds since the clock's epoch, small enough for an Int32. */
function now(epoch: number): number {
  return Date.now() - epoch;
}

/** A clock over a SharedArrayBuffer: [0] 1 while in guest code, [1] when that stretch began. */
export class SharedGuestClock implements GuestClock {
  readonly buffer: SharedArrayBuffer;
  private readonly cells: Int32Array;

  constructor(buffer = new SharedArrayBuffer(8), private readonly epoch = Date.now()) {
    this.buffer = buffer;
    this.cells = new Int32Array(buffer);
  }

  /** The same clock seen from another thread (`epoch` must match). */
  static attach(buffer: SharedArrayBuffer, epoch: number): SharedGuestClock {
    return new SharedGuestClock(buffer, epoch);
  }

  get epochMs(): number {
    return this.epoch;
  }

  enter(): void {
    Atomics.store(this.cells, 1, now(this.epoch));
    Atomics.store(this.cells, 0, 1);
  }

  leave(): void {
    Atomics.store(this.cells, 0, 0);
  }

  /** How long the current stretch of guest code has run, or 0 when none runs. */
  runningForMs(): number {
    if (Atomics.load(this.cells, 0) === 0) return 0;
    return now(this.epoch) - Atomics.load(this.cells, 1);
  }
}
