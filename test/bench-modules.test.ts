/**
 * `npm run bench` imports every scripts/bench/*.mjs before it runs any: one stale import (a module
 * that moved to another package) stops the whole run. Each section must load in Node against the
 * built packages and export its `run()`. (In a child Node process: vitest's module runner does
 * not fail on a named import that does not exist, Node does.)
 */
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";

const dir = fileURLToPath(new URL("../scripts/bench/", import.meta.url));
/** Modules the sections import (they load with them), not sections. */
const HELPERS = new Set(["util.mjs", "worker-calls.mjs"]);
const sections = readdirSync(dir).filter((f) => f.endsWith(".mjs") && !HELPERS.has(f));

const LOADER = `
const out = {};
for (const file of JSON.parse(process.argv[1])) {
  try { out[file] = typeof (await import(new URL(file, process.argv[2]).href)).run; }
  catch (error) { out[file] = String(error.message).split("\\n")[0]; }
}
process.stdout.write(JSON.stringify(out));
`;

describe("benchmark sections", () => {
  it("each loads in Node and exports run()", () => {
    const loaded = JSON.parse(
      execFileSync(process.execPath, ["--input-type=module", "-e", LOADER, JSON.stringify(sections), pathToFileURL(dir).href], { encoding: "utf8", timeout: 60_000 }),
    ) as Record<string, string>;
    expect(loaded).toEqual(Object.fromEntries(sections.map((file) => [file, "function"])));
  });
});
