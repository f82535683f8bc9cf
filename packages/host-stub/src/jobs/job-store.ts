/**
 * `jobs.db`: the job runtime's own SQLite file beside `library.db`, shared by every extension of
 * the library and keyed by extension id. Job rows (state, parameters, progress, checkpoint,
 * timings, result or error), their event history, and task results keyed by
 * (job, task, args hash, occurrence) so a completed task is replayed instead of rerun.
 *
 * Values that may hold binary data (parameters, checkpoints, results) are stored in the protocol's
 * wire form: JSON text plus attachments packed in one BLOB (see `packMessage`).
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { decodeMessage, encodeMessage, type WireError } from "@sdx/sdk/protocol";

export const JOBS_DB_FILE = "jobs.db";
const SCHEMA_VERSION = 1;

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

const SCHEMA = `
CREATE TABLE IF NOT EXISTS jobs (
  id TEXT PRIMARY KEY,
  extension_id TEXT NOT NULL,
  name TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('queued','running','paused','completed','failed','cancelled')),
  params_json TEXT NOT NULL,
  params_bin BLOB,
  progress_done REAL,
  progress_total REAL,
  progress_message TEXT,
  checkpoint_json TEXT,
  checkpoint_bin BLOB,
  result_json TEXT,
  result_bin BLOB,
  error_json TEXT,
  parent_job_id TEXT REFERENCES jobs(id) ON DELETE SET NULL,
  created_at TEXT NOT NULL,
  started_at TEXT,
  finished_at TEXT,
  updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_extension_state ON jobs(extension_id, state);
CREATE TABLE IF NOT EXISTS job_events (
  id INTEGER PRIMARY KEY,
  job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
  at TEXT NOT NULL,
  kind TEXT NOT NULL,
  detail_json TEXT
);
CREATE INDEX IF NOT EXISTS job_events_job ON job_events(job_id, id);
CREATE TABLE IF NOT EXISTS task_results (
  job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
  task TEXT NOT NULL,
  args_hash TEXT NOT NULL,
  occurrence INTEGER NOT NULL CHECK (occurrence >= 0),
  state TEXT NOT NULL CHECK (state IN ('completed','failed')),
  result_json TEXT,
  result_bin BLOB,
  error_json TEXT,
  attempts INTEGER NOT NULL,
  duration_ms REAL NOT NULL,
  finished_at TEXT NOT NULL,
  PRIMARY KEY (job_id, task, args_hash, occurrence)
);
`;

/** Packs a value's wire form: JSON text, and its attachments as one BLOB (u32 count, u32 sizes, bytes). */
export function packMessage(value: unknown): { json: string; bin: Buffer | null } {
  const message = encodeMessage(value);
  if (message.buffers.length === 0) return { json: message.json, bin: null };
  const header = Buffer.alloc(4 + 4 * message.buffers.length);
  header.writeUInt32LE(message.buffers.length, 0);
  message.buffers.forEach((b, i) => header.writeUInt32LE(b.byteLength, 4 + 4 * i));
  return { json: message.json, bin: Buffer.concat([header, ...message.buffers.map((b) => new Uint8Array(b))]) };
}

export function unpackMessage(json: string | null, bin: Buffer | null): unknown {
  if (json === null) return null;
  const buffers: ArrayBuffer[] = [];
  if (bin) {
    const count = bin.readUInt32LE(0);
    let offset = 4 + 4 * count;
    for (let i = 0; i < count; i++) {
      const size = bin.readUInt32LE(4 + 4 * i);
      buffers.push(new Uint8Array(bin.subarray(offset, offset + size)).slice().buffer);
      offset += size;
    }
  }
  return decodeMessage({ json, buffers });
}

interface JobRow {
  id: string; extension_id: string; name: string; state: JobState;
  params_json: string; params_bin: Buffer | null;
  progress_done: number | null; progress_total: number | null; progress_message: string | null;
  checkpoint_json: string | null; checkpoint_bin: Buffer | null;
  result_json: string | null; result_bin: Buffer | null; error_json: string | null;
  parent_job_id: string | null; created_at: string; started_at: string | null; finished_at: string | null; updated_at: string;
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
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    updatedAt: row.updated_at,
  };
}

export class JobStore {
  private constructor(readonly db: Database.Database) {}

