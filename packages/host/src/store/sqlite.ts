/**
 * The one place that opens an SQLite database (better-sqlite3): `library.db`, `jobs.db`, the models
 * directory's `catalog.db`, and scratch `:memory:` databases. Input: a file (its directory is
 * created) or `:memory:`, the pragma profile and the database's migration. Output: a `SqliteDb` with
 * a bounded statement cache and the transaction helpers. It knows no table: schemas and queries
 * live in the store module of each table group.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";

export type Db = Database.Database;
export type Statement = Database.Statement;

export const MEMORY = ":memory:";

/** What differs between the databases' pragmas (`applyPragmas` sets the rest the same for all). */
export interface PragmaProfile {
  /** How long a statement waits for another connection's lock before failing with SQLITE_BUSY (ms). */
  busyTimeoutMs: number;
}

/** library.db and jobs.db: the same profile, so both files behave the same under load and crashes. */
export const LIBRARY_PRAGMAS: Readonly<PragmaProfile> = Object.freeze({ busyTimeoutMs: 5_000 });

/** catalog.db (models directory): shared by every host and `sdx models` command using that directory, so it waits longer for a lock. */
export const CATALOG_PRAGMAS: Readonly<PragmaProfile> = Object.freeze({ busyTimeoutMs: 10_000 });

/** The pragmas of a connection, set once right after it is opened. */
export function applyPragmas(db: Db, profile: PragmaProfile): void {
  // First, so that the switch to WAL below also waits for a lock another process holds.
  db.pragma(`busy_timeout = ${profile.busyTimeoutMs}`);
  // WAL: readers never block the writer nor the writer readers, so a CLI command can read a library
  // a running host writes; several processes may share one file. (`:memory:` stays in "memory" mode.)
  db.pragma("journal_mode = WAL");
  // NORMAL is durable across application crashes (a killed process, SIGKILL) in WAL mode and avoids
  // an fsync per commit, which per task result or per indexed batch would dominate; only a power
  // loss may lose the last commits.
  db.pragma("synchronous = NORMAL");
  // The schemas rely on REFERENCES … ON DELETE CASCADE / SET NULL. (better-sqlite3's build turns
  // foreign keys on by default; said here so it does not depend on the build.)
  db.pragma("foreign_keys = ON");
}

/**
 * Reads of a large table through mmap instead of the page cache (for the connection). Set by the
 * memory store: a kNN scan reads every vector of a partition (~1.4× faster at 100k×512 vectors).
 */
export function raiseMmapSize(db: Db, bytes: number): void {
  db.pragma(`mmap_size = ${Math.floor(bytes)}`);
}

export interface SqliteOptions {
  /** Pragma profile; `null` for a scratch database that keeps SQLite's defaults. Default `LIBRARY_PRAGMAS`. */
  pragmas?: Readonly<PragmaProfile> | null;
  /** Brings the schema up to date; runs after the pragmas, before the database is handed out. */
  migrate?: (db: Db) => void;
  /** Called with the text of every SQL statement run (tests count statements with it). */
  verbose?: (sql: string) => void;
  /** Prepared statements kept (least recently used dropped first). Default 512. */
  statementCacheSize?: number;
}

export const DEFAULT_STATEMENT_CACHE_SIZE = 512;

/** An open database: the connection, its statement cache and transactions. */
export class SqliteDb {
  private readonly statements = new Map<string, Statement>();
  private readonly cacheSize: number;

  private constructor(readonly db: Db, cacheSize: number) {
    this.cacheSize = Math.max(1, cacheSize);
  }

  /** Opens (creating) `file` or `:memory:`, sets the pragmas and migrates; closes it again if that fails. */
  static open(file: string, options: SqliteOptions = {}): SqliteDb {
    if (file !== MEMORY) mkdirSync(dirname(file), { recursive: true });
    const verbose = options.verbose;
    const db = new Database(file, verbose ? { verbose: (sql: unknown) => verbose(String(sql)) } : {});
    try {
      const pragmas = options.pragmas === undefined ? LIBRARY_PRAGMAS : options.pragmas;
      if (pragmas) applyPragmas(db, pragmas);
      options.migrate?.(db);
      return new SqliteDb(db, options.statementCacheSize ?? DEFAULT_STATEMENT_CACHE_SIZE);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  /**
   * A cached prepared statement (host SQL only, never text built from guest input). A prepare costs
   * about as much as a small query; query shapes vary with the number of filters, so the cache is
   * bounded rather than grow forever.
   */
  stmt(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (statement) {
      // Most recently used last, so the first key is the one to drop.
      this.statements.delete(sql);
      this.statements.set(sql, statement);
      return statement;
    }
    statement = this.db.prepare(sql);
    if (this.statements.size >= this.cacheSize) this.statements.delete(this.statements.keys().next().value!);
    this.statements.set(sql, statement);
    return statement;
  }

  /** How many prepared statements the cache holds now. */
  get cachedStatements(): number {
    return this.statements.size;
  }

  /** Runs several statements (schema text of the store modules; never guest input). */
  exec(sql: string): void {
    this.db.exec(sql);
  }

  /**
   * Runs `fn` in one write transaction taken at once (`BEGIN IMMEDIATE`: another writer waits, up to
   * the busy timeout); nested calls become savepoints. Never a deferred `BEGIN`: in WAL mode a
   * transaction that reads first cannot become a writer once another connection has committed, and
   * SQLite then fails it at once with "database is locked" (SQLITE_BUSY_SNAPSHOT), without waiting.
   */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  /**
   * Runs async `fn` inside `BEGIN IMMEDIATE` … `COMMIT`; any failure (of `fn` or of the commit)
   * rolls back. better-sqlite3's `transaction` cannot wrap async work, so this is the explicit form.
   * The caller keeps other writers of this connection out while it awaits (the write gate).
   */
  async asyncImmediateTransaction<T>(fn: () => Promise<T>): Promise<T> {
    this.db.exec("BEGIN IMMEDIATE");
    try {
      const result = await fn();
      this.db.exec("COMMIT");
      return result;
    } catch (error) {
      if (this.db.inTransaction) this.db.exec("ROLLBACK");
      throw error;
    }
  }

  get open(): boolean {
    return this.db.open;
  }

  close(): void {
    this.statements.clear();
    if (this.db.open) this.db.close();
  }
}

/** Opens a database; see `SqliteDb.open`. */
export function openSqlite(file: string, options: SqliteOptions = {}): SqliteDb {
  return SqliteDb.open(file, options);
}
