/** Copies of fixtures in the OS temp directory (outside the repository: no node_modules above them). */
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterAll } from "vitest";
import { FIXTURES } from "./fixture-harness.js";

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A fresh copy of fixture `name` (sources only) in a new temp directory. */
export function tempCopy(name: string): string {
  const root = mkdtempSync(join(tmpdir(), "sdx-codegen-"));
  made.push(root);
  const dir = join(root, name);
  cpSync(join(FIXTURES, name), dir, {
    recursive: true,
    filter: (src) => !["expected", "diagnostics.txt", "generated"].includes(basename(src)),
  });
  return dir;
}
