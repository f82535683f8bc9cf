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
import { validationFailed } from "../../store/errors.js";
import type { MemoryStore } from "../../store/memory/store.js";
import { insertTemporal, queryTemporal, type TemporalFilter } from "../../store/memory/temporal.js";

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
    const iso = new Date(ms).toISOString();
    insertTemporal(this.store, this.extensionId, this.field, { iso, ms }, text);
    return iso;
  }

  query(options: TemporalQuery = {}): TemporalEvent[] {
    const limit = options.limit ?? DEFAULT_TEMPORAL_LIMIT;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_TEMPORAL_LIMIT) throw validationFailed(`limit must be an integer from 1 to ${MAX_TEMPORAL_LIMIT}`);
    const fromMs = options.from === undefined ? undefined : parseInstant(options.from, "from");
    const toMs = options.to === undefined ? undefined : parseInstant(options.to, "to");
    const where = Object.entries(options.where ?? {});
    if (where.length > MAX_FILTERS) throw validationFailed(`at most ${MAX_FILTERS} where filters`);
    const filters = where.map(([name, value]) => this.filter(name, value));
    const rows = queryTemporal(this.store, { extensionId: this.extensionId, field: this.field.name, fromMs, toMs, filters, limit });
    return rows.map((r) => ({ at: r.at, event: JSON.parse(r.event) as unknown }));
  }

  /** A checked `where` entry: the name an identifier the item schema allows, the value JSON. */
  private filter(name: string, value: unknown): TemporalFilter {
    if (!FIELD_NAME.test(name)) throw validationFailed(`where: ${JSON.stringify(name.slice(0, 64))} is not a field name`);
    if (this.field.properties && !this.field.properties.has(name)) {
      throw validationFailed(`where: memory field ${this.field.name} has no event field "${name}" (its fields: ${[...this.field.properties].join(", ") || "none"})`);
    }
    if (value === null || value === undefined) return { name, kind: "null" };
    if (typeof value === "boolean") return { name, kind: "boolean", value };
    if (typeof value === "number") {
      if (!Number.isFinite(value)) throw validationFailed(`where.${name} must be a finite number`);
      return { name, kind: "number", value };
    }
    if (typeof value === "string") return { name, kind: "string", value };
    return { name, kind: "json", text: toStoredJson(value, `where.${name}`).text };
  }
}
