// Builds this extension and runs its job on a few text files in a fresh library, through the
// real sdx CLI (set SDX_BIN to use a specific sdx; default: `sdx` on PATH, which `npm test`
// finds in node_modules/.bin).
import { expect, test } from "vitest";
import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const project = join(dirname(fileURLToPath(import.meta.url)), "..");
const sdx = (...args) => {
  const bin = process.env.SDX_BIN;
  const [cmd, argv] = bin ? [process.execPath, [bin, ...args]] : ["sdx", args];
  return execFileSync(cmd, argv, { cwd: project, encoding: "utf8" });
};

test("countAll counts the words of every text file", { timeout: 120_000 }, () => {
  const work = mkdtempSync(join(tmpdir(), "sdx-ext-test-"));
  const notes = join(work, "notes");
  mkdirSync(notes);
  writeFileSync(join(notes, "a.txt"), "one two three");
  writeFileSync(join(notes, "b.txt"), "four five");
  const build = JSON.parse(sdx("--json", "build"));
  expect(build.ok).toBe(true);
  const run = JSON.parse(sdx("--json", "run", build.bundlePath, "countAll", "--library", join(work, "library"), "--param", `location=${notes}`));
  expect(run.state).toBe("completed");
  expect(run.library.models).toBe(2);
});
