/**
 * A library: a directory holding `library.db` (core and extension tables), created on first use.
 * `jobs.db` beside it belongs to the job runtime. Opened through sqlite.ts (WAL, foreign keys on,
 * the migrations of migrations.ts); the local device row is created on first open and its UUID is
 * this library's device identity. A damaged file is refused with SDX3034 (library-check.ts).
 */
import os from "node:os";
import path from "node:path";
import type Database from "better-sqlite3";
import { Hlc } from "./hlc.js";
import { libraryDamaged } from "./library-check.js";
import { migrate } from "./migrations.js";
import { backfillSyncRows } from "./sync-backfill.js";
import { newestSyncHlc } from "./sync-rows.js";
import { openSqlite, type SqliteDb } from "./sqlite.js";
import { blobToUuid, newUuid, uuidToBlob } from "./uuid.js";

export interface LibraryOpenOptions {
  /** Name of the local device row when it is first created (default: the host name). */
  deviceName?: string;
  /** Called with the text of every SQL statement run (tests count statements with it). */
  verbose?: (sql: string) => void;
}

export const LIBRARY_DB_FILE = "library.db";

export interface LibrarySummary {
  /** Models of the extension asked about (all extensions when none is given). */
  models: number;
  /** Tag links (tags on entries, content and models). */
  tags: number;
  entries: number;
}

export class Library {
  readonly hlc: Hlc;
  /** Set by a group transaction that owns this connection (`nestWithoutSavepoints`); see `transaction`. */
  private onPartialWrite: ((error: unknown) => void) | null = null;
  private deviceBlob: Buffer | undefined;

  private constructor(
    readonly dir: string,
    private readonly sqlite: SqliteDb,
    readonly deviceUuid: string,
  ) {
    this.hlc = new Hlc(deviceUuid);
  }

  /** Opens (creating) the library in `dir`. A damaged library.db is SDX3034, and is left as it was. */
  static open(dir: string, options: LibraryOpenOptions = {}): Library {
    const root = path.resolve(dir);
    const file = path.join(root, LIBRARY_DB_FILE);
    let migrated = { from: 0, to: 0 };
    let sqlite: SqliteDb;
    try {
      sqlite = openSqlite(file, { migrate: (db) => void (migrated = migrate(db, file)), verbose: options.verbose });
    } catch (error) {
      throw libraryDamaged(error, file);
    }
    try {
      const deviceUuid = ensureLocalDevice(sqlite.db, options.deviceName ?? os.hostname());
      const library = new Library(root, sqlite, deviceUuid);
      const last = sqlite.db.prepare("SELECT max(hlc_timestamp) AS h FROM models").get() as { h: string | null };
      if (last.h) library.hlc.receive(last.h);
      const synced = newestSyncHlc(library);
      if (synced) library.hlc.receive(synced);
      // Data written before sync existed gets its sync rows once (sync-backfill.ts).
      if (migrated.from > 0 && migrated.from < 5) backfillSyncRows(library);
      return library;
    } catch (error) {
      sqlite.close();
      throw libraryDamaged(error, file);
    }
  }

  /** SDX3034 when `error` is SQLite finding this library's file damaged (see library-check.ts); else `error`. */
  damaged(error: unknown): unknown {
    return libraryDamaged(error, path.join(this.dir, LIBRARY_DB_FILE));
  }

  /** The connection (store modules and tests; other floors call store functions instead). */
  get db(): Database.Database {
    return this.sqlite.db;
  }

  /** A cached prepared statement (host SQL only, never text built from guest input); see sqlite.ts. */
  stmt(sql: string): Database.Statement {
    return this.sqlite.stmt(sql);
  }

  /**
   * Runs `fn` in one transaction: all of its writes or none. Nested in an open transaction it is a
   * savepoint, unless a group transaction owns the connection (`nestWithoutSavepoints`): then `fn`
   * runs without one, and if it fails after having changed rows the whole group is rolled back and
   * failed (its owner's callback), so a half-made write is never committed either way.
   */
  transaction<T>(fn: () => T): T {
    if (this.onPartialWrite && this.sqlite.db.inTransaction) return this.withoutSavepoint(fn, this.onPartialWrite);
    return this.sqlite.transaction(fn);
  }

