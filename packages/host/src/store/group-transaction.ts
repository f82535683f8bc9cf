/**
 * Group commit for one connection's writes: a write opens a `BEGIN IMMEDIATE` transaction if none
 * is open, and the transaction commits a few milliseconds later (or after many writes, or when
 * `commit()` is asked for), so a guest writing thousands of rows pays for a few commits instead of
 * one each. Handlers' own transactions become savepoints inside it; one that fails rolls back alone.
 *
 * Durability per batch, exactly-once still: a write the guest was told succeeded can be lost with
 * its batch if the process dies before the commit, and every such write is made again: a job
 * resumes from its last checkpoint (the caller commits before any checkpoint, task result or other
 * job record, and at the end of every invocation) and its write keys (jobs/write-keys.ts) make the
 * repeated writes find what did commit. Callbacks registered with `afterCommit` run once the writes
 * before them are durable (the agents hear of a model only once it exists for other connections).
 */
import type { Library } from "./library.js";

export interface WriteBatchOptions {
  /** Longest a batch stays open, in ms (how long other writers may wait for the lock). */
  maxMs: number;
  /** Most writes in one batch. */
  maxWrites: number;
}

export const DEFAULT_BATCH: WriteBatchOptions = { maxMs: 20, maxWrites: 2000 };

export class WriteBatch {
  private open = false;
  private writes = 0;
  private timer: NodeJS.Timeout | null = null;
  private pending: Array<() => void> = [];
  /** Why the last commit failed: writes the guest was told succeeded are lost (see `failure`). */
  private failed: Error | null = null;

  constructor(
    private readonly library: Library,
    private readonly options: WriteBatchOptions = DEFAULT_BATCH,
  ) {}

  /** Runs one write in the open batch (opening one if needed). */
  async write<T>(fn: () => Promise<T>): Promise<T> {
    if (this.failed) throw this.failed;
    if (!this.open) {
      this.library.db.exec("BEGIN IMMEDIATE");
      this.open = true;
      this.timer = setTimeout(() => this.commit(), this.options.maxMs);
    }
    try {
      return await fn();
    } finally {
      if (++this.writes >= this.options.maxWrites) this.commit();
    }
  }

  /** Runs `fn` once every write made so far is committed (now, when no batch is open). */
  afterCommit(fn: () => void): void {
    if (this.open) this.pending.push(fn);
    else fn();
  }

  /** Commits the open batch now. A failed commit loses the batch: later writes and `failure()` report it. */
  commit(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.open) return;
    this.open = false;
    this.writes = 0;
    const callbacks = this.pending;
    this.pending = [];
    try {
      this.library.db.exec("COMMIT");
    } catch (error) {
      if (this.library.db.inTransaction) this.library.db.exec("ROLLBACK");
      this.failed = error as Error;
      return;
    }
    for (const fn of callbacks) fn();
  }

  /** The error of a commit that failed since the batch was made, or null. */
  failure(): Error | null {
    return this.failed;
  }
}
