/**
 * A damaged library.db: recognizing it, and checking it without changing it.
 *
 * SQLite reports a file that is not a database (random bytes, a zeroed first page) as
 * SQLITE_NOTADB and a damaged page as SQLITE_CORRUPT*, wherever a query first touches it. Such an
 * error is the library's state, not a bug in sdx: `libraryDamaged` turns it into SDX3034, saying
 * what is wrong and how to recover. `checkLibrary` (`sdx library check`) opens the file read-only
 * and runs SQLite's full integrity check; it writes nothing, not even a WAL checkpoint.
 */
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { LIBRARY_SCHEMA_VERSION, SDX_APPLICATION_ID } from "./migrations.js";
import { sdxError, type SdxError } from "./errors.js";

/** Whether `error` is SQLite saying the file is not a database or is corrupt. */
export function isDamage(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && (code === "SQLITE_NOTADB" || code.startsWith("SQLITE_CORRUPT"));
}

/** SDX3034 for a damage error of the database `file`; other errors are returned as they are. */
export function libraryDamaged(error: unknown, file: string): unknown {
  if (!isDamage(error)) return error;
  const what = (error as { code: string }).code === "SQLITE_NOTADB" ? "is not a readable SQLite database (its header is damaged, or it is not a database at all)" : "has damaged pages";
  const damaged: SdxError = sdxError("SDX3034",
    `${file} ${what}: ${(error as Error).message}. Nothing was changed. See \`sdx library check --library ${path.dirname(file)}\`; ` +
      `keep ${path.basename(file)}-wal if it exists (it may hold the latest commits) and restore ${path.basename(file)} from a backup`,
    { file, sqlite: (error as { code: string }).code });
  (damaged as Error).cause = error;
  return damaged;
}

export interface LibraryCheck {
  file: string;
  ok: boolean;
  /** Bytes of library.db, and of its write-ahead log (null when there is none). */
  bytes: number;
  walBytes: number | null;
  /** `PRAGMA user_version` and `application_id`, when the header could be read. */
  schemaVersion: number | null;
  applicationId: number | null;
  /** What SQLite's integrity check and sdx's own checks found (empty when ok). */
  problems: string[];
  /** What to do next, in order. */
  advice: string[];
}

const MAX_PROBLEMS = 100;

/** Checks `<dir>/library.db` read-only: header, sdx identity, schema version, every page and index, foreign keys. */
export function checkLibrary(dir: string, fileName = "library.db"): LibraryCheck {
  const file = path.join(path.resolve(dir), fileName);
  if (!fs.existsSync(file)) throw sdxError("SDX3023", `there is no library at ${path.resolve(dir)} (no ${fileName})`);
  const wal = `${file}-wal`;
  const result: LibraryCheck = {
    file, ok: false, bytes: fs.statSync(file).size, walBytes: fs.existsSync(wal) ? fs.statSync(wal).size : null,
    schemaVersion: null, applicationId: null, problems: [], advice: [],
  };
  let db: Database.Database | null = null;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    result.applicationId = db.pragma("application_id", { simple: true }) as number;
    result.schemaVersion = db.pragma("user_version", { simple: true }) as number;
    if (result.applicationId !== 0 && result.applicationId !== SDX_APPLICATION_ID) result.problems.push(`it is an SQLite file of another application (application_id ${result.applicationId})`);
    if (result.schemaVersion > LIBRARY_SCHEMA_VERSION) result.problems.push(`its schema version ${result.schemaVersion} is newer than this sdx reads (${LIBRARY_SCHEMA_VERSION}); upgrade sdx`);
    const integrity = (db.pragma(`integrity_check(${MAX_PROBLEMS})`) as Array<{ integrity_check: string }>).map((r) => r.integrity_check);
    if (!(integrity.length === 1 && integrity[0] === "ok")) result.problems.push(...integrity);
    const dangling = (db.pragma("foreign_key_check") as unknown[]).length;
    if (dangling > 0) result.problems.push(`${dangling} rows refer to rows that do not exist (foreign_key_check)`);
  } catch (error) {
    const code = (error as { code?: string }).code;
    result.problems.push(code === "SQLITE_NOTADB" ? "it is not a readable SQLite database: its header is damaged, or it is not a database at all" : `SQLite cannot read it: ${(error as Error).message}${code ? ` (${code})` : ""}`);
  } finally {
    db?.close();
  }
  result.ok = result.problems.length === 0;
  if (!result.ok) result.advice = adviceFor(result);
  return result;
}

function adviceFor(check: LibraryCheck): string[] {
  const base = path.basename(check.file);
  return [
    "Stop every sdx process (and app) using this library; nothing in it was changed by this check.",
    `Copy ${base}${check.walBytes !== null ? `, ${base}-wal` : ""} and ${base}-shm (if present) somewhere safe before anything else` +
      (check.walBytes !== null ? `: ${base}-wal holds ${check.walBytes} bytes of commits that may not be in ${base} yet, and deleting it loses them.` : "."),
    `Restore ${base} from a backup (with the -wal file of the same moment, if it was backed up), then run \`sdx library check\` again.`,
    `Without a backup, salvage what is readable with the sqlite3 shell: \`sqlite3 ${base} ".recover" | sqlite3 recovered.db\`, check recovered.db with \`sdx library check\`, and put it in place of ${base}.`,
  ];
}