  /**
   * For a group transaction (group-transaction.ts): nested `transaction`s stop taking savepoints.
   * A savepoint costs as much as the writes of a small call (SQLite journals every page the call
   * touches a first time, and spills that journal to a temporary file past 64 KiB: 2.6× the
   * SQLite time of a model create, measured). Handlers validate before they write, so what fails
   * halfway is SQLite itself (disk full, I/O): `onPartialWrite` receives that error after the
   * group's transaction was rolled back.
   */
  nestWithoutSavepoints(onPartialWrite: (error: unknown) => void): void {
    this.onPartialWrite = onPartialWrite;
  }

  private withoutSavepoint<T>(fn: () => T, onPartialWrite: (error: unknown) => void): T {
    const before = this.totalChanges();
    try {
      return fn();
    } catch (error) {
      // Nothing written (a refusal before the first write): the group goes on, as with a savepoint.
      if (this.sqlite.db.inTransaction && this.totalChanges() !== before) {
        this.sqlite.db.exec("ROLLBACK");
        onPartialWrite(error);
      }
      throw error;
    }
  }

  /** Rows changed by this connection since it opened (SQLite's total_changes()). */
  private totalChanges(): number {
    return (this.sqlite.stmt("SELECT total_changes() AS n").get() as { n: number }).n;
  }

  /**
   * Runs async `fn` in one `BEGIN IMMEDIATE` transaction: committed when it resolves, rolled back
   * when it (or the commit) fails. The caller must keep other writes of this connection out while
   * `fn` awaits (actions use the write gate).
   */
  immediateTransaction<T>(fn: () => Promise<T>): Promise<T> {
    return this.sqlite.asyncImmediateTransaction(fn);
  }

  /** Counts for a summary line (`sdx run`): the extension's models, tag links, entries. */
  summary(extensionId?: string): LibrarySummary {
    const count = (sql: string, ...args: unknown[]) => (this.stmt(sql).get(...args) as { n: number }).n;
    return {
      models: extensionId === undefined ? count("SELECT count(*) AS n FROM models") : count("SELECT count(*) AS n FROM models WHERE extension_id = ?", extensionId),
      tags: count("SELECT count(*) AS n FROM tag_links"),
      entries: count("SELECT count(*) AS n FROM entries"),
    };
  }

  /**
   * A readable name for an entry (its path in its location), a content (the path of one of its
   * files, and how many others share it) or a model (its type), for listings such as an action's
   * preview; null when it does not exist or the id is not a UUID.
   */
  describe(ref: { entry: string } | { content: string } | { model: string }): string | null {
    let blob: Buffer;
    try {
      blob = uuidToBlob("entry" in ref ? ref.entry : "content" in ref ? ref.content : ref.model);
    } catch {
      return null;
    }
    if ("model" in ref) {
      const row = this.stmt("SELECT model_type FROM models WHERE uuid = ?").get(blob) as { model_type: string } | undefined;
      return row ? `${row.model_type} model` : null;
    }
    const rows = this.stmt(`SELECT e.relative_path AS path FROM entries e WHERE ${"entry" in ref ? "e.uuid" : "e.content_identity_uuid"} = ? ORDER BY e.id LIMIT 2`).all(blob) as Array<{ path: string }>;
    if (rows.length === 0) return null;
    if ("entry" in ref || rows.length === 1) return rows[0]!.path;
    const copies = (this.stmt("SELECT count(*) AS n FROM entries WHERE content_identity_uuid = ?").get(blob) as { n: number }).n;
    return `${rows[0]!.path} (+${copies - 1} more with the same content)`;
  }

  get deviceUuidBlob(): Buffer {
    // Every write stamps it: parse once (a copy each time, since a caller could write into it).
    this.deviceBlob ??= uuidToBlob(this.deviceUuid);
    return Buffer.from(this.deviceBlob);
  }

  /** Where installed bundles live. */
  extensionsDir(): string {
    return path.join(this.dir, "extensions");
  }

  thumbnailsDir(): string {
    return path.join(this.dir, "thumbnails");
  }

  close(): void {
    this.sqlite.close();
  }
}

function ensureLocalDevice(db: Database.Database, name: string): string {
  const row = db.prepare("SELECT uuid FROM devices WHERE is_local = 1 ORDER BY id LIMIT 1").get() as { uuid: Buffer } | undefined;
  if (row) return blobToUuid(row.uuid);
  const uuid = newUuid();
  db.prepare("INSERT INTO devices (uuid, name, is_local, capabilities, created_at) VALUES (?, ?, 1, ?, ?)")
    .run(uuidToBlob(uuid), name, JSON.stringify(["cpu"]), new Date().toISOString());
  return uuid;
}

export function nowIso(): string {
  return new Date().toISOString();
}
