/**
 * `locations`, `entries` and `content_identities`: reading entries with their location and their
 * wire form (`EntryData`), the pages of `entries.query` (ops/entries.ts applies the grants and the
 * glob to each row), locations and single new entries (the indexer's run reads and writes through
 * location-index.ts), and deleting an entry with what only it owned.
 */
import path from "node:path";
import type { EntryData, EntryKind } from "@sdx/sdk";
import type { Library } from "./library.js";
import { blobToUuid, hexToUuid, newUuid, uuidToBlob } from "./uuid.js";
import { joinEntryPath } from "./paths.js";
import { deleteMetadataRow, deleteModel } from "./models-store.js";

export interface EntryRow {
  id: number;
  uuid: Buffer;
  location_id: number;
  relative_path: string;
  raw_path: Buffer | null;
  name: string;
  extension: string | null;
  kind: string;
  is_dir: number;
  size: number;
  /** The inode the indexer saw (what `entries.read` compares the opened file with). */
  inode: number | null;
  modified_at: string | null;
  content_identity_uuid: Buffer | null;
  device_uuid: Buffer;
  error: string | null;
  loc_uuid: Buffer;
  loc_path: string;
  loc_device: Buffer;
}

export const ENTRY_COLUMNS = `e.id, e.uuid, e.location_id, e.relative_path, e.raw_path, e.name, e.extension, e.kind, e.is_dir,
  e.size, e.inode, e.modified_at, e.content_identity_uuid, e.device_uuid, e.error,
  l.uuid AS loc_uuid, l.path AS loc_path, l.device_uuid AS loc_device`;

export function entryByUuid(library: Library, uuid: Buffer): EntryRow | undefined {
  return library
    .stmt(`SELECT ${ENTRY_COLUMNS} FROM entries e JOIN locations l ON l.id = e.location_id WHERE e.uuid = ?`)
    .get(uuid) as EntryRow | undefined;
}

export function entriesOfContent(library: Library, contentUuid: Buffer): EntryRow[] {
  return library
    .stmt(`SELECT ${ENTRY_COLUMNS} FROM entries e JOIN locations l ON l.id = e.location_id WHERE e.content_identity_uuid = ?`)
    .all(contentUuid) as EntryRow[];
}

/** Where the entries of a content lie (what a grant check needs, and no more: this runs for every content-scoped write). */
export function entryPathsOfContent(library: Library, contentUuid: Buffer): Array<Pick<EntryRow, "loc_path" | "relative_path">> {
  return library
    .stmt("SELECT l.path AS loc_path, e.relative_path FROM entries e JOIN locations l ON l.id = e.location_id WHERE e.content_identity_uuid = ?")
    .all(contentUuid) as Array<Pick<EntryRow, "loc_path" | "relative_path">>;
}

/** Whether a content identity with this UUID exists. */
export function contentExists(library: Library, contentUuid: Buffer): boolean {
  return library.stmt("SELECT 1 FROM content_identities WHERE uuid = ?").get(contentUuid) !== undefined;
}

/** The locations of a device (its indexed roots), in no particular order. */
export function locationsOfDevice(library: Library, deviceUuid: Buffer): Array<{ id: number; path: string }> {
  return library.stmt("SELECT id, path FROM locations WHERE device_uuid = ?").all(deviceUuid) as Array<{ id: number; path: string }>;
}

/** What `entries.query` narrows file entries with content by (each one optional; all must hold). */
export interface EntryFilter {
  /** Entries of this location… */
  location?: {
    id: number;
    /** …under this relative path prefix ("" for the whole location). */
    prefix: string;
  };
  kinds?: readonly string[];
  contentUuid?: Buffer;
  /** Entries indexed by this device. */
  deviceUuid?: Buffer;
  /** Entries tagged with this name, on the entry or on its content. */
  tag?: string;
}

/**
 * A row of an `entries.query` page: only what the grants check and `EntryData` need, its UUIDs as
 * lower-case hex text. A page is up to 500 rows, and a Buffer per BLOB column (five of them) made
 * up more than half of the query's time.
 */
export interface EntryPageRow {
  id: number;
  uuid_hex: string;
  relative_path: string;
  name: string;
  extension: string | null;
  kind: string;
  size: number;
  modified_at: string | null;
  content_hex: string;
  loc_uuid_hex: string;
  loc_path: string;
  loc_device_hex: string;
}

const ENTRY_PAGE_COLUMNS = `e.id, lower(hex(e.uuid)) AS uuid_hex, e.relative_path, e.name, e.extension, e.kind, e.size, e.modified_at,
  lower(hex(e.content_identity_uuid)) AS content_hex, lower(hex(l.uuid)) AS loc_uuid_hex, l.path AS loc_path, lower(hex(l.device_uuid)) AS loc_device_hex`;

