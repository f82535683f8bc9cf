/**
 * `jobs.db`: the job runtime's own SQLite file beside `library.db`, shared by every extension of
 * the library and keyed by extension id. This file owns its schema and migrations; `JobStore`
 * (jobs, their history, task results) and `ActionStore` (action previews, executions, undo logs)
 * read and write it.
 *
 *   v1  jobs, job_events, task_results
 *   v2  job ownership (pid, host, token, heartbeat) so a job left `running` by a killed process is
 *       recognised and resumed; the actions table
 *   v3  agent events and their deliveries to hooks (agents/event-store.ts), the cursor of entries
 *       already turned into events, the cascade depth of jobs dispatched by hooks, and a trigger
 *       that records `job_completed` in the same statement that gives a job its final state
 *   v4  how often a job's host died while running it without the job making progress in between
 *       (`host_deaths`, `progress_mark`): a job that keeps killing its host is failed, not resumed forever
 *   v5  the slots of scheduled jobs already taken (`job_schedule_slots`): each slot of a schedule
 *       fires once, however many hosts have the library open
 *
 * Values that may hold binary data (parameters, checkpoints, results) are stored in the protocol's
 * wire form: JSON text plus attachments packed in one BLOB (see `packMessage`).
 */
import type Database from "better-sqlite3";
import { decodeMessage, encodeMessage } from "@sdx/sdk/protocol";
import { openSqlite, type SqliteDb } from "./sqlite.js";

export const JOBS_DB_FILE = "jobs.db";
export const JOBS_SCHEMA_VERSION = 5;

const V1 = `
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

const V2 = `
ALTER TABLE jobs ADD COLUMN owner_pid INTEGER;
ALTER TABLE jobs ADD COLUMN owner_host TEXT;
ALTER TABLE jobs ADD COLUMN owner_token TEXT;
ALTER TABLE jobs ADD COLUMN heartbeat_at TEXT;
ALTER TABLE jobs ADD COLUMN runs INTEGER NOT NULL DEFAULT 0;
CREATE TABLE actions (
  id TEXT PRIMARY KEY,
  extension_id TEXT NOT NULL,
  name TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('previewed','applying','executed','failed','stale','undone')),
  params_json TEXT NOT NULL,
  params_bin BLOB,
  preview_json TEXT,
  read_set_json TEXT,
  read_set_bin BLOB,
  undo_json TEXT,
  error_json TEXT,
  created_at TEXT NOT NULL,
  executed_at TEXT,
  undone_at TEXT,
  updated_at TEXT NOT NULL
);
CREATE INDEX actions_extension ON actions(extension_id, created_at);
`;

// A random v4 UUID in SQL (the trigger below has no other source of ids).
const SQL_UUID = `lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-'
  || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))`;

const V3 = `
CREATE TABLE agent_events (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  key TEXT NOT NULL UNIQUE,
  type TEXT NOT NULL CHECK (type IN ('entry_indexed','model_created','job_completed','schedule')),
  source_extension_id TEXT,
  depth INTEGER NOT NULL DEFAULT 0,
  payload_json TEXT NOT NULL,
  subject_json TEXT,
  fanned_out INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL
);
CREATE INDEX agent_events_unfanned ON agent_events(fanned_out) WHERE fanned_out = 0;
CREATE TABLE agent_deliveries (
  event_id TEXT NOT NULL REFERENCES agent_events(id) ON DELETE CASCADE,
  extension_id TEXT NOT NULL,
  hook TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending','running','delivered','failed','skipped')),
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error_json TEXT,
  next_attempt_at INTEGER NOT NULL,
  owner_pid INTEGER,
  owner_host TEXT,
  owner_token TEXT,
  heartbeat_at TEXT,
  duration_ms REAL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  delivered_at TEXT,
  PRIMARY KEY (event_id, extension_id, hook)
);
CREATE INDEX agent_deliveries_due ON agent_deliveries(state, extension_id, next_attempt_at);
CREATE TABLE agent_job_depths (job_id TEXT PRIMARY KEY, depth INTEGER NOT NULL);
CREATE TABLE agent_cursors (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TRIGGER agent_job_completed AFTER UPDATE OF state ON jobs
WHEN NEW.state IN ('completed','failed','cancelled') AND OLD.state NOT IN ('completed','failed','cancelled')
BEGIN
  INSERT OR IGNORE INTO agent_events (id, key, type, source_extension_id, depth, payload_json, fanned_out, created_at)
  VALUES (${SQL_UUID}, 'job_completed:' || NEW.id, 'job_completed', NEW.extension_id,
    coalesce((SELECT depth FROM agent_job_depths WHERE job_id = NEW.id), 0),
    json_object('jobId', NEW.id, 'extension', NEW.extension_id, 'name', NEW.name, 'state', NEW.state),
    0, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;
`;

const V4 = `
ALTER TABLE jobs ADD COLUMN host_deaths INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN progress_mark TEXT;
`;

const V5 = `
CREATE TABLE job_schedule_slots (
  extension_id TEXT NOT NULL,
  name TEXT NOT NULL,
  slot INTEGER NOT NULL,
  job_id TEXT,
  taken_at TEXT NOT NULL,
  PRIMARY KEY (extension_id, name, slot)
);
`;

/** Opens (creating or migrating) a jobs.db, with the same pragmas as library.db (sqlite.ts). */
export function openJobsDb(file: string): SqliteDb {
  return openSqlite(file, { migrate: (db) => migrateJobsDb(db, file) });
}

/** Brings a jobs.db to `JOBS_SCHEMA_VERSION` in one write transaction. A file from a newer sdx is refused. */
export function migrateJobsDb(db: Database.Database, file: string): void {
  const version = db.pragma("user_version", { simple: true }) as number;
  if (version > JOBS_SCHEMA_VERSION) throw new Error(`${file} was written by a newer sdx (jobs schema ${version})`);
  if (version < JOBS_SCHEMA_VERSION) {
    db.transaction(() => {
      if (version < 1) db.exec(V1);
      if (version < 2) db.exec(V2);
      if (version < 3) db.exec(V3);
      if (version < 4) db.exec(V4);
      if (version < 5) db.exec(V5);
      db.pragma(`user_version = ${JOBS_SCHEMA_VERSION}`);
    }).immediate();
  }
}

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

export const nowIso = (): string => new Date().toISOString();
