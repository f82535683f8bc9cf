/**
 * `sync_rows`: the sync state of every shared thing in the library (docs/devices.md). Each row holds
 * the HLC of each field of one thing (its registers: last writer wins per field), whether the
 * thing is deleted (a tombstone, kept so an older write arriving later cannot bring it back), and
 * `seq`, the position of its last change in this library's own order of changes.
 *
 * Local writes call `stampRow` in the transaction of the write, with the write's HLC; what a sync
 * applies calls `putSyncRow` with the merged clocks. Both give the row the next `seq`, so "what
 * changed since seq N" is exact and a peer pages through it. `seq` is computed inside the writing
 * statement: SQLite has one writer at a time, so seqs commit in order and never repeat.
 *
 * Keys are text (`syncKey`): a UUID in its 36-character form, or a composite of UUIDs and names.
 */
import type { Statement } from "./sqlite.js";
import type { Hlc } from "./hlc.js";

/**
 * What this module needs of a library: `Library` has it. (Not the class itself: library.ts reads
 * the newest clock and backfills through this module when it opens.)
 */
export interface SyncStore {
  stmt(sql: string): Statement;
  transaction<T>(fn: () => T): T;
  readonly hlc: Hlc;
}

/** What syncs (docs/devices.md#what-syncs). */
export type SyncEntity = "model" | "tag_link" | "collection" | "collection_item" | "device" | "extension"
  | "memory_working" | "memory_event" | "memory_item" | "memory_edge";

/** Field → HLC of its last write. `@` is the thing's existence (created or deleted). */
export type Clocks = Record<string, string>;

export interface SyncRow {
  entity: SyncEntity;
  key: string;
  seq: number;
  clocks: Clocks;
  deleted: boolean;
}

interface RawRow {
  entity: SyncEntity;
  key: string;
  seq: number;
  clocks: string;
  deleted: number;
}

const toRow = (raw: RawRow): SyncRow => ({ entity: raw.entity, key: raw.key, seq: raw.seq, clocks: JSON.parse(raw.clocks) as Clocks, deleted: raw.deleted === 1 });

/** The sync field names of a model's inline data and blob fields. */
export const modelField = {
  data: (name: string) => `d.${name}`,
  blob: (key: string) => `b.${key}`,
};

/** Keys of the composite things. */
export const syncKey = {
  tagLink: (target: "content" | "model", uuid: string, tag: string) => `${target === "content" ? "c" : "m"}:${uuid}:${tag}`,
  collectionItem: (collection: string, kind: "content" | "model", uuid: string) => `${collection}:${kind === "content" ? "c" : "m"}:${uuid}`,
  memoryField: (extensionId: string, field: string) => `${extensionId}:${field}`,
  memoryEdge: (extensionId: string, field: string, from: string, to: string) => `${extensionId}:${field}:${from}:${to}`,
};

const NEXT_SEQ = "(SELECT coalesce(max(seq), 0) + 1 FROM sync_rows)";

/**
 * Records a local write of `fields` at `hlc`. `deleted`: true for a delete, false for a create,
 * undefined for an update (the thing stays as it is). Clocks of other fields are kept.
 */
export function stampRow(library: SyncStore, entity: SyncEntity, key: string, fields: readonly string[], hlc: string, deleted?: boolean): void {
  const clocks: Clocks = {};
  for (const field of fields) clocks[field] = hlc;
  // A local stamp is newer than every clock the row has (the library clock received them all).
  library
    .stmt(`INSERT INTO sync_rows (entity, key, seq, clocks, hlc, deleted) VALUES (?, ?, ${NEXT_SEQ}, ?, ?, ?)
      ON CONFLICT (entity, key) DO UPDATE SET seq = excluded.seq, clocks = json_patch(sync_rows.clocks, excluded.clocks), hlc = excluded.hlc,
        deleted = CASE WHEN ? IS NULL THEN sync_rows.deleted ELSE excluded.deleted END`)
    .run(entity, key, JSON.stringify(clocks), hlc, deleted ? 1 : 0, deleted === undefined ? null : 1);
}

/** Stores merged clocks (what a sync applied) as the thing's new state, at the next seq. */
export function putSyncRow(library: SyncStore, entity: SyncEntity, key: string, clocks: Clocks, deleted: boolean): void {
  library
    .stmt(`INSERT INTO sync_rows (entity, key, seq, clocks, hlc, deleted) VALUES (?, ?, ${NEXT_SEQ}, ?, ?, ?)
      ON CONFLICT (entity, key) DO UPDATE SET seq = excluded.seq, clocks = excluded.clocks, hlc = excluded.hlc, deleted = excluded.deleted`)
    .run(entity, key, JSON.stringify(clocks), newestClock(clocks), deleted ? 1 : 0);
}

export function syncRow(library: SyncStore, entity: SyncEntity, key: string): SyncRow | undefined {
  const raw = library.stmt("SELECT entity, key, seq, clocks, deleted FROM sync_rows WHERE entity = ? AND key = ?").get(entity, key) as RawRow | undefined;
  return raw && toRow(raw);
}

/** Rows changed after `seq`, in change order, at most `limit`. */
export function rowsChangedSince(library: SyncStore, seq: number, limit: number): SyncRow[] {
  return (library.stmt("SELECT entity, key, seq, clocks, deleted FROM sync_rows WHERE seq > ? ORDER BY seq LIMIT ?").all(seq, limit) as RawRow[]).map(toRow);
}

/** The last seq given out (0 when nothing changed yet). */
export function lastSeq(library: SyncStore): number {
  return (library.stmt("SELECT coalesce(max(seq), 0) AS s FROM sync_rows").get() as { s: number }).s;
}

/** How many things changed after `seq` (what a peer at that seq has not seen). */
export function countChangedSince(library: SyncStore, seq: number): number {
  return (library.stmt("SELECT count(*) AS n FROM sync_rows WHERE seq > ?").get(seq) as { n: number }).n;
}

/** The newest of a row's clocks. */
export function newestClock(clocks: Clocks): string {
  let newest = "";
  for (const hlc of Object.values(clocks)) if (hlc > newest) newest = hlc;
  return newest;
}

/** The newest HLC of any row (the library clock receives it at open). */
export function newestSyncHlc(library: SyncStore): string | null {
  return (library.stmt("SELECT max(hlc) AS h FROM sync_rows").get() as { h: string | null }).h;
}
