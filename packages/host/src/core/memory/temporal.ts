/**
 * `TemporalMemory<T>`: time-stamped events of one (extension, field).
 *
 * - `at` is an ISO 8601 instant (default: now). A time of day needs `Z` or an offset (a local
 *   time would mean different instants on different devices); a bare date is midnight UTC.
 *   Stored and returned as `toISOString()` text, millisecond precision.
 * - `query`: `from <= at <= to` (both inclusive, both optional), every `where` entry an equality
 *   on a top-level field of the event, newest first (ties: last appended first), at most `limit`
 *   events (default 1000, max 100000). So `limit: n` gives the n most recent matching events.
 * - `where` equality is JSON equality: a string matches only a string, a number only a number,
 *   a boolean only a boolean, `null` matches null or a missing field; an object or array matches
 *   the same JSON text (key order counts). Field names must be identifiers and, when the item
 *   schema lists properties, one of them; the JSON path and the value are bound parameters.
 */
import type { ResolvedField } from "./fields.js";
import { toStoredJson } from "./fields.js";
import type { MemoryStore } from "./store.js";
import { validationFailed } from "../../store/errors.js";
import { newUuid, uuidToBlob } from "../../store/uuid.js";

export const DEFAULT_TEMPORAL_LIMIT = 1000;
export const MAX_TEMPORAL_LIMIT = 100_000;
const MAX_FILTERS = 32;
const FIELD_NAME = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2}))?$/i;

export interface TemporalQuery {
  from?: string;
  to?: string;
  where?: Record<string, unknown>;
  limit?: number;
}

export interface TemporalEvent {
  at: string;
  event: unknown;
}

/** Milliseconds since the epoch of an ISO instant, or SDX3002 naming the parameter. */
export function parseInstant(text: string, name: string): number {
  const ms = ISO_INSTANT.test(text) ? Date.parse(text.replace(" ", "T")) : Number.NaN;
  if (!Number.isFinite(ms)) {
    throw validationFailed(`${name} must be an ISO 8601 instant like 2024-05-01T12:00:00Z (a time needs Z or an offset), got ${JSON.stringify(text.slice(0, 64))}`);
  }
  return ms;
}

export class TemporalStore {
  constructor(
    private readonly store: MemoryStore,
    private readonly extensionId: string,
    private readonly field: ResolvedField,
  ) {}

  append(event: unknown, at?: string): string {
    const ms = at === undefined ? Date.now() : parseInstant(at, "at");
    const { text, json } = toStoredJson(event, "the event");
    this.field.validate(json, "the event");
    this.store.field(this.extensionId, this.field);
    const { hlc, device } = this.store.stamp();
    const iso = new Date(ms).toISOString();
    this.store.stmt(`INSERT INTO agent_memory_temporal (uuid, extension_id, field, at, at_ms, event, sync, hlc, device_uuid) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(uuidToBlob(newUuid()), this.extensionId, this.field.name, iso, ms, text, this.field.sync, hlc, device);
    return iso;
  }

  query(options: TemporalQuery = {}): TemporalEvent[] {
    const limit = options.limit ?? DEFAULT_TEMPORAL_LIMIT;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_TEMPORAL_LIMIT) throw validationFailed(`limit must be an integer from 1 to ${MAX_TEMPORAL_LIMIT}`);
    const clauses = ["extension_id = ?", "field = ?"];
    const params: unknown[] = [this.extensionId, this.field.name];
    if (options.from !== undefined) {
      clauses.push("at_ms >= ?");
      params.push(parseInstant(options.from, "from"));
    }
    if (options.to !== undefined) {
      clauses.push("at_ms <= ?");
      params.push(parseInstant(options.to, "to"));
    }
    const where = Object.entries(options.where ?? {});
    if (where.length > MAX_FILTERS) throw validationFailed(`at most ${MAX_FILTERS} where filters`);
    for (const [name, value] of where) this.addFilter(name, value, clauses, params);
    params.push(limit);
    const rows = this.store.stmt(`SELECT at, event FROM agent_memory_temporal WHERE ${clauses.join(" AND ")} ORDER BY at_ms DESC, id DESC LIMIT ?`)
      .all(...params) as Array<{ at: string; event: string }>;
    return rows.map((r) => ({ at: r.at, event: JSON.parse(r.event) as unknown }));
  }

  private addFilter(name: string, value: unknown, clauses: string[], params: unknown[]): void {
    if (!FIELD_NAME.test(name)) throw validationFailed(`where: ${JSON.stringify(name.slice(0, 64))} is not a field name`);
    if (this.field.properties && !this.field.properties.has(name)) {
      throw validationFailed(`where: memory field ${this.field.name} has no event field "${name}" (its fields: ${[...this.field.properties].join(", ") || "none"})`);
    }
    const path = `$."${name}"`;
    if (value === null || value === undefined) {
      clauses.push("coalesce(json_type(event, ?), 'null') = 'null'");
      params.push(path);
    } else if (typeof value === "boolean") {
      clauses.push("json_type(event, ?) = ?");
      params.push(path, value ? "true" : "false");
    } else if (typeof value === "number") {
      if (!Number.isFinite(value)) throw validationFailed(`where.${name} must be a finite number`);
      clauses.push("json_type(event, ?) IN ('integer', 'real') AND json_extract(event, ?) = ?");
      params.push(path, path, value);
    } else if (typeof value === "string") {
      clauses.push("json_type(event, ?) = 'text' AND json_extract(event, ?) = ?");
      params.push(path, path, value);
    } else {
      const { text } = toStoredJson(value, `where.${name}`);
      clauses.push("json_type(event, ?) IN ('object', 'array') AND json_extract(event, ?) = json(?)");
      params.push(path, path, text);
    }
  }
}
