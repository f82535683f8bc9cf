/**
 * Undo by row images. While a reversible action is applied, temporary triggers (TEMP: on this
 * connection only, created and dropped inside the apply transaction, so nothing of the library's
 * schema changes) log every insert, update and delete of the tables library writes touch, with
 * each row's values as SQL literals (`quote()`, exact for blobs and reals). Undo restores the
 * before-images: it refuses (SDX3016) when any of those rows changed since, and when the restored
 * state would leave a reference dangling (someone else now points at a row the action created).
 * Generic over everything the handlers do (tag rows, metadata rows, blob reference counts), so
 * "undo" means the previous state, not an approximation of it.
 */
import type Database from "better-sqlite3";
import { sdxError } from "../errors.js";
import type { Library } from "./library.js";

/** One row an action changed: its before- and after-image, for undo. */
export interface RowChange {
  table: string;
  rowid: number;
  columns: string[];
  /** `json_array(quote(col), …)` before the action, or null when the action inserted the row. */
  before: string | null;
  /** The same after the action, or null when the action deleted it. */
  after: string | null;
}

/** Tables the library's write ops touch (entries and content identities: an action's file operations). */
const CAPTURED = [
  "models", "model_versions", "model_blobs", "metadata_blobs", "user_metadata", "user_metadata_blobs",
  "tags", "tag_links", "collections", "collection_items", "sidecars", "entries", "content_identities",
] as const;


const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`;

function columnsOf(db: Database.Database, table: string): string[] {
  return (db.prepare(`PRAGMA main.table_info(${ident(table)})`).all() as Array<{ name: string }>).map((c) => c.name);
}

/** The SQL expression of a row's image; `prefix` is NEW/OLD inside triggers, "" for a plain select. */
const image = (prefix: "NEW." | "OLD." | "", columns: readonly string[]) => `json_array(${columns.map((c) => `quote(${prefix}${ident(c)})`).join(", ")})`;

export class ChangeCapture {
  private constructor(
    private readonly db: Database.Database,
    private readonly columns: ReadonlyMap<string, string[]>,
  ) {}

  /** Starts logging; call inside the transaction that makes the changes. */
  static start(library: Library): ChangeCapture {
    const db = library.db;
    if (!db.inTransaction) throw new Error("ChangeCapture.start must run inside a transaction");
    db.exec("CREATE TEMP TABLE IF NOT EXISTS sdx_capture (seq INTEGER PRIMARY KEY, tbl TEXT NOT NULL, rid INTEGER NOT NULL, old TEXT, new TEXT)");
    db.exec("DELETE FROM temp.sdx_capture");
    const columns = new Map<string, string[]>();
    for (const table of CAPTURED) {
      const cols = columnsOf(db, table);
      columns.set(table, cols);
      const log = (rid: string, old: string, next: string) => `INSERT INTO temp.sdx_capture (tbl, rid, old, new) VALUES ('${table}', ${rid}, ${old}, ${next})`;
      db.exec(`
        CREATE TEMP TRIGGER sdx_capture_${table}_i AFTER INSERT ON main.${ident(table)} BEGIN ${log("NEW.rowid", "NULL", image("NEW.", cols))}; END;
        CREATE TEMP TRIGGER sdx_capture_${table}_u AFTER UPDATE ON main.${ident(table)} BEGIN ${log("OLD.rowid", image("OLD.", cols), image("NEW.", cols))}; END;
        CREATE TEMP TRIGGER sdx_capture_${table}_d AFTER DELETE ON main.${ident(table)} BEGIN ${log("OLD.rowid", image("OLD.", cols), "NULL")}; END;`);
    }
    return new ChangeCapture(db, columns);
  }

  /** Stops logging and returns the net change of every row that changed, in first-touched order. */
  finish(): RowChange[] {
    const rows = this.db.prepare("SELECT tbl, rid, old, new FROM temp.sdx_capture ORDER BY seq").all() as Array<{ tbl: string; rid: number; old: string | null; new: string | null }>;
    this.stop();
    const net = new Map<string, RowChange>();
    for (const row of rows) {
      const key = `${row.tbl}:${row.rid}`;
      const seen = net.get(key);
      if (seen) seen.after = row.new;
      else net.set(key, { table: row.tbl, rowid: row.rid, columns: this.columns.get(row.tbl)!, before: row.old, after: row.new });
    }
    return [...net.values()].filter((c) => c.before !== c.after);
  }

  /** Drops the triggers (also what a rollback does). */
  stop(): void {
    for (const table of CAPTURED) {
      for (const suffix of ["i", "u", "d"]) this.db.exec(`DROP TRIGGER IF EXISTS temp.sdx_capture_${table}_${suffix}`);
    }
    this.db.exec("DELETE FROM temp.sdx_capture");
  }
}

function currentImage(db: Database.Database, change: RowChange): string | null {
  const row = db.prepare(`SELECT ${image("", change.columns)} AS image FROM main.${ident(change.table)} WHERE rowid = ?`).get(change.rowid) as { image: string } | undefined;
  return row?.image ?? null;
}

/**
 * Restores the before-images of `changes` in one transaction. `onDone` runs inside it (the audit
 * row). Throws SDX3016 and changes nothing when the library changed since.
 */
export function undoRowChanges(library: Library, changes: readonly RowChange[], onDone: () => void): void {
  const db = library.db;
  const foreignKeys = db.pragma("foreign_keys", { simple: true }) as number;
  // Off so restoring rows in any order neither fails nor cascades; checked explicitly below.
  db.pragma("foreign_keys = OFF");
  try {
    db.transaction(() => {
      for (const change of changes) {
        if (currentImage(db, change) !== change.after) {
          throw sdxError("SDX3016", `the library changed since the action (${change.table} row ${change.rowid} is not as the action left it); it cannot be undone safely`);
        }
      }
      for (const change of [...changes].reverse()) {
        const table = `main.${ident(change.table)}`;
        if (change.before === null) {
          db.prepare(`DELETE FROM ${table} WHERE rowid = ?`).run(change.rowid);
          continue;
        }
        const values = JSON.parse(change.before) as string[];
        if (change.after === null) {
          db.exec(`INSERT INTO ${table} (rowid, ${change.columns.map(ident).join(", ")}) VALUES (${change.rowid}, ${values.join(", ")})`);
        } else {
          db.exec(`UPDATE ${table} SET ${change.columns.map((c, i) => `${ident(c)} = ${values[i]}`).join(", ")} WHERE rowid = ${change.rowid}`);
        }
      }
      const dangling = CAPTURED.flatMap((t) => db.pragma(`foreign_key_check(${ident(t)})`) as Array<{ table: string; parent: string }>);
      if (dangling.length > 0) {
        throw sdxError("SDX3016", `the library changed since the action: ${dangling[0].table} rows now refer to ${dangling[0].parent} rows the action created; it cannot be undone safely`);
      }
      onDone();
    }).immediate();
  } finally {
    db.pragma(`foreign_keys = ${foreignKeys ? "ON" : "OFF"}`);
  }
}
