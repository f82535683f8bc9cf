/**
 * Group commit for one connection: the calls of a guest share a transaction that ends a few
 * milliseconds later (or after many calls, or when `commit()` is asked for), so a guest making
 * thousands of calls pays for a few transactions instead of one each. A write opens it with
 * `BEGIN IMMEDIATE`; a read opens a deferred `BEGIN` (a snapshot: other connections keep writing)
 * or joins the open one. Starting a transaction is most of a point read's cost in WAL mode (the
 * shared-memory locks), and every commit of a write is a WAL append. Handlers' own transactions
 * run inside it without savepoints (`Library.nestWithoutSavepoints`: a savepoint costs as much as a
 * small write): a handler refused before it writes changes nothing, and one that fails after it
 * wrote (SQLite itself failing: disk full, I/O) rolls back the whole group, which then fails like a
 * failed commit.
 *
 * A read snapshot never turns into a writer (SQLite would refuse that upgrade once another
 * connection committed): a write ends the snapshot and opens a write transaction, and writes a read
 * call makes as a side effect (the audit row of a refusal) wait for the snapshot to end
 * (`whenWritable`).
 *
 * Durability per group, exactly-once still: a write the guest was told succeeded can be lost with
 * its group if the process dies before the commit, and every such write is made again: a job
 * resumes from its last checkpoint (the caller commits before any checkpoint, task result or other
 * job record, and at the end of every invocation) and its write keys (jobs/write-keys.ts) make the
 * repeated writes find what did commit. Callbacks registered with `afterCommit` run once the writes
 * before them are durable (the agents hear of a model only once it exists for other connections).
 * What a read sees is at most `maxMs` old, and the caller ends the snapshot before anything that
 * must see other threads' commits (a task's result, a job record).
 */
import type { Library } from "./library.js";

export interface GroupTransactionOptions {
  /** Longest a transaction stays open, in ms (how long other writers may wait for the lock). */
  maxMs: number;
  /** Most calls in one transaction. */
  maxCalls: number;
}

export const DEFAULT_GROUP: GroupTransactionOptions = { maxMs: 20, maxCalls: 2000 };

export class GroupTransaction {
  private mode: "none" | "read" | "write" = "none";
  private calls = 0;
  /** Writes started and not finished: their handlers may still write after an `await`. */
  private writing = 0;
  private timer: NodeJS.Timeout | null = null;
  private openedAt = 0;
  private pending: Array<() => void> = [];
  /** Why the last commit failed: writes the guest was told succeeded are lost (see `failure`). */
  private failed: Error | null = null;

  /**
   * `report` receives the error of a callback run after a commit (it cannot fail a call that
   * already answered; the commit may have run from a timer).
   */
  constructor(
    private readonly library: Library,
    private readonly report: (error: unknown) => void,
    private readonly options: GroupTransactionOptions = DEFAULT_GROUP,
  ) {
    library.nestWithoutSavepoints((error) => this.abandon(error));
  }

  /** Runs one write in the open write transaction (ending a read snapshot, opening one if needed). */
  write<T>(fn: () => Promise<T>): Promise<T> {
    if (this.failed) return Promise.reject(this.failed);
    if (this.mode === "read") this.commit();
    if (this.mode === "none") this.begin("write");
    this.writing++;
    return this.count(fn).finally(() => this.writing--);
  }

  /** Runs one read in the open transaction, a write's or a snapshot (opening one if needed). */
  read<T>(fn: () => Promise<T>): Promise<T> {
    // A write still running would write inside the snapshot: keep a write transaction instead.
    if (this.mode === "none") this.begin(this.writing > 0 ? "write" : "read");
    return this.count(fn);
  }

  /** Runs `fn` (a write) now when the connection may write, else right after the read snapshot ends. */
  whenWritable(fn: () => void): void {
    if (this.mode === "read") this.pending.push(() => this.library.transaction(fn));
    else fn();
  }

  /** Runs `fn` once every write made so far is committed (now, when no transaction is open). */
  afterCommit(fn: () => void): void {
    if (this.mode !== "none") this.pending.push(fn);
    else fn();
  }

  /**
   * Ends the open transaction once it has been open for its window. For a thread whose timers
   * cannot run: a guest computing in this worker would otherwise keep the library's write lock
   * (and every other writer waiting) until it next calls the host.
   */
  commitIfDue(): void {
    if (this.mode !== "none" && Date.now() - this.openedAt >= this.options.maxMs) this.commit();
  }

  /** Ends the open transaction now. A failed commit loses the group: later writes and `failure()` report it. */
  commit(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.mode === "none") return;
    this.mode = "none";
    this.calls = 0;
    const callbacks = this.pending;
    this.pending = [];
    try {
      this.library.db.exec("COMMIT");
    } catch (error) {
      if (this.library.db.inTransaction) this.library.db.exec("ROLLBACK");
      this.failed = error as Error;
      return;
    }
    for (const fn of callbacks) {
      try {
        fn();
      } catch (error) {
        this.report(error);
      }
    }
  }

  /** The group's transaction was rolled back (by `Library.transaction`) after a write failed halfway. */
  private abandon(error: unknown): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.mode = "none";
    this.calls = 0;
    // What waited for the commit belongs to writes that are gone.
    this.pending = [];
    this.failed = error instanceof Error ? error : new Error(String(error));
  }

  /** The error of a commit (or a write) that failed since the group was made, or null. */
  failure(): Error | null {
    return this.failed;
  }

  private begin(mode: "read" | "write"): void {
    this.library.db.exec(mode === "write" ? "BEGIN IMMEDIATE" : "BEGIN");
    this.mode = mode;
    this.openedAt = Date.now();
    this.timer = setTimeout(() => this.commit(), this.options.maxMs);
  }

  private async count<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } finally {
      if (++this.calls >= this.options.maxCalls) this.commit();
    }
  }
}
