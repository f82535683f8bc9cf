/**
 * `sdx dev` end to end with real saves: the job runs after the first build and again after every
 * save (in place or by rename, as editors do), its log streams, a throw shows the author's
 * file:line:col, a build error keeps the last install, and `--action` previews on every save.
 * Every wait is for an output line (the test's timeout bounds it), never for a time.
 */
import { describe, expect, it } from "vitest";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sdx, tempDir } from "./helpers/cli.js";
import { startSdx, type LineReader } from "./helpers/lines.js";

interface Event { event: string; state?: string; ok?: boolean; result?: unknown; error?: { code: string; message: string; stack?: string } | null; preview?: { changes: unknown[] } }

/** The first JSON line of `event` after line `after` (-1: from the start). */
async function next(out: LineReader, after: number, event: string): Promise<{ value: Event; index: number }> {
  return out.find(after + 1, (line) => {
    if (!line.startsWith("{")) return undefined;
    const parsed = JSON.parse(line) as Event;
    return parsed.event === event ? parsed : undefined;
  });
}

/** Saves like vim or JetBrains: a temporary file renamed over the source. */
function saveByRename(file: string, text: string): void {
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
}

describe("sdx dev", () => {
  it("runs the job on every save with logs, mapped stacks and results", { timeout: 300_000 }, async () => {
    const work = tempDir("sdx-dev-");
    const project = join(work, "ext");
    const notes = join(work, "notes");
    mkdirSync(notes);
    writeFileSync(join(notes, "a.txt"), "one two three");
    writeFileSync(join(notes, "b.txt"), "four five");
    expect((await sdx(["init", project])).status).toBe(0);
    const source = join(project, "src", "index.ts");
    const original = readFileSync(source, "utf8");

    const dev = startSdx(["--json", "dev", project, "--job", "countAll", "--param", `location=${notes}`]);
    try {
      const first = await next(dev.stdout, -1, "run");
      expect(first.value).toMatchObject({ state: "completed", error: null });
      await next(dev.stdout, first.index, "watching");
      expect(dev.stderr.lines).toContain("[org.example.ext] counted 2 files");

      // A throw: the failure names the line of the author's TypeScript.
      const throwing = original.replace("console.log(`counted ${done} files`);", "console.log(`counted ${done} files`);\n    throw new Error(\"boom at the end\");");
      const throwLine = throwing.split("\n").findIndex((l) => l.includes("boom at the end")) + 1;
      saveByRename(source, throwing);
      const failed = await next(dev.stdout, first.index, "run");
      expect(failed.value).toMatchObject({ state: "failed", error: { message: "boom at the end" } });
      expect(failed.value.error!.stack).toContain(`src/index.ts:${throwLine}:`);
      await dev.stderr.find(0, (l) => (l.includes(`src/index.ts:${throwLine}:`) ? true : undefined));

      // A build error: no run; the next good save runs the new code and prints its result.
      writeFileSync(source, original.replace("let done = 0;", "let done: string = 0;"));
      const broken = await next(dev.stdout, failed.index, "build");
      expect(broken.value.ok).toBe(false);
      const returning = original.replace("Promise<void> {\n    const entries", "Promise<number> {\n    const entries").replace("console.log(`counted ${done} files`);", "console.log(`counted ${done} files`);\n    return done * 10;");
      writeFileSync(source, returning);
      const rebuilt = await next(dev.stdout, broken.index, "build");
      expect(rebuilt.value.ok).toBe(true);
      const again = await next(dev.stdout, rebuilt.index, "run");
      expect(again.value).toMatchObject({ state: "completed", result: 20 });
      expect(dev.stdout.lines.slice(broken.index, rebuilt.index).some((l) => l.includes('"event":"run"'))).toBe(false);
    } finally {
      expect(await dev.interrupt()).toBe(0);
    }
  });

  it("--action shows the action's preview after every save and applies nothing; --ui serves the UI preview", { timeout: 300_000 }, async () => {
    const work = tempDir("sdx-dev-action-");
    const project = join(work, "ext");
    const notes = join(work, "notes");
    mkdirSync(notes);
    writeFileSync(join(notes, "a.txt"), "one");
    expect((await sdx(["init", project])).status).toBe(0);
    const source = join(project, "src", "index.ts");
    const withAction = (tag: string) =>
      readFileSync(source, "utf8")
        .replace("type Entry,", "type Entry, action, actionExecute, type ActionContext, type ActionPreview,")
        .replace(/\n}\s*$/, `
  @action({ title: "Tag notes" })
  async tagNotes(ctx: ActionContext, location: SdPath): Promise<ActionPreview> {
    const entries = await ctx.vdfs().queryEntries().inLocation(location).collect();
    return { title: "Tag notes", reversible: true, changes: entries.map((e) => ({ type: "add_tag" as const, target: { content: e.contentUuid }, tag: "${tag}" })) };
  }

  @actionExecute()
  async tagNotesExecute(ctx: ActionContext, preview: ActionPreview): Promise<void> {
    ctx.log.info(preview.title);
  }
}
`);
    writeFileSync(source, withAction("#first"));
    const dev = startSdx(["--json", "dev", project, "--action", "tagNotes", "--param", `location=${notes}`, "--ui"]);
    try {
      // --ui: the UI preview is served from the first install on.
      const ui = await next(dev.stdout, -1, "ui");
      const page = await fetch((ui.value as unknown as { url: string }).url);
      expect(page.status).toBe(200);
      const first = await next(dev.stdout, -1, "preview");
      expect(first.value).toMatchObject({ state: "previewed", preview: { changes: [{ type: "add_tag", tag: "#first" }] } });
      await next(dev.stdout, first.index, "watching");
      await dev.stderr.find(0, (l) => (l.includes("a.txt") ? true : undefined)); // the preview table names the file
      saveByRename(source, readFileSync(source, "utf8").replace('"#first"', '"#second"'));
      const second = await next(dev.stdout, first.index, "preview");
      expect(second.value).toMatchObject({ state: "previewed", preview: { changes: [{ type: "add_tag", tag: "#second" }] } });
    } finally {
      expect(await dev.interrupt()).toBe(0);
    }
    const actions = await sdx(["--json", "actions", "list", "--library", join(project, ".sdx-dev", "library")]);
    expect(actions.status, actions.stderr).toBe(0);
    const listed = (JSON.parse(actions.stdout) as { actions: Array<{ state: string }> }).actions;
    expect(listed.map((a) => a.state)).toEqual(["previewed", "previewed"]);
  });
});