/** The wire form of a page row whose absolute path (`entryAbsolutePath`) the caller computed already. */
export function pageRowToEntryData(row: EntryPageRow, absolutePath: string): EntryData {
  return {
    uuid: hexToUuid(row.uuid_hex),
    name: row.name,
    extension: row.extension,
    kind: row.kind as EntryKind,
    path: { device: hexToUuid(row.loc_device_hex), path: absolutePath.split("\\").join("/") },
    locationUuid: hexToUuid(row.loc_uuid_hex),
    size: row.size,
    contentUuid: hexToUuid(row.content_hex),
    modifiedAt: row.modified_at ?? "",
  };
}

/**
 * The pages of file entries with content matching `filter`, in row id order: `page(after, limit)`
 * is up to `limit` rows with an id greater than `after` (a cursor). Every value is bound.
 */
export function entryPages(library: Library, filter: EntryFilter): (after: number, limit: number) => EntryPageRow[] {
  const where = ["e.content_identity_uuid IS NOT NULL", "e.is_dir = 0", "e.id > ?"];
  const params: unknown[] = [];
  if (filter.location) {
    where.push("e.location_id = ?");
    params.push(filter.location.id);
    const prefix = filter.location.prefix;
    if (prefix !== "") {
      // Range instead of LIKE: no escaping of % and _ in path names ('0' sorts right after '/').
      where.push("(e.relative_path = ? OR (e.relative_path >= ? AND e.relative_path < ?))");
      params.push(prefix, `${prefix}/`, `${prefix}0`);
    }
  }
  if (filter.kinds) {
    where.push("e.kind IN (SELECT value FROM json_each(?))");
    params.push(JSON.stringify(filter.kinds));
  }
  if (filter.contentUuid) {
    where.push("e.content_identity_uuid = ?");
    params.push(filter.contentUuid);
  }
  if (filter.deviceUuid) {
    where.push("e.device_uuid = ?");
    params.push(filter.deviceUuid);
  }
  if (filter.tag) {
    // A tag on the content is seen by every entry with that content.
    where.push(`EXISTS (SELECT 1 FROM tag_links tl JOIN tags t ON t.id = tl.tag_id JOIN user_metadata um ON um.id = tl.metadata_id
                WHERE t.name = ? AND (um.entry_uuid = e.uuid OR um.content_identity_uuid = e.content_identity_uuid))`);
    params.push(filter.tag);
  }
  const statement = library.stmt(`SELECT ${ENTRY_PAGE_COLUMNS} FROM entries e JOIN locations l ON l.id = e.location_id WHERE ${where.join(" AND ")} ORDER BY e.id LIMIT ?`);
  return (after, limit) => statement.all(after, ...params, limit) as EntryPageRow[];
}

/** Absolute path of an entry as indexed (the location root is canonical; the walk follows no symlinks). */
export function entryAbsolutePath(row: Pick<EntryRow, "loc_path" | "relative_path">): string {
  return joinEntryPath(row.loc_path, row.relative_path);
}

/** Wire form; `null` for rows without content (directories, files that failed), which the protocol cannot carry. */
export function toEntryData(row: EntryRow): EntryData | null {
  if (!row.content_identity_uuid) return null;
  return {
    uuid: blobToUuid(row.uuid),
    name: row.name,
    extension: row.extension,
    kind: row.kind as EntryKind,
    path: { device: blobToUuid(row.loc_device), path: entryAbsolutePath(row).split("\\").join("/") },
    locationUuid: blobToUuid(row.loc_uuid),
    size: row.size,
    contentUuid: blobToUuid(row.content_identity_uuid),
    modifiedAt: row.modified_at ?? "",
  };
}

/**
 * Deletes an entry and what only it owned: entry-scoped models (device-specific, tied to the
 * path), its user_metadata (tags), collection memberships. Content and content-scoped models
 * stay: they outlive every entry that pointed at them. Call inside a transaction.
 */
export function deleteEntryCascade(library: Library, entryUuid: Buffer): void {
  const models = library.stmt("SELECT uuid FROM models WHERE entry_uuid = ?").all(entryUuid) as Array<{ uuid: Buffer }>;
  for (const m of models) deleteModel(library, m.uuid);
  const meta = library.stmt("SELECT id FROM user_metadata WHERE entry_uuid = ?").get(entryUuid) as { id: number } | undefined;
  if (meta) deleteMetadataRow(library, meta.id);
  library.stmt("DELETE FROM collection_items WHERE entry_uuid = ?").run(entryUuid);
  library.stmt("DELETE FROM entries WHERE uuid = ?").run(entryUuid);
}

/** The highest entry row id now; entries indexed later have larger ids. */
export function entryHighWater(library: Library): number {
  return (library.stmt("SELECT coalesce(max(id), 0) AS n FROM entries").get() as { n: number }).n;
}

