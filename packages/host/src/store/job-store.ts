/**
 * Job rows in `jobs.db` (schema in jobs-db.ts): state, parameters, progress, checkpoint, timings,
 * result or error, owner, their event history, and task results keyed by
 * (job, task, args hash, occurrence) so a completed task is replayed instead of rerun.
 */
import { createHash } from "node:crypto";
import type Database from "better-sqlite3";
import { wireError, type WireError } from "@sdx/sdk/protocol";
import { nowIso, openJobsDb, packMessage, unpackMessage } from "./jobs-db.js";
import type { SqliteDb } from "./sqlite.js";
import { ownerAlive, type JobOwner, type OwnerColumns } from "./owner.js";

export { JOBS_DB_FILE, packMessage, unpackMessage } from "./jobs-db.js";

export type JobState = "queued" | "running" | "paused" | "completed" | "failed" | "cancelled";
export const FINAL_STATES: ReadonlySet<JobState> = new Set(["completed", "failed", "cancelled"]);

export interface JobProgress {
  done: number;
  total: number;
  message?: string;
}

export interface JobRecord {
  id: string;
  extensionId: string;
  name: string;
  state: JobState;
  params: unknown[];
  progress: JobProgress | null;
  checkpoint: unknown;
  result: unknown;
  error: WireError | null;
  parentJobId: string | null;
  /** The process running it (set while `running`). */
  owner: { pid: number; host: string } | null;
  /** How many times it was started (1 + resumes). */
  runs: number;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  updatedAt: string;
}

export interface TaskResultKey {
  jobId: string;
  task: string;
  argsHash: string;
  occurrence: number;
}

export interface TaskResultRecord extends TaskResultKey {
  state: "completed" | "failed";
  result: unknown;
  error: WireError | null;
  attempts: number;
  durationMs: number;
}

interface JobRow extends OwnerColumns {
  id: string; extension_id: string; name: string; state: JobState;
  params_json: string; params_bin: Buffer | null;
  progress_done: number | null; progress_total: number | null; progress_message: string | null;
  checkpoint_json: string | null; checkpoint_bin: Buffer | null;
  result_json: string | null; result_bin: Buffer | null; error_json: string | null;
  parent_job_id: string | null; created_at: string; started_at: string | null; finished_at: string | null; updated_at: string;
  runs: number;
}

function toRecord(row: JobRow): JobRecord {
  return {
    id: row.id,
    extensionId: row.extension_id,
    name: row.name,
    state: row.state,
    params: unpackMessage(row.params_json, row.params_bin) as unknown[],
    progress: row.progress_total === null ? null : { done: row.progress_done ?? 0, total: row.progress_total, ...(row.progress_message === null ? {} : { message: row.progress_message }) },
    checkpoint: unpackMessage(row.checkpoint_json, row.checkpoint_bin),
    result: unpackMessage(row.result_json, row.result_bin),
    error: row.error_json === null ? null : (JSON.parse(row.error_json) as WireError),
    parentJobId: row.parent_job_id,
    owner: row.owner_pid === null || row.owner_host === null ? null : { pid: row.owner_pid, host: row.owner_host },
    runs: row.runs,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    updatedAt: row.updated_at,
  };
}

export interface JobFilter {
  extensionId?: string;
  state?: JobState;
}

export class JobStore {
  /**
   * Bumped whenever this process changes a job's state (shared with the sandbox workers, which
   * cache the job state they check at every host call and must drop it at once when it changes).
   */
  readonly stateChanges = new Int32Array(new SharedArrayBuffer(4));

  private constructor(private readonly sqlite: SqliteDb) {}

  static open(file: string): JobStore {
    return new JobStore(openJobsDb(file));
  }

  /** The connection (store modules and tests; other floors call store methods instead). */
  get db(): Database.Database {
    return this.sqlite.db;
  }

