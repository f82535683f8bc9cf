/** The audit table: every mutation and every denial, with who, what, when and the result. */
import type { Library } from "./library.js";

export type AuditResult = "ok" | "denied" | "error";

export interface AuditRecord {
  id: number;
  at: string;
  who: string;
  op: string;
  target: string;
  result: AuditResult;
  detail: unknown;
}

export function writeAudit(library: Library, who: string, op: string, target: string, result: AuditResult, detail?: unknown): void {
  library
    .stmt("INSERT INTO audit_log (at, who, op, target, result, detail) VALUES (?, ?, ?, ?, ?, ?)")
    .run(new Date().toISOString(), who, op, target, result, detail === undefined ? null : JSON.stringify(detail));
}

export function readAudit(library: Library, filter: { who?: string; result?: AuditResult } = {}): AuditRecord[] {
  const rows = library.db
    .prepare(
      "SELECT id, at, who, op, target, result, detail FROM audit_log WHERE (? IS NULL OR who = ?) AND (? IS NULL OR result = ?) ORDER BY id",
    )
    .all(filter.who ?? null, filter.who ?? null, filter.result ?? null, filter.result ?? null) as Array<Omit<AuditRecord, "detail"> & { detail: string | null }>;
  return rows.map((row) => ({ ...row, detail: row.detail === null ? null : (JSON.parse(row.detail) as unknown) }));
}

/** Whether the library committed the execute step of this action (its `action.execute` audit row says ok). */
export function actionExecuteCommitted(library: Library, actionId: string): boolean {
  return library
    .stmt("SELECT 1 FROM audit_log WHERE op = 'action.execute' AND result = 'ok' AND json_extract(detail, '$.actionId') = ?")
    .get(actionId) !== undefined;
}

/** Whether the library committed the undo of this action (its `action.undo` audit row says ok). */
export function actionUndoCommitted(library: Library, actionId: string): boolean {
  return library
    .stmt("SELECT 1 FROM audit_log WHERE op = 'action.undo' AND result = 'ok' AND json_extract(detail, '$.actionId') = ?")
    .get(actionId) !== undefined;
}
