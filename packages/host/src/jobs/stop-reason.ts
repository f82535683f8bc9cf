/**
 * Why a job's host calls must stop now: the one rule, used by the job runner on the host's thread
 * and by the calls answered inside a sandbox worker (host/worker-calls.ts), which read the same
 * jobs.db row. `starting` is true for the job's own calls and before a task attempt starts: those
 * stop when the job is paused too, while a running task finishes its attempt.
 *
 * Reading the row costs a query at every host call of every job; `JobStateReader` keeps the answer
 * for `ttlMs` unless this process changed a job's state meanwhile (`JobStore.stateChanges`). So a
 * pause or cancel from this process reaches a job at its next host call, and one from another
 * process (`sdx jobs pause`) within `ttlMs` after that.
 */
import type { WireError } from "@sdx/sdk/protocol";
import { wireError } from "../errors.js";
import type { JobState } from "../store/job-store.js";

const stopped = (message: string): WireError => wireError("SDX3019", message);

export function stopReasonOf(
  row: { state: JobState; ownerToken: string | null } | null,
  ownerToken: string,
  hostClosing: boolean,
  starting: boolean,
): WireError | null {
  if (hostClosing) return stopped("the host is closing; the job resumes when a host opens the library again");
  if (!row || row.state === "cancelled") return stopped("the job was cancelled");
  if (row.state === "paused") return starting ? stopped("the job was paused; resume it with `sdx jobs resume`") : null;
  if (row.ownerToken !== ownerToken) return stopped("the job is no longer run by this host");
  return null;
}

export type JobStateRow = { state: JobState; ownerToken: string | null } | null;

export class JobStateReader {
  private readonly cache = new Map<string, { row: JobStateRow; at: number; generation: number }>();

  constructor(
    private readonly read: (jobId: string) => JobStateRow,
    /** `JobStore.stateChanges` of the host's process. */
    private readonly changes: Int32Array,
    private readonly ttlMs = 50,
  ) {}

  get(jobId: string): JobStateRow {
    const now = performance.now();
    const generation = Atomics.load(this.changes, 0);
    const cached = this.cache.get(jobId);
    if (cached && cached.generation === generation && now - cached.at < this.ttlMs) return cached.row;
    const row = this.read(jobId);
    if (this.cache.size > 1000) this.cache.clear();
    this.cache.set(jobId, { row, at: now, generation });
    return row;
  }
}