  static open(file: string): JobStore {
    mkdirSync(dirname(file), { recursive: true });
    const db = new Database(file);
    try {
      db.pragma("journal_mode = WAL");
      db.pragma("synchronous = NORMAL");
      db.pragma("foreign_keys = ON");
      db.pragma("busy_timeout = 5000");
      const version = db.pragma("user_version", { simple: true }) as number;
      if (version > SCHEMA_VERSION) throw new Error(`${file} was written by a newer sdx (jobs schema ${version})`);
      db.exec(SCHEMA);
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
      return new JobStore(db);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  create(job: { id: string; extensionId: string; name: string; params: unknown[]; state: JobState; parentJobId?: string | null }): JobRecord {
    const now = new Date().toISOString();
    const params = packMessage(job.params);
    this.db.prepare(`INSERT INTO jobs (id, extension_id, name, state, params_json, params_bin, parent_job_id, created_at, started_at, updated_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(job.id, job.extensionId, job.name, job.state, params.json, params.bin, job.parentJobId ?? null, now, job.state === "running" ? now : null, now);
    this.event(job.id, job.state === "queued" ? "queued" : "started");
    return this.get(job.id)!;
  }

  get(id: string): JobRecord | null {
    const row = this.db.prepare("SELECT * FROM jobs WHERE id = ?").get(id) as JobRow | undefined;
    return row ? toRecord(row) : null;
  }

  list(filter: { extensionId?: string; state?: JobState } = {}): JobRecord[] {
    const rows = this.db.prepare(`SELECT * FROM jobs WHERE (@extensionId IS NULL OR extension_id = @extensionId)
      AND (@state IS NULL OR state = @state) ORDER BY created_at, id`).all({ extensionId: filter.extensionId ?? null, state: filter.state ?? null }) as JobRow[];
    return rows.map(toRecord);
  }

  state(id: string): JobState | null {
    const row = this.db.prepare("SELECT state FROM jobs WHERE id = ?").get(id) as { state: JobState } | undefined;
    return row?.state ?? null;
  }

  /** Moves a job to a new state; a final state records its result or error and the finish time. */
  setState(id: string, state: JobState, outcome: { result?: unknown; error?: WireError | null } = {}): void {
    const now = new Date().toISOString();
    const result = outcome.result === undefined ? { json: null, bin: null } : packMessage(outcome.result);
    this.db.prepare(`UPDATE jobs SET state = ?, updated_at = ?,
        started_at = CASE WHEN ? = 'running' THEN coalesce(started_at, ?) ELSE started_at END,
        finished_at = CASE WHEN ? IN ('completed','failed','cancelled') THEN ? ELSE finished_at END,
        result_json = coalesce(?, result_json), result_bin = coalesce(?, result_bin), error_json = coalesce(?, error_json)
      WHERE id = ?`).run(state, now, state, now, state, now, result.json, result.bin, outcome.error ? JSON.stringify(outcome.error) : null, id);
    this.event(id, state, outcome.error ? { code: outcome.error.code, message: outcome.error.message } : undefined);
  }

  setProgress(id: string, progress: JobProgress): void {
    this.db.prepare("UPDATE jobs SET progress_done = ?, progress_total = ?, progress_message = ?, updated_at = ? WHERE id = ?")
      .run(progress.done, progress.total, progress.message ?? null, new Date().toISOString(), id);
  }

  setCheckpoint(id: string, checkpoint: unknown): void {
    const packed = packMessage(checkpoint);
    this.db.prepare("UPDATE jobs SET checkpoint_json = ?, checkpoint_bin = ?, updated_at = ? WHERE id = ?").run(packed.json, packed.bin, new Date().toISOString(), id);
    this.event(id, "checkpoint");
  }

  event(jobId: string, kind: string, detail?: unknown): void {
    this.db.prepare("INSERT INTO job_events (job_id, at, kind, detail_json) VALUES (?, ?, ?, ?)")
      .run(jobId, new Date().toISOString(), kind, detail === undefined ? null : JSON.stringify(detail));
  }

  events(jobId: string): Array<{ at: string; kind: string; detail: unknown }> {
    const rows = this.db.prepare("SELECT at, kind, detail_json FROM job_events WHERE job_id = ? ORDER BY id").all(jobId) as Array<{ at: string; kind: string; detail_json: string | null }>;
    return rows.map((r) => ({ at: r.at, kind: r.kind, detail: r.detail_json === null ? null : JSON.parse(r.detail_json) }));
  }

  findTaskResult(key: TaskResultKey): TaskResultRecord | null {
    const row = this.db.prepare("SELECT * FROM task_results WHERE job_id = ? AND task = ? AND args_hash = ? AND occurrence = ?")
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
    this.db.prepare(`INSERT OR REPLACE INTO task_results (job_id, task, args_hash, occurrence, state, result_json, result_bin, error_json, attempts, duration_ms, finished_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(record.jobId, record.task, record.argsHash, record.occurrence, record.state, packed.json, packed.bin,
      record.error ? JSON.stringify(record.error) : null, record.attempts, record.durationMs, new Date().toISOString());
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
