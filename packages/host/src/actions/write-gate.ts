/**
 * Orders an action's apply against the other writers of the same Host. Guest writes (jobs, tasks)
 * pass the gate shared; an action's apply holds it exclusively: it waits for the writes in flight,
 * keeps new ones waiting, and so runs its stale check, its changes and its verification in one
 * library transaction that no other write of this process can slip into (other processes are kept
 * out by SQLite's write lock, `BEGIN IMMEDIATE`).
 */
export class WriteGate {
  private shared = 0;
  private exclusiveHeld = false;
  private readonly waiters: Array<() => void> = [];

  private wake(): void {
    for (const resolve of this.waiters.splice(0)) resolve();
  }

  private wait(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Runs a write; waits while an exclusive holder is in. */
  async write<T>(fn: () => Promise<T>): Promise<T> {
    while (this.exclusiveHeld) await this.wait();
    this.shared++;
    try {
      return await fn();
    } finally {
      this.shared--;
      if (this.shared === 0) this.wake();
    }
  }

  /** Runs `fn` with no other write of this gate in flight. */
  async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    while (this.exclusiveHeld) await this.wait();
    this.exclusiveHeld = true;
    try {
      while (this.shared > 0) await this.wait();
      return await fn();
    } finally {
      this.exclusiveHeld = false;
      this.wake();
    }
  }
}