/** The file entries with a row id in (since, upTo]: what indexing added (entry_indexed jobs and agent events). */
export function newEntryRows(library: Library, since: number, upTo = Number.MAX_SAFE_INTEGER): EntryRow[] {
  return library
    .stmt(`SELECT ${ENTRY_COLUMNS} FROM entries e JOIN locations l ON l.id = e.location_id
           WHERE e.id > ? AND e.id <= ? AND e.is_dir = 0 AND e.content_identity_uuid IS NOT NULL ORDER BY e.id`)
    .all(since, upTo) as EntryRow[];
}

/** Appends an error to the entry's (`a; b`), e.g. a media step's failure. */
export function appendEntryError(library: Library, entryUuid: Buffer, error: string): void {
  library.stmt("UPDATE entries SET error = CASE WHEN error IS NULL THEN ? ELSE error || '; ' || ? END WHERE uuid = ?").run(error, error, entryUuid);
}

// --- locations, and single entries written outside the indexer's run (store/location-index.ts) ----

/** The location of this device at `root` (canonical), created on first use. */
export function ensureLocation(library: Library, root: string): { id: number; uuid: string } {
  const device = library.deviceUuidBlob;
  const row = library.stmt("SELECT id, uuid FROM locations WHERE device_uuid = ? AND path = ?").get(device, root) as { id: number; uuid: Buffer } | undefined;
  if (row) return { id: row.id, uuid: blobToUuid(row.uuid) };
  const uuid = newUuid();
  const result = library
    .stmt("INSERT INTO locations (uuid, device_uuid, path, name, created_at) VALUES (?, ?, ?, ?, ?)")
    .run(uuidToBlob(uuid), device, root, path.basename(root) || root, new Date().toISOString());
  return { id: Number(result.lastInsertRowid), uuid };
}

/** The columns the indexer (and a file written by an action) sets on an entry, new or updated. */
export interface EntryFields {
  relativePath: string;
  rawPath: Buffer | null;
  name: string;
  extension: string | null;
  kind: string;
  isDir: boolean;
  size: number;
  inode: number | null;
  modifiedAt: string | null;
  contentUuid: Buffer | null;
  error: string | null;
  hlc: string;
}

const fieldValues = (f: EntryFields): unknown[] => [
  f.relativePath, f.rawPath, f.name, f.extension, f.kind, f.isDir ? 1 : 0, f.size, f.inode, f.modifiedAt, f.contentUuid, f.error, f.hlc,
];

/** A new entry of this device's location; returns its UUID blob. */
export function insertEntry(library: Library, locationId: number, fields: EntryFields, now: string): Buffer {
  const uuid = uuidToBlob(newUuid());
  library
    .stmt(
      `INSERT INTO entries (uuid, location_id, device_uuid, relative_path, raw_path, name, extension, kind, is_dir, size, inode,
                            modified_at, content_identity_uuid, error, hlc_timestamp, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(uuid, locationId, library.deviceUuidBlob, ...fieldValues(fields), now, now);
  return uuid;
}

/** Records a content identity; identical content (same hash) keeps its first row. */
export function insertContentIdentity(
  library: Library, content: { uuid: Buffer; hash: string; hashKind: string; size: number; kind: string }, now: string,
): void {
  library
    .stmt(
      `INSERT INTO content_identities (uuid, content_hash, hash_kind, size, kind, first_seen_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (content_hash) DO NOTHING`,
    )
    .run(content.uuid, content.hash, content.hashKind, content.size, content.kind, now);
}

// --- what file operations write (ops/files.ts) ----------------------------------------------------

/** Where a moved entry is now: its location, path and name, and the file's inode and mtime there. */
export interface MovedEntry {
  locationId: number;
  relativePath: string;
  name: string;
  extension: string | null;
  inode: number;
  modifiedAt: string;
  hlc: string;
}

/** Points an entry at its file's new path; its UUID, content, tags and models stay (the row moves). */
export function moveEntryRow(library: Library, entryId: number, to: MovedEntry, now: string): void {
  library
    .stmt(`UPDATE entries SET location_id = ?, relative_path = ?, raw_path = NULL, name = ?, extension = ?, inode = ?, modified_at = ?,
                              hlc_timestamp = ?, updated_at = ? WHERE id = ?`)
    .run(to.locationId, to.relativePath, to.name, to.extension, to.inode, to.modifiedAt, to.hlc, now, entryId);
}

/** Whether an entry of the location has this relative path (a file an action would write over in the index). */
export function entryAtPath(library: Library, locationId: number, relativePath: string): boolean {
  return library.stmt("SELECT 1 FROM entries WHERE location_id = ? AND relative_path = ?").get(locationId, relativePath) !== undefined;
}
