/**
 * Rows of `agent_memory_temporal`: time-stamped events of one (extension, field), stamped for sync,
 * and the query over them (time range, equality filters on top-level event fields, newest first).
 * Validation and limits are core/memory/temporal.ts's; here field names are already checked
 * identifiers, and every value and JSON path is a bound parameter.
 */
import { newUuid, uuidToBlob } from "../uuid.js";
import type { MemoryStore } from "./store.js";
import { stampRow } from "../sync-rows.js";

/** An equality on a top-level event field (JSON equality; see core/memory/temporal.ts). */
export type TemporalFilter =
  | { name: string; kind: "null" }
  | { name: string; kind: "boolean"; value: boolean }
  | { name: string; kind: "number"; value: number }
  | { name: string; kind: "string"; value: string }
  /** An object or array, as JSON text. */
  | { name: string; kind: "json"; text: string };

export interface TemporalRowQuery {
  extensionId: string;
  field: string;
  fromMs?: number;
  toMs?: number;
  filters: readonly TemporalFilter[];
  limit: number;
}

export function insertTemporal(
  store: MemoryStore, extensionId: string, field: { name: string; sync: string }, at: { iso: string; ms: number }, eventJson: string,
): void {
  const { hlc, device } = store.stamp();
  const uuid = newUuid();
  store.stmt(`INSERT INTO agent_memory_temporal (uuid, extension_id, field, at, at_ms, event, sync, hlc, device_uuid) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
    .run(uuidToBlob(uuid), extensionId, field.name, at.iso, at.ms, eventJson, field.sync, hlc, device);
  if (field.sync === "shared") stampRow(store.library, "memory_event", uuid, ["@"], hlc, false);
}

/** An event a sync brought (kept once: events never change). */
export function putTemporal(store: MemoryStore, event: { uuid: Buffer; extensionId: string; field: string; at: string; atMs: number; eventJson: string }, hlc: string, device: Buffer): void {
  store.stmt(`INSERT INTO agent_memory_temporal (uuid, extension_id, field, at, at_ms, event, sync, hlc, device_uuid) VALUES (?, ?, ?, ?, ?, ?, 'shared', ?, ?)
    ON CONFLICT (uuid) DO NOTHING`).run(event.uuid, event.extensionId, event.field, event.at, event.atMs, event.eventJson, hlc, device);
}

function addFilter(filter: TemporalFilter, clauses: string[], params: unknown[]): void {
  const path = `$."${filter.name}"`;
  switch (filter.kind) {
    case "null":
      clauses.push("coalesce(json_type(event, ?), 'null') = 'null'");
      params.push(path);
      break;
    case "boolean":
      clauses.push("json_type(event, ?) = ?");
      params.push(path, filter.value ? "true" : "false");
      break;
    case "number":
      clauses.push("json_type(event, ?) IN ('integer', 'real') AND json_extract(event, ?) = ?");
      params.push(path, path, filter.value);
      break;
    case "string":
      clauses.push("json_type(event, ?) = 'text' AND json_extract(event, ?) = ?");
      params.push(path, path, filter.value);
      break;
    case "json":
      clauses.push("json_type(event, ?) IN ('object', 'array') AND json_extract(event, ?) = json(?)");
      params.push(path, path, filter.text);
      break;
  }
}

/** Matching events, newest first (ties: last appended first), at most `limit`; `event` is JSON text. */
export function queryTemporal(store: MemoryStore, query: TemporalRowQuery): Array<{ at: string; event: string }> {
  const clauses = ["extension_id = ?", "field = ?"];
  const params: unknown[] = [query.extensionId, query.field];
  if (query.fromMs !== undefined) {
    clauses.push("at_ms >= ?");
    params.push(query.fromMs);
  }
  if (query.toMs !== undefined) {
    clauses.push("at_ms <= ?");
    params.push(query.toMs);
  }
  for (const filter of query.filters) addFilter(filter, clauses, params);
  params.push(query.limit);
  return store.stmt(`SELECT at, event FROM agent_memory_temporal WHERE ${clauses.join(" AND ")} ORDER BY at_ms DESC, id DESC LIMIT ?`)
    .all(...params) as Array<{ at: string; event: string }>;
}

/** A shared event's row (for a sync batch). */
export function temporalForSync(store: MemoryStore, uuid: Buffer): { extensionId: string; field: string; at: string; atMs: number; eventJson: string } | undefined {
  const row = store.stmt("SELECT extension_id, field, at, at_ms, event FROM agent_memory_temporal WHERE uuid = ? AND sync = 'shared'").get(uuid) as
    | { extension_id: string; field: string; at: string; at_ms: number; event: string } | undefined;
  return row && { extensionId: row.extension_id, field: row.field, at: row.at, atMs: row.at_ms, eventJson: row.event };
}
