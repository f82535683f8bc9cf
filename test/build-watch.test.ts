/**
 * `sdx build --watch` through the real binary, with the saves editors make: a temporary file
 * renamed over the source (vim, JetBrains, formatters), a write in place, a new imported file, a
 * save that breaks the build and one that fixes it. Every rebuild must carry what is on disk: the
 * test reads generated/manifest.json after each rebuild line and waits until it shows the save,
 * so a watcher that goes stale (a missed save, an old manifest) makes the test time out.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sdx, tempDir } from "./helpers/cli.js";
import { startSdx, type SdxProcess } from "./helpers/lines.js";

const work = tempDir("sdx-watch-");
const project = join(work, "watched");
const index = join(project, "src", "index.ts");
let watch: SdxProcess;

interface BuildLine { ok: boolean; diagnostics: Array<{ code: string }> }

const retriesInManifest = (): number => {
  const manifest = JSON.parse(readFileSync(join(project, "generated", "manifest.json"), "utf8")) as { tasks: Array<{ retries: number }> };
  return manifest.tasks[0]!.retries;
};

/** Replaces the task's `retries` in `text`. */
const withRetries = (text: string, retries: number) => text.replace(/retries: \d+/, `retries: ${retries}`);

/** Waits (from line `from` of stdout) for a successful rebuild whose manifest says `retries`. */
async function builtWith(from: number, retries: number): Promise<number> {
  const { index: at } = await watch.stdout.find(from, (line) => {
    const build = JSON.parse(line) as BuildLine;
    return build.ok && retriesInManifest() === retries ? true : undefined;
  });
  return at + 1;
}

beforeAll(async () => {
  expect((await sdx(["init", project])).status).toBe(0);
  writeFileSync(index, withRetries(readFileSync(index, "utf8"), 7));
  watch = startSdx(["--json", "build", "--watch", project]);
  await watch.stderr.find(0, (line) => (line.includes("watching for changes") ? true : undefined));
});

afterAll(async () => {
  if (watch.child.exitCode === null) await watch.interrupt();
  rmSync(work, { recursive: true, force: true });
});

describe("sdx build --watch", () => {
  it("rebuilds on every save, whichever way the editor saves", { timeout: 120_000 }, async () => {
    let next = await builtWith(0, 7); // the first build

    // vim: write a new file beside it, rename it over the source.
    writeFileSync(`${index}.tmp`, withRetries(readFileSync(index, "utf8"), 8));
    renameSync(`${index}.tmp`, index);
    next = await builtWith(next, 8);

    // JetBrains: a differently named temporary file, renamed the same way.
    writeFileSync(`${index}___jb_tmp___`, withRetries(readFileSync(index, "utf8"), 5));
    renameSync(`${index}___jb_tmp___`, index);
    next = await builtWith(next, 5);

    // In place.
    writeFileSync(index, withRetries(readFileSync(index, "utf8"), 3));
    next = await builtWith(next, 3);

    // A save that breaks the build is reported; the save that fixes it builds again.
    const good = readFileSync(index, "utf8");
    writeFileSync(`${index}.tmp`, withRetries(good, -1));
    renameSync(`${index}.tmp`, index);
    const broken = await watch.stdout.find(next, (line) => {
      const build = JSON.parse(line) as BuildLine;
      return build.ok ? undefined : build;
    });
    expect(broken.value.diagnostics.map((d) => d.code)).toContain("SDX1013");
    writeFileSync(`${index}.tmp`, withRetries(good, 4));
    renameSync(`${index}.tmp`, index);
    next = await builtWith(broken.index + 1, 4);

    // A new module the entry starts importing is picked up, and so is a save of that module alone.
    const limits = join(project, "src", "limits.ts");
    writeFileSync(limits, "export const RETRIES = 6;\n");
    writeFileSync(`${index}.tmp`, `import { RETRIES } from "./limits.js";\n${readFileSync(index, "utf8").replace(/retries: \d+/, "retries: RETRIES")}`);
    renameSync(`${index}.tmp`, index);
    next = await builtWith(next, 6);
    writeFileSync(`${limits}.tmp`, "export const RETRIES = 9;\n");
    renameSync(`${limits}.tmp`, limits);
    await builtWith(next, 9);

    expect(await watch.interrupt()).toBe(0);
  });
});
