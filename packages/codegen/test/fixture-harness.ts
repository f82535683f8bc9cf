/**
 * Golden-fixture helpers. A fixture is a project under `fixtures/<case>/`:
 * - `valid-*`: `expected/{manifest.json,schema.sql,bindings.ts,entry.ts}` hold the artifacts.
 * - `bad-*`: `diagnostics.txt` holds the rendered, color-free diagnostics.
 * Expected diagnostics are written by hand in the sources, under the line they belong to:
 *     permissions: [Permission.readEverything()],
 *     //                       ^ SDX1005
 * The caret's column is the expected column. Diagnostics without a place, or at a column a
 * comment cannot reach, are listed in `expect.txt` as `<file>:<line>:<col> <code>` or `<code>`.
 * `UPDATE_SNAPSHOTS=1` rewrites expected/ and diagnostics.txt; markers are never rewritten.
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), "fixtures");
export const UPDATE = process.env.UPDATE_SNAPSHOTS === "1";

export function fixtureNames(prefix: string): string[] {
  return readdirSync(FIXTURES)
    .filter((n) => n.startsWith(prefix) && statSync(join(FIXTURES, n)).isDirectory())
    .sort();
}

function sourceFiles(dir: string, root = dir): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (name === "expected" || name === "node_modules" || name === "generated") continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path, root));
    else if (name.endsWith(".ts")) out.push(path);
  }
  return out;
}

/** `src/index.ts:12:5 SDX1003` for every marker of the fixture, sorted. */
export function expectedMarkers(dir: string): string[] {
  const out: string[] = [];
  for (const file of sourceFiles(dir)) {
    const rel = relative(dir, file).split(sep).join("/");
    let codeLine = 0;
    readFileSync(file, "utf8")
      .split("\n")
      .forEach((line, i) => {
        const m = /^\s*\/\/\s*\^\s+(.+)$/.exec(line);
        if (!m) {
          codeLine = i + 1;
          return;
        }
        const col = line.indexOf("^") + 1;
        for (const code of m[1]!.trim().split(/\s+/)) out.push(`${rel}:${codeLine}:${col} ${code}`);
      });
  }
  const extra = join(dir, "expect.txt");
  if (existsSync(extra)) {
    for (const line of readFileSync(extra, "utf8").split("\n")) {
      const t = line.trim();
      if (t && !t.startsWith("#")) out.push(t);
    }
  }
  return out.sort();
}

export function actualMarkers(json: ReadonlyArray<{ code: string; file: string; line: number; col: number }>): string[] {
  return json.map((d) => (d.file ? `${d.file}:${d.line}:${d.col} ${d.code}` : d.code)).sort();
}

/** Compares `actual` with the file (or writes it under UPDATE_SNAPSHOTS=1). */
export function expectFile(path: string, actual: string): void {
  if (UPDATE || !existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, actual);
    if (!UPDATE) throw new Error(`${path} did not exist; it was written: review it and rerun`);
    return;
  }
  expect(actual, path).toBe(readFileSync(path, "utf8"));
}
