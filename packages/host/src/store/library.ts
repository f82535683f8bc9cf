/**
 * A library: a directory holding `library.db` (core and extension tables), created on first use.
 * `jobs.db` beside it belongs to the job runtime. WAL mode, foreign keys on; the local device row
 * is created on first open and its UUID is this library's device identity.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { Hlc } from "./hlc.js";
import { migrate } from "./migrations.js";
import { blobToUuid, newUuid, uuidToBlob } from "./uuid.js";

export interface LibraryOpenOptions {
  /** Name of the local device row when it is first created (default: the host name). */
  deviceName?: string;
  /** Called with the text of every SQL statement run (tests count statements with it). */
  verbose?: (sql: string) => void;
}

export const LIBRARY_DB_FILE = "library.db";

export class Library {
  readonly hlc: Hlc;
  private readonly statements = new Map<string, Database.Statement>();

  private constructor(
    readonly dir: string,
    readonly db: Database.Database,
    readonly deviceUuid: string,
  ) {
    this.hlc = new Hlc(deviceUuid);
  }

  static open(dir: string, options: LibraryOpenOptions = {}): Library {
    const root = path.resolve(dir);
    fs.mkdirSync(root, { recursive: true });
    const file = path.join(root, LIBRARY_DB_FILE);
    const db = new Database(file, options.verbose ? { verbose: (sql: unknown) => options.verbose?.(String(sql)) } : {});
    try {
      db.pragma("journal_mode = WAL");
      // NORMAL is durable across application crashes in WAL mode and avoids an fsync per commit.
      db.pragma("synchronous = NORMAL");
      db.pragma("foreign_keys = ON");
      db.pragma("busy_timeout = 5000");
      migrate(db, file);
      const deviceUuid = ensureLocalDevice(db, options.deviceName ?? os.hostname());
      const library = new Library(root, db, deviceUuid);
      const last = db.prepare("SELECT max(hlc_timestamp) AS h FROM models").get() as { h: string | null };
      if (last.h) library.hlc.receive(last.h);
      return library;
    } catch (error) {
      db.close();
      throw error;
    }
  }

  /** A cached prepared statement (host SQL only, never text built from guest input). */
  stmt(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      // Query shapes vary with the number of filters; bound the cache rather than grow forever.
      if (this.statements.size >= 512) this.statements.clear();
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /** Runs `fn` in one transaction (nested calls become savepoints). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  get deviceUuidBlob(): Buffer {
    return uuidToBlob(this.deviceUuid);
  }

  /** Where installed bundles live. */
  extensionsDir(): string {
    return path.join(this.dir, "extensions");
  }

  thumbnailsDir(): string {
    return path.join(this.dir, "thumbnails");
  }

  close(): void {
    this.statements.clear();
    if (this.db.open) this.db.close();
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
