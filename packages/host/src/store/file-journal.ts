/**
 * The journal of an action's file operations, in `jobs.db`: each step (a move, a new directory,
 * a new file) is written here, and committed, before the file system is touched. The library's
 * transaction cannot hold it: that transaction commits only after every step ran, while a crash in
 * between must still know what was done on disk. jobs.db is its own file with its own connection,
 * so these commits do not wait for the library's write lock.
 *
 * A batch's phase says what was in flight:
 *   applying  the execute step's file operations are being made (reversed on failure or recovery,
 *             unless the library committed the action: then `applied`)
 *   applied   done and committed; kept so `sdx actions undo` can reverse them
 *   undoing   an undo is reversing them (made again on failure or recovery, unless the undo committed)
 * Each batch names the process making it (as a running job does, owner.ts): a batch is recovered
 * only once that process is gone, never under a host that is still applying it. Created on first
 * use (like the memory tables), so a jobs.db without actions that touch files has none.
 */
import type { JobStore } from "./job-store.js";
import { nowIso } from "./jobs-db.js";
import { newOwner, ownerAlive, type JobOwner } from "./owner.js";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS action_file_batches (
  action_id TEXT PRIMARY KEY,
  phase TEXT NOT NULL CHECK (phase IN ('applying', 'applied', 'undoing')),
  owner_pid INTEGER,
  owner_host TEXT,
  owner_token TEXT,
  updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS action_file_steps (
  action_id TEXT NOT NULL REFERENCES action_file_batches(action_id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  step_json TEXT NOT NULL,
  PRIMARY KEY (action_id, seq)
);`;

/** One file operation, with what is needed to recognise it on disk and reverse it. */
export type FileStep =
  /** `inode` and `size` of the moved file: a reversal moves back only that file. */
  | { kind: "move"; from: string; to: string; inode: number; size: number }
  /** The directories that did not exist, outermost first (a reversal removes them while empty). */
  | { kind: "mkdir"; created: string[] }
  /** A new file, written through `temp` and linked to `to`; a reversal removes it only while its bytes hash to `sha256`. */
  | { kind: "write"; to: string; temp: string; sha256: string };

export type FileBatchPhase = "applying" | "applied" | "undoing";

export interface FileBatch {
  actionId: string;
  phase: FileBatchPhase;
  steps: FileStep[];
}

export class FileJournal {
  private ensured = false;
  private owner: JobOwner | null = null;

  constructor(private readonly jobs: JobStore) {}

  /** This process, as the owner of the batches it writes (created on first use). */
  private me(): JobOwner {
    return (this.owner ??= newOwner());
  }

  private ensure(): void {
    if (this.ensured) return;
    this.jobs.db.exec(SCHEMA);
    this.ensured = true;
  }

  /** Appends a step (starting the batch in `applying`); committed when it returns. */
  record(actionId: string, step: FileStep): void {
    this.ensure();
    const me = this.me();
    this.jobs.transaction(() => {
      this.jobs.stmt(`INSERT INTO action_file_batches (action_id, phase, owner_pid, owner_host, owner_token, updated_at) VALUES (?, 'applying', ?, ?, ?, ?)
        ON CONFLICT (action_id) DO UPDATE SET owner_pid = excluded.owner_pid, owner_host = excluded.owner_host, owner_token = excluded.owner_token, updated_at = excluded.updated_at`)
        .run(actionId, me.pid, me.host, me.token, nowIso());
      const next = (this.jobs.stmt("SELECT coalesce(max(seq), 0) + 1 AS n FROM action_file_steps WHERE action_id = ?").get(actionId) as { n: number }).n;
      this.jobs.stmt("INSERT INTO action_file_steps (action_id, seq, step_json) VALUES (?, ?, ?)").run(actionId, next, JSON.stringify(step));
    });
  }

  batch(actionId: string): FileBatch | null {
    this.ensure();
    const row = this.jobs.stmt("SELECT phase FROM action_file_batches WHERE action_id = ?").get(actionId) as { phase: FileBatchPhase } | undefined;
    if (!row) return null;
    const steps = (this.jobs.stmt("SELECT step_json FROM action_file_steps WHERE action_id = ? ORDER BY seq").all(actionId) as Array<{ step_json: string }>)
      .map((r) => JSON.parse(r.step_json) as FileStep);
    return { actionId, phase: row.phase, steps };
  }

  /** Batches left in flight (`applying` or `undoing`) by a host that stopped (its process is gone). */
  abandoned(): FileBatch[] {
    this.ensure();
    const rows = this.jobs.stmt("SELECT action_id, owner_pid, owner_host, owner_token, updated_at FROM action_file_batches WHERE phase != 'applied' ORDER BY updated_at")
      .all() as Array<{ action_id: string; owner_pid: number | null; owner_host: string | null; owner_token: string | null; updated_at: string }>;
    return rows.filter((r) => !ownerAlive({ ...r, heartbeat_at: r.updated_at })).map((r) => this.batch(r.action_id)!);
  }

  /** Sets the phase; this process owns the batch from now on. */
  setPhase(actionId: string, phase: FileBatchPhase): void {
    this.ensure();
    const me = this.me();
    this.jobs.stmt("UPDATE action_file_batches SET phase = ?, owner_pid = ?, owner_host = ?, owner_token = ?, updated_at = ? WHERE action_id = ?")
      .run(phase, me.pid, me.host, me.token, nowIso(), actionId);
  }

  /** Forgets a batch (its steps were reversed, or undone for good). */
  remove(actionId: string): void {
    this.ensure();
    this.jobs.transaction(() => {
      this.jobs.stmt("DELETE FROM action_file_steps WHERE action_id = ?").run(actionId);
      this.jobs.stmt("DELETE FROM action_file_batches WHERE action_id = ?").run(actionId);
    });
  }
}
