import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Library } from "./library.js";
import { GroupTransaction } from "./group-transaction.js";

// Two real connections to one library file: `mine` is a worker's, `other` another thread's.
const opened: Library[] = [];
function twoConnections(): { mine: Library; other: Library } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sdx-group-"));
  const mine = Library.open(dir);
  const other = Library.open(dir);
  opened.push(mine, other);
  mine.db.exec("CREATE TABLE IF NOT EXISTS t (v INTEGER)");
  return { mine, other };
}
afterEach(() => {
  for (const library of opened.splice(0)) library.close();
});

const count = (library: Library): number => (library.db.prepare("SELECT count(*) AS n FROM t").get() as { n: number }).n;
// A group that never commits on its own: every test ends transactions explicitly, no timer races.
const group = (library: Library, errors: unknown[] = []) => new GroupTransaction(library, (e) => errors.push(e), { maxMs: 60_000, maxCalls: 1_000_000 });

describe("GroupTransaction", () => {
  it("commits a group of writes once; other connections see them only after the commit", async () => {
    const { mine, other } = twoConnections();
    const tx = group(mine);
    for (let i = 0; i < 3; i++) await tx.write(async () => void mine.db.prepare("INSERT INTO t VALUES (?)").run(i));
    expect(count(other)).toBe(0);
    tx.commit();
    expect(count(other)).toBe(3);
  });

  it("reads share a snapshot until it ends, then see other connections' commits", async () => {
    const { mine, other } = twoConnections();
    const tx = group(mine);
    expect(await tx.read(async () => count(mine))).toBe(0);
    other.db.prepare("INSERT INTO t VALUES (1)").run(); // another connection commits meanwhile
    expect(await tx.read(async () => count(mine))).toBe(0);
    tx.commit();
    expect(await tx.read(async () => count(mine))).toBe(1);
  });

  it("a write after reads ends the snapshot instead of upgrading it (which SQLite refuses once another connection committed)", async () => {
    const { mine, other } = twoConnections();
    const tx = group(mine);
    await tx.read(async () => count(mine));
    other.db.prepare("INSERT INTO t VALUES (1)").run();
    await tx.write(async () => void mine.db.prepare("INSERT INTO t VALUES (2)").run());
    tx.commit();
    expect(count(other)).toBe(2);
  });

  it("a read while a write is still running keeps a write transaction, so the write never lands in a snapshot", async () => {
    const { mine, other } = twoConnections();
    const tx = group(mine);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const writing = tx.write(async () => {
      await gate; // the handler awaits (e.g. preparing blobs) before it writes
      mine.db.prepare("INSERT INTO t VALUES (1)").run();
    });
    tx.commit(); // the group ends while the write waits (its timer fired)
    await tx.read(async () => count(mine)); // a read opens the next transaction: a write one
    other.db.pragma("busy_timeout = 0");
    expect(() => other.db.exec("BEGIN IMMEDIATE")).toThrow(/locked|busy/i);
    release();
    await writing;
    tx.commit();
    expect(count(other)).toBe(1);
  });

  it("a write a read makes on the side (the audit row of a refusal) waits for the snapshot to end", async () => {
    const { mine, other } = twoConnections();
    const tx = group(mine);
    await tx.read(async () => {
      tx.whenWritable(() => void mine.db.prepare("INSERT INTO t VALUES (7)").run());
      return count(mine);
    });
    other.db.prepare("INSERT INTO t VALUES (1)").run();
    expect(count(other)).toBe(1);
    tx.commit();
    expect(count(other)).toBe(2);
  });

  it("runs afterCommit callbacks once the writes are durable and reports a callback's error without losing the others", async () => {
    const { mine } = twoConnections();
    const errors: unknown[] = [];
    const tx = group(mine, errors);
    const ran: string[] = [];
    await tx.write(async () => void mine.db.prepare("INSERT INTO t VALUES (1)").run());
    tx.afterCommit(() => {
      throw new Error("listener broke");
    });
    tx.afterCommit(() => ran.push("second"));
    expect(ran).toEqual([]);
    tx.commit();
    expect(ran).toEqual(["second"]);
    expect(errors).toHaveLength(1);
  });

  it("runs a handler's own transaction inside the group without a savepoint; one refused before it writes leaves the group as it was", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sdx-group-"));
    const statements: string[] = [];
    const mine = Library.open(dir, { verbose: (sql) => statements.push(sql) });
    const other = Library.open(dir);
    opened.push(mine, other);
    mine.db.exec("CREATE TABLE t (v INTEGER)");
    const tx = group(mine);
    await tx.write(async () => mine.transaction(() => void mine.db.prepare("INSERT INTO t VALUES (1)").run()));
    const refused = tx.write(async () =>
      mine.transaction(() => {
        throw new Error("refused before writing");
      }));
    await expect(refused).rejects.toThrow("refused before writing");
    await tx.write(async () => mine.transaction(() => void mine.db.prepare("INSERT INTO t VALUES (2)").run()));
    tx.commit();
    expect(count(other)).toBe(2);
    expect(tx.failure()).toBeNull();
    expect(statements.filter((sql) => /SAVEPOINT/i.test(sql))).toEqual([]);
  });

  it("a handler's transaction that fails after writing rolls the whole group back: nothing half-made commits, and the group fails", async () => {
    const { mine, other } = twoConnections();
    const tx = group(mine);
    await tx.write(async () => void mine.db.prepare("INSERT INTO t VALUES (1)").run());
    const halfway = tx.write(async () =>
      mine.transaction(() => {
        mine.db.prepare("INSERT INTO t VALUES (2)").run();
        mine.db.prepare("INSERT INTO missing_table VALUES (3)").run(); // SQLite fails after a row was written
      }));
    await expect(halfway).rejects.toThrow(/missing_table/);
    expect(mine.db.inTransaction).toBe(false);
    expect(tx.failure()?.message).toMatch(/missing_table/);
    await expect(tx.write(async () => void mine.db.prepare("INSERT INTO t VALUES (4)").run())).rejects.toThrow(/missing_table/);
    tx.commit();
    expect(count(other)).toBe(0);
  });

  it("outside a group, a nested transaction is still a savepoint that rolls back alone", () => {
    const { mine } = twoConnections();
    mine.transaction(() => {
      mine.db.prepare("INSERT INTO t VALUES (1)").run();
      expect(() =>
        mine.transaction(() => {
          mine.db.prepare("INSERT INTO t VALUES (2)").run();
          throw new Error("inner");
        })).toThrow("inner");
    });
    expect(count(mine)).toBe(1);
  });
});