  /** A cached prepared statement (a prepare costs about as much as the query); see sqlite.ts. */
  stmt(sql: string): Database.Statement {
    return this.sqlite.stmt(sql);
  }

  /** Runs `fn` in one write transaction taken at once (another host's writer waits); nested calls become savepoints. */
  transaction<T>(fn: () => T): T {
    return this.sqlite.transaction(fn);
  }

  /** A new job: `queued`, or `running` owned by `owner` (a job started right away). */
  create(job: { id: string; extensionId: string; name: string; params: unknown[]; owner?: JobOwner; parentJobId?: string | null; trigger?: unknown }): JobRecord {
    const now = nowIso();
    const params = packMessage(job.params);
    const owner = job.owner;
    this.stmt(`INSERT INTO jobs (id, extension_id, name, state, params_json, params_bin, parent_job_id, owner_pid, owner_host, owner_token, heartbeat_at, runs,
        created_at, started_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(job.id, job.extensionId, job.name, owner ? "running" : "queued", params.json, params.bin, job.parentJobId ?? null,
        owner?.pid ?? null, owner?.host ?? null, owner?.token ?? null, owner ? now : null, owner ? 1 : 0, now, owner ? now : null, now);
    this.event(job.id, owner ? "started" : "queued", job.trigger);
    return this.get(job.id)!;
  }

  get(id: string): JobRecord | null {
    const row = this.stmt("SELECT * FROM jobs WHERE id = ?").get(id) as JobRow | undefined;
    return row ? toRecord(row) : null;
  }

  list(filter: JobFilter = {}): JobRecord[] {
    const rows = this.stmt(`SELECT * FROM jobs WHERE (@extensionId IS NULL OR extension_id = @extensionId)
      AND (@state IS NULL OR state = @state) ORDER BY created_at, id`).all({ extensionId: filter.extensionId ?? null, state: filter.state ?? null }) as JobRow[];
    return rows.map(toRecord);
  }

  state(id: string): JobState | null {
    const row = this.stmt("SELECT state FROM jobs WHERE id = ?").get(id) as { state: JobState } | undefined;
    return row?.state ?? null;
  }

  /** The job's state and the token of the runner that owns it (null when none does); null for an unknown job. */
  stateAndOwner(id: string): { state: JobState; ownerToken: string | null } | null {
    const row = this.stmt("SELECT state, owner_token FROM jobs WHERE id = ?").get(id) as { state: JobState; owner_token: string | null } | undefined;
    return row ? { state: row.state, ownerToken: row.owner_token } : null;
  }

  /** Whether the job is `running` under an owner that is still alive (in any process). */
  runningElsewhere(id: string): boolean {
    const row = this.stmt("SELECT state, owner_pid, owner_host, owner_token, heartbeat_at FROM jobs WHERE id = ?").get(id) as (OwnerColumns & { state: JobState }) | undefined;
    return row?.state === "running" && ownerAlive(row);
  }

  /** What the job has done so far: completed task results, progress and checkpoint, as one comparable mark. */
  private progressMark(id: string): string {
    const row = this.stmt(`SELECT (SELECT count(*) FROM task_results WHERE job_id = j.id AND state = 'completed') AS tasks,
        j.progress_done AS done, j.checkpoint_json AS checkpoint FROM jobs j WHERE j.id = ?`).get(id) as { tasks: number; done: number | null; checkpoint: string | null };
    return `${row.tasks}:${row.done ?? ""}:${createHash("sha256").update(row.checkpoint ?? "").digest("hex").slice(0, 16)}`;
  }

  /**
   * Takes a job over: state `running`, owned by `owner`. Atomic against another host claiming it
   * at the same time (compare-and-set on the previous owner token). A job left `running` by a host
   * that died is counted: if its host has died `maxHostDeaths` times in a row without the job making
   * progress in between (no task completed, no progress or checkpoint recorded), it is not resumed
   * again but failed with SDX3029, so one job cannot take down every host that opens the library.
   */
  claim(id: string, owner: JobOwner, maxHostDeaths = Infinity): "claimed" | "busy" | { abandoned: WireError } {
    const row = this.stmt("SELECT state, owner_pid, owner_host, owner_token, heartbeat_at, host_deaths, progress_mark FROM jobs WHERE id = ?").get(id) as
      | (OwnerColumns & { state: JobState; host_deaths: number; progress_mark: string | null })
      | undefined;
    if (!row || FINAL_STATES.has(row.state) || (row.state === "running" && ownerAlive(row))) return "busy";
    const mark = this.progressMark(id);
    let deaths = row.host_deaths;
    if (row.state === "running") {
      deaths = mark === row.progress_mark ? deaths + 1 : 1;
      if (deaths >= maxHostDeaths) {
        const error = wireError("SDX3029", `job ${id} was abandoned: its host died ${deaths} times while running it, without the job making progress in between; it is not resumed again (run it anew once the cause is fixed)`, { data: { hostDeaths: deaths } });
        const failed = this.stmt("UPDATE jobs SET host_deaths = ? WHERE id = ? AND owner_token IS ? AND state = 'running'").run(deaths, id, row.owner_token).changes;
        if (failed === 1) {
          this.setState(id, "failed", { error });
          this.event(id, "abandoned", { hostDeaths: deaths });
        }
        return { abandoned: error };
      }
    }
    const now = nowIso();
    const changed = this.stmt(`UPDATE jobs SET state = 'running', owner_pid = ?, owner_host = ?, owner_token = ?, heartbeat_at = ?, runs = runs + 1,
        host_deaths = ?, progress_mark = ?, started_at = coalesce(started_at, ?), updated_at = ? WHERE id = ? AND owner_token IS ? AND state = ?`)
      .run(owner.pid, owner.host, owner.token, now, deaths, mark, now, now, id, row.owner_token, row.state).changes;
    if (changed === 1) Atomics.add(this.stateChanges, 0, 1);
    if (changed === 1) this.event(id, row.state === "queued" && row.owner_token === null ? "started" : "resumed", row.state === "running" ? { from: row.state, pid: owner.pid, hostDeaths: deaths } : { from: row.state, pid: owner.pid });
    return changed === 1 ? "claimed" : "busy";
  }

  /** Marks the jobs of an owner as alive. */
  heartbeat(owner: JobOwner): void {
    this.stmt("UPDATE jobs SET heartbeat_at = ? WHERE owner_token = ? AND state = 'running'").run(nowIso(), owner.token);
  }

  /** Jobs a host should run: `running` ones whose owner died, and `queued` ones. */
  runnable(): JobRecord[] {
    const rows = this.stmt("SELECT * FROM jobs WHERE state IN ('running', 'queued') ORDER BY created_at, id").all() as JobRow[];
    return rows.filter((row) => row.state === "queued" || !ownerAlive(row)).map(toRecord);
  }

  /**
   * Moves a job to a new state and clears its owner unless it is `running`; a final state records
   * its result or error and the finish time.
   */
  setState(id: string, state: JobState, outcome: { result?: unknown; error?: WireError | null; detail?: unknown } = {}): void {
    Atomics.add(this.stateChanges, 0, 1);
    const now = nowIso();
    const result = outcome.result === undefined ? { json: null, bin: null } : packMessage(outcome.result);
    this.stmt(`UPDATE jobs SET state = @state, updated_at = @now,
        finished_at = CASE WHEN @state IN ('completed','failed','cancelled') THEN @now ELSE finished_at END,
        result_json = coalesce(@json, result_json), result_bin = coalesce(@bin, result_bin), error_json = coalesce(@error, error_json),
        owner_pid = CASE WHEN @state = 'running' THEN owner_pid END, owner_host = CASE WHEN @state = 'running' THEN owner_host END,
        owner_token = CASE WHEN @state = 'running' THEN owner_token END
      WHERE id = @id`).run({ state, now, json: result.json, bin: result.bin, error: outcome.error ? JSON.stringify(outcome.error) : null, id });
    const detail = outcome.error ? { code: outcome.error.code, message: outcome.error.message } : outcome.detail;
    this.event(id, state, detail);
  }

  setProgress(id: string, progress: JobProgress): void {
    this.stmt("UPDATE jobs SET progress_done = ?, progress_total = ?, progress_message = ?, updated_at = ? WHERE id = ?")
      .run(progress.done, progress.total, progress.message ?? null, nowIso(), id);
  }

  setCheckpoint(id: string, checkpoint: unknown): void {
    const packed = packMessage(checkpoint);
    this.transaction(() => {
      this.stmt("UPDATE jobs SET checkpoint_json = ?, checkpoint_bin = ?, updated_at = ? WHERE id = ?").run(packed.json, packed.bin, nowIso(), id);
      this.event(id, "checkpoint");
    });
  }

  event(jobId: string, kind: string, detail?: unknown): void {
    this.stmt("INSERT INTO job_events (job_id, at, kind, detail_json) VALUES (?, ?, ?, ?)")
      .run(jobId, nowIso(), kind, detail === undefined ? null : JSON.stringify(detail));
  }

  events(jobId: string, kinds?: readonly string[]): Array<{ at: string; kind: string; detail: unknown }> {
    const rows = this.stmt("SELECT at, kind, detail_json FROM job_events WHERE job_id = ? ORDER BY id").all(jobId) as Array<{ at: string; kind: string; detail_json: string | null }>;
    return rows
      .filter((r) => !kinds || kinds.includes(r.kind))
      .map((r) => ({ at: r.at, kind: r.kind, detail: r.detail_json === null ? null : JSON.parse(r.detail_json) }));
  }

  /** Task results recorded for a job, by state. */
  taskCounts(jobId: string): { completed: number; failed: number } {
    const rows = this.stmt("SELECT state, count(*) AS n FROM task_results WHERE job_id = ? GROUP BY state").all(jobId) as Array<{ state: string; n: number }>;
    return { completed: rows.find((r) => r.state === "completed")?.n ?? 0, failed: rows.find((r) => r.state === "failed")?.n ?? 0 };
  }

  /** Whether any task of the job completed (a run that begins without one has nothing to replay). */
  hasCompletedTaskResults(jobId: string): boolean {
    return this.stmt("SELECT 1 FROM task_results WHERE job_id = ? AND state = 'completed' LIMIT 1").get(jobId) !== undefined;
  }

  findTaskResult(key: TaskResultKey): TaskResultRecord | null {
    const row = this.stmt("SELECT * FROM task_results WHERE job_id = ? AND task = ? AND args_hash = ? AND occurrence = ?")
      .get(key.jobId, key.task, key.argsHash, key.occurrence) as
      | { state: "completed" | "failed"; result_json: string | null; result_bin: Buffer | null; error_json: string | null; attempts: number; duration_ms: number }
      | undefined;
    if (!row) return null;
    return {
      ...key,
      state: row.state,
      result: unpackMessage(row.result_json, row.result_bin),
      error: row.error_json === null ? null : (JSON.parse(row.error_json) as WireError),
      attempts: row.attempts,
      durationMs: row.duration_ms,
    };
  }

  recordTaskResult(record: TaskResultRecord): void {
    const packed = record.state === "completed" ? packMessage(record.result) : { json: null, bin: null };
    this.stmt(`INSERT OR REPLACE INTO task_results (job_id, task, args_hash, occurrence, state, result_json, result_bin, error_json, attempts, duration_ms, finished_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(record.jobId, record.task, record.argsHash, record.occurrence, record.state, packed.json, packed.bin,
      record.error ? JSON.stringify(record.error) : null, record.attempts, record.durationMs, nowIso());
  }

  close(): void {
    this.sqlite.close();
  }
}
