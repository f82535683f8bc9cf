/**
 * What the indexer reads and writes of one location during a run (core/indexer/indexer.ts decides
 * what changed; this only looks rows up and stores them). Rows are looked up one path at a time
 * through the `(location_id, relative_path)` index instead of loaded all at once, so a run holds
 * no row per file; the statements are prepared once per run.
 *
 * `maxId`: rows of the location with an id up to it existed before the run began. Only those can
 * be unchanged, moved away or gone; rows the run inserts get larger ids.
 */
import type { Statement } from "./sqlite.js";
import type { Library } from "./library.js";
import { deleteEntryCascade, ensureLocation, type EntryFields } from "./entries-store.js";
import { newUuidBlob } from "./uuid.js";

const ROW = "id, uuid, relative_path, size, modified_at, inode, content_identity_uuid, is_dir, kind";

/** An entry as the indexer compares it with the file system, and its kind (what a move keeps). */
export interface LocationRow {
  id: number;
  uuid: Buffer;
  relative_path: string;
  size: number;
  modified_at: string | null;
  inode: number | null;
  content_identity_uuid: Buffer | null;
  is_dir: number;
  kind: string;
}

export interface ContentRow {
  uuid: Buffer;
  hash: string;
  hashKind: string;
  size: number;
  kind: string;
}

export class LocationIndex {
  readonly id: number;
  readonly uuid: string;
  /** The lowest and highest row id of the location before the run (0 when it had none). */
  readonly minId: number;
  readonly maxId: number;
  private readonly device: Buffer;
  private readonly atPath: Statement;
  private readonly byStat: Statement;
  private readonly byContent: Statement;
  private readonly page: Statement;
  private readonly insertRow: Statement;
  private readonly updateRow: Statement;
  private readonly insertContent: Statement;

  constructor(private readonly library: Library, root: string) {
    const location = ensureLocation(library, root);
    this.id = location.id;
    this.uuid = location.uuid;
    this.device = library.deviceUuidBlob;
    const range = library.stmt("SELECT coalesce(min(id), 0) AS lo, coalesce(max(id), 0) AS hi FROM entries WHERE location_id = ?").get(this.id) as { lo: number; hi: number };
    this.minId = range.lo;
    this.maxId = range.hi;
    this.atPath = library.stmt(`SELECT ${ROW} FROM entries WHERE location_id = ? AND relative_path = ?`);
    this.byStat = library.stmt(`SELECT ${ROW} FROM entries WHERE location_id = ? AND inode = ? AND size = ? AND modified_at = ? AND id <= ?
      AND is_dir = 0 AND size > 0 AND content_identity_uuid IS NOT NULL ORDER BY id DESC`);
    this.byContent = library.stmt(`SELECT ${ROW} FROM entries WHERE content_identity_uuid = ? AND location_id = ? AND id <= ? AND is_dir = 0 AND size > 0
      ORDER BY id DESC`);
    this.page = library.stmt(`SELECT ${ROW} FROM entries WHERE location_id = ? AND id > ? AND id <= ? ORDER BY id LIMIT ?`);
    this.insertRow = library.stmt(`INSERT INTO entries (uuid, location_id, device_uuid, relative_path, raw_path, name, extension, kind, is_dir, size, inode,
      modified_at, content_identity_uuid, error, hlc_timestamp, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    this.updateRow = library.stmt(`UPDATE entries SET relative_path = ?, raw_path = ?, name = ?, extension = ?, kind = ?, is_dir = ?, size = ?, inode = ?,
      modified_at = ?, content_identity_uuid = ?, error = ?, hlc_timestamp = ?, updated_at = ? WHERE id = ?`);
    this.insertContent = library.stmt(`INSERT INTO content_identities (uuid, content_hash, hash_kind, size, kind, first_seen_at) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT (content_hash) DO NOTHING`);
  }

  /** Whether the location had rows before the run (a fresh one has nothing to compare with). */
  get hadEntries(): boolean {
    return this.maxId > 0;
  }

  /** The row at a relative path, if any. */
  at(relativePath: string): LocationRow | undefined {
    return this.atPath.get(this.id, relativePath) as LocationRow | undefined;
  }

  /** Non-empty file rows from before the run with content and this inode, size and mtime, newest first (see indexer.ts on empty files). */
  withStat(inode: number, size: number, modifiedAt: string): LocationRow[] {
    return this.byStat.all(this.id, inode, size, modifiedAt, this.maxId) as LocationRow[];
  }

  /** Non-empty file rows from before the run with this content, newest first. */
  withContent(contentUuid: Buffer): LocationRow[] {
    return this.byContent.all(contentUuid, this.id, this.maxId) as LocationRow[];
  }

  /** Up to `limit` rows from before the run with an id above `after`, in id order. */
  rowsAfter(after: number, limit: number): LocationRow[] {
    return this.page.all(this.id, after, this.maxId, limit) as LocationRow[];
  }

  /** A new entry; returns its UUID blob. */
  insert(f: EntryFields, now: string): Buffer {
    const uuid = newUuidBlob();
    this.insertRow.run(uuid, this.id, this.device, f.relativePath, f.rawPath, f.name, f.extension, f.kind, f.isDir ? 1 : 0, f.size, f.inode,
      f.modifiedAt, f.contentUuid, f.error, f.hlc, now, now);
    return uuid;
  }

  /** Rewrites a row (its UUID stays: a moved entry keeps its tags and models). */
  update(id: number, f: EntryFields, now: string): void {
    this.updateRow.run(f.relativePath, f.rawPath, f.name, f.extension, f.kind, f.isDir ? 1 : 0, f.size, f.inode, f.modifiedAt, f.contentUuid, f.error,
      f.hlc, now, id);
  }

  /** Records a content identity; identical content (same hash) keeps its first row. */
  content(c: ContentRow, now: string): void {
    this.insertContent.run(c.uuid, c.hash, c.hashKind, c.size, c.kind, now);
  }

  /** Deletes an entry with what only it owned (see deleteEntryCascade). */
  remove(entryUuid: Buffer): void {
    deleteEntryCascade(this.library, entryUuid);
  }

  markIndexed(): void {
    this.library.stmt("UPDATE locations SET last_indexed_at = ? WHERE id = ?").run(new Date().toISOString(), this.id);
  }
}
