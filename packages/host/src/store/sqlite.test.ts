import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Catalog } from "./ai-catalog.js";
import { JOBS_DB_FILE, JobStore } from "./job-store.js";
import { Library } from "./library.js";
import { CATALOG_PRAGMAS, LIBRARY_PRAGMAS, MEMORY, openSqlite, type Db } from "./sqlite.js";

const dirs: string[] = [];
const tempDir = (): string => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sdx-sqlite-"));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

const pragmas = (db: Db) => ({
  journal: db.pragma("journal_mode", { simple: true }),
  synchronous: db.pragma("synchronous", { simple: true }),
  foreignKeys: db.pragma("foreign_keys", { simple: true }),
  busyTimeout: db.pragma("busy_timeout", { simple: true }),
});

describe("sqlite.ts", () => {
  it("opens library.db and jobs.db with the same pragmas: WAL, synchronous NORMAL, foreign keys, 5 s busy timeout", () => {
    const dir = tempDir();
    const library = Library.open(path.join(dir, "lib"));
    const jobs = JobStore.open(path.join(library.dir, JOBS_DB_FILE));
    try {
      const expected = { journal: "wal", synchronous: 1, foreignKeys: 1, busyTimeout: LIBRARY_PRAGMAS.busyTimeoutMs };
      expect(pragmas(library.db)).toEqual(expected);
      expect(pragmas(jobs.db)).toEqual(expected);
    } finally {
      jobs.close();
      library.close();
    }
  });

  it("opens catalog.db the same way, with a longer busy timeout", () => {
    const catalog = new Catalog(tempDir());
    try {
      expect(pragmas(catalog.db)).toEqual({ journal: "wal", synchronous: 1, foreignKeys: 1, busyTimeout: CATALOG_PRAGMAS.busyTimeoutMs });
    } finally {
      catalog.close();
    }
  });

  it("leaves a scratch database at SQLite's defaults and closes it when its migration fails", () => {
    const scratch = openSqlite(MEMORY, { pragmas: null });
    expect(pragmas(scratch.db)).toMatchObject({ journal: "memory", synchronous: 2 }); // FULL: nothing set
    scratch.close();
    let opened: Db | null = null;
    expect(() => openSqlite(MEMORY, { migrate: (db) => { opened = db; throw new Error("bad migration"); } })).toThrow("bad migration");
    expect(opened!.open).toBe(false);
  });

  it("bounds the statement cache, dropping the least recently used statement", () => {
    const sqlite = openSqlite(MEMORY, { statementCacheSize: 4 });
    try {
      const kept = sqlite.stmt("SELECT 0 AS n");
      for (let i = 1; i <= 10; i++) {
        sqlite.stmt(`SELECT ${i} AS n`);
        expect(sqlite.stmt("SELECT 0 AS n")).toBe(kept); // used again: never the one dropped
      }
      expect(sqlite.cachedStatements).toBe(4);
      expect(sqlite.stmt("SELECT 10 AS n").get()).toEqual({ n: 10 });
    } finally {
      sqlite.close();
    }
  });

  it("commits an async immediate transaction when it resolves and rolls it back when it fails", async () => {
    const sqlite = openSqlite(MEMORY);
    try {
      sqlite.exec("CREATE TABLE t (v INTEGER)");
      await sqlite.asyncImmediateTransaction(async () => {
        sqlite.stmt("INSERT INTO t VALUES (1)").run();
        await new Promise((resolve) => setTimeout(resolve, 1));
        sqlite.stmt("INSERT INTO t VALUES (2)").run();
      });
      await expect(sqlite.asyncImmediateTransaction(async () => {
        sqlite.stmt("INSERT INTO t VALUES (3)").run();
        await Promise.resolve();
        throw new Error("no");
      })).rejects.toThrow("no");
      expect(sqlite.db.inTransaction).toBe(false);
      expect(sqlite.stmt("SELECT v FROM t ORDER BY v").all()).toEqual([{ v: 1 }, { v: 2 }]);
    } finally {
      sqlite.close();
    }
  });

  it("a transaction that reads and then writes is never refused because another connection committed in between (no deferred BEGIN)", () => {
    const dir = tempDir();
    const file = path.join(dir, "t.db");
    const mine = openSqlite(file);
    const other = openSqlite(file);
    try {
      mine.exec("CREATE TABLE t (v INTEGER)");
      other.db.pragma("busy_timeout = 0");
      let otherCommitted = true;
      mine.transaction(() => {
        mine.db.prepare("SELECT count(*) FROM t").get(); // a read first: a deferred BEGIN would now hold a snapshot
        try {
          other.db.prepare("INSERT INTO t VALUES (1)").run();
        } catch {
          otherCommitted = false; // the write lock is ours since BEGIN: the other writer waits (here: fails at once)
        }
        mine.db.prepare("INSERT INTO t VALUES (2)").run(); // with a snapshot older than the other commit: SQLITE_BUSY_SNAPSHOT
      });
      expect(otherCommitted).toBe(false);
      expect(mine.db.prepare("SELECT v FROM t").pluck().all()).toEqual([2]);
    } finally {
      other.close();
      mine.close();
    }
  });
});
