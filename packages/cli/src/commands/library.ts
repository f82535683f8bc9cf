/**
 * `sdx library check --library <dir>`: whether library.db is intact (SQLite's full integrity check,
 * the sdx identity and schema version, foreign keys), read-only, and what to do when it is not.
 * Exit 1 when a problem is found.
 */
import { resolve } from "node:path";
import pc from "picocolors";
import { checkLibrary, type LibraryCheck } from "@sdx/host";
import { formatBytes, type CommandResult } from "../output.js";

export async function libraryCheck(options: { library: string }): Promise<CommandResult<LibraryCheck>> {
  const check = checkLibrary(resolve(options.library));
  const wal = check.walBytes === null ? "no write-ahead log" : `write-ahead log ${formatBytes(check.walBytes)}`;
  const head = `${check.file} (${formatBytes(check.bytes)}, ${wal}${check.schemaVersion === null ? "" : `, schema version ${check.schemaVersion}`})`;
  if (check.ok) return { data: check, human: `${pc.green("✔")} ${head}: intact` };
  const shown = check.problems.slice(0, 20);
  return {
    data: check,
    human: [
      `${pc.red("✘")} ${head}: damaged`,
      ...shown.map((p) => `  ${p}`),
      ...(check.problems.length > shown.length ? [pc.dim(`  … and ${check.problems.length - shown.length} more (--json lists up to 100)`)] : []),
      "",
      pc.bold("To recover"),
      ...check.advice.map((a, i) => `  ${i + 1}. ${a}`),
    ].join("\n"),
    exitCode: 1,
  };
}
