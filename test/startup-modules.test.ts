/**
 * What a host command loads before it does anything: the image libraries (sharp loads libvips,
 * ~180 ms cold; exifr) and the terminal's progress bar are loaded on first use, so a command that
 * never touches an image, or runs without a terminal, does not pay for them at every start. In a
 * child Node process against the built packages, as `sdx` runs.
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const RUN_COMMAND = fileURLToPath(new URL("../packages/cli/dist/commands/run.js", import.meta.url));

const PROBE = `
import { createRequire } from "node:module";
await import(process.argv[1]);
const loaded = Object.keys(createRequire(import.meta.url).cache);
const has = (name) => loaded.some((file) => file.includes("/node_modules/" + name + "/"));
process.stdout.write(JSON.stringify({ sharp: has("sharp"), exifr: has("exifr"), cliProgress: has("cli-progress") }));
`;

describe("startup", () => {
  it("the run command loads no image library and no progress bar until one is needed", () => {
    const loaded = JSON.parse(execFileSync(process.execPath, ["--input-type=module", "-e", PROBE, RUN_COMMAND], { encoding: "utf8", timeout: 60_000 })) as Record<string, boolean>;
    expect(loaded).toEqual({ sharp: false, exifr: false, cliProgress: false });
  });
});
