/**
 * Action rows in `jobs.db` (schema in jobs-db.ts): parameters, the preview the user saw, the
 * reads it was based on (for the stale check), the undo log, and the state:
 *
 *   previewed → applying → executed → undone
 *            ↘ failed | stale
 *
 * `applying` is written (with the undo log) just before the library transaction commits; a row
 * left `applying` by a killed process is settled on open from the library's audit log, which is
 * written in the same transaction as the changes. Statements go through jobs.db's statement cache
 * (sqlite.ts).
 */
import type { ActionPreview } from "@sdx/sdk";
import type { WireError } from "@sdx/sdk/protocol";
import type { Library } from "./library.js";
import { actionExecuteCommitted } from "./audit.js";
import type { JobStore } from "./job-store.js";
import { nowIso, packMessage, unpackMessage } from "./jobs-db.js";
import type { RowChange } from "./change-capture.js";
import { FileJournal } from "./file-journal.js";

/** A library read a preview made and the hash of its answer (actions/read-set.ts replays it). */
export interface RecordedRead {
  op: string;
  request: unknown;
  hash: string;
}

export type ActionState = "previewed" | "applying" | "executed" | "failed" | "stale" | "undone";

export interface ActionRecord {
  id: string;
  extensionId: string;
  name: string;
  state: ActionState;
  params: unknown[];
  preview: ActionPreview | null;
  error: WireError | null;
  /** Executed, reversible, with its undo log. */
  undoable: boolean;
  createdAt: string;
  executedAt: string | null;
  undoneAt: string | null;
  updatedAt: string;
}

interface ActionRow {
  id: string; extension_id: string; name: string; state: ActionState; params_json: string; params_bin: Buffer | null;
  preview_json: string | null; error_json: string | null; has_undo: number;
  created_at: string; executed_at: string | null; undone_at: string | null; updated_at: string;
}

const COLUMNS = `id, extension_id, name, state, params_json, params_bin, preview_json, error_json, undo_json IS NOT NULL AS has_undo,
  created_at, executed_at, undone_at, updated_at`;

function toRecord(row: ActionRow): ActionRecord {
  return {
    id: row.id,
    extensionId: row.extension_id,
    name: row.name,
    state: row.state,
    params: unpackMessage(row.params_json, row.params_bin) as unknown[],
    preview: row.preview_json === null ? null : (JSON.parse(row.preview_json) as ActionPreview),
    error: row.error_json === null ? null : (JSON.parse(row.error_json) as WireError),
    undoable: row.state === "executed" && row.has_undo === 1,
    createdAt: row.created_at,
    executedAt: row.executed_at,
    undoneAt: row.undone_at,
    updatedAt: row.updated_at,
  };
}

export class ActionStore {
  /** The journal of actions' file operations (in jobs.db too). */
  readonly files: FileJournal;

  constructor(private readonly jobs: JobStore) {
    this.files = new FileJournal(jobs);
  }

  create(action: { id: string; extensionId: string; name: string; params: unknown[]; state: ActionState; preview: ActionPreview | null; reads: RecordedRead[]; error?: WireError }): ActionRecord {
    const now = nowIso();
    const params = packMessage(action.params);
    const reads = packMessage(action.reads);
    this.jobs.stmt(`INSERT INTO actions (id, extension_id, name, state, params_json, params_bin, preview_json, read_set_json, read_set_bin, error_json, created_at, updated_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(action.id, action.extensionId, action.name, action.state, params.json, params.bin,
      action.preview === null ? null : JSON.stringify(action.preview), reads.json, reads.bin, action.error ? JSON.stringify(action.error) : null, now, now);
    return this.get(action.id)!;
  }

  get(id: string): ActionRecord | null {
    const row = this.jobs.stmt(`SELECT ${COLUMNS} FROM actions WHERE id = ?`).get(id) as ActionRow | undefined;
    return row ? toRecord(row) : null;
  }

  list(filter: { extensionId?: string } = {}): ActionRecord[] {
    const rows = this.jobs.stmt(`SELECT ${COLUMNS} FROM actions WHERE (@ext IS NULL OR extension_id = @ext) ORDER BY created_at, id`).all({ ext: filter.extensionId ?? null }) as ActionRow[];
    return rows.map(toRecord);
  }

  reads(id: string): RecordedRead[] {
    const row = this.jobs.stmt("SELECT read_set_json, read_set_bin FROM actions WHERE id = ?").get(id) as { read_set_json: string | null; read_set_bin: Buffer | null } | undefined;
    if (!row) return [];
    return (unpackMessage(row.read_set_json, row.read_set_bin) as RecordedRead[] | null) ?? [];
  }

  undoLog(id: string): RowChange[] | null {
    const row = this.jobs.stmt("SELECT undo_json FROM actions WHERE id = ?").get(id) as { undo_json: string | null } | undefined;
    return row?.undo_json ? (JSON.parse(row.undo_json) as RowChange[]) : null;
  }

  /** Written inside the apply, right before the library commits. */
  setApplying(id: string, undo: RowChange[] | null): void {
    this.jobs.stmt("UPDATE actions SET state = 'applying', undo_json = ?, updated_at = ? WHERE id = ?").run(undo === null ? null : JSON.stringify(undo), nowIso(), id);
  }

  setState(id: string, state: ActionState, error: WireError | null = null): void {
    const now = nowIso();
    this.jobs.stmt(`UPDATE actions SET state = @state, error_json = @error, updated_at = @now,
        executed_at = CASE WHEN @state = 'executed' THEN @now ELSE executed_at END,
        undone_at = CASE WHEN @state = 'undone' THEN @now ELSE undone_at END WHERE id = @id`)
      .run({ state, error: error === null ? null : JSON.stringify(error), now, id });
  }

  /** Settles actions a killed process left `applying`: executed if the library committed them (their audit row exists). */
  settleInterrupted(library: Library): void {
    const rows = this.jobs.stmt("SELECT id FROM actions WHERE state = 'applying'").all() as Array<{ id: string }>;
    for (const { id } of rows) {
      if (actionExecuteCommitted(library, id)) this.setState(id, "executed");
      else this.setState(id, "failed", { code: "SDX3020", name: "Interrupted", message: "the host stopped while applying the action; nothing was applied" });
    }
  }
}
