/**
 * What `sdx run` and `sdx jobs show` tell an author, through the real binary on a project built
 * with `sdx build`: a task's exception with its stack pointing at the author's TypeScript (the
 * bundle's source map, mapped by the host), a logged error's stack mapped too, log data printed,
 * the job's return value printed, and parameters checked before the folder is indexed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { sdx, sdxJson, tempDir } from "./helpers/cli.js";

const work = tempDir("sdx-run-output-");
const project = join(work, "stacks");
const notes = join(work, "notes");
let bundle = "";

const HELPERS = `export function explode(word: string): never {
  throw new Error("cannot count " + word);
}
`;

const INDEX = `import { extension, job, task, Permission, type JobContext, type TaskContext, type Entry, type SdPath } from "@sdx/sdk";
import { explode } from "./helpers.js";

@extension({ id: "org.example.stacks", name: "Stacks", version: "0.1.0", description: "", minCoreVersion: "2.0.0",
  requiredFeatures: [], permissions: [Permission.readEntries({ glob: "**/*.txt" }), Permission.writeTags()] })
export class Stacks {
  @task({ retries: 0, timeoutMs: 5000 })
  async count(ctx: TaskContext, entry: Entry): Promise<number> {
    const text = new TextDecoder().decode(await entry.read());
    if (text.includes("bad")) explode(entry.name);
    return text.split(/\\s+/).filter(Boolean).length;
  }

  @job({ parallelism: 1, trigger: "user_initiated" })
  async countAll(ctx: JobContext, location: SdPath): Promise<{ files: number; words: number }> {
    let words = 0;
    const entries = await ctx.vdfs().queryEntries().inLocation(location).collect();
    for (const entry of entries) words += await ctx.run(this.count, entry);
    ctx.log.info("counted", { files: entries.length, words });
    return { files: entries.length, words };
  }

  @job({ parallelism: 1, trigger: "user_initiated" })
  async floating(ctx: JobContext, location: SdPath, fail: boolean): Promise<string> {
    const entry = (await ctx.vdfs().queryEntries().inLocation(location).first())!;
    // Not awaited: fails (no such content) when asked to.
    ctx.vdfs().addTagToContent(fail ? "00000000-0000-4000-8000-000000000000" : entry.contentUuid, "#floating");
    // Not awaited at first, handled later: never a failure.
    const later = ctx.vdfs().addTagToContent("00000000-0000-4000-8000-000000000001", "#later");
    await ctx.vdfs().tagsOf({ content: entry.contentUuid });
    await later.catch(() => undefined);
    return "returned";
  }

  @job({ parallelism: 1, trigger: "user_initiated" })
  async logError(ctx: JobContext): Promise<void> {
    console.error(new Error("logged on purpose"));
  }

  @job({ parallelism: 1, trigger: "user_initiated" })
  async badUrl(ctx: JobContext): Promise<string> {
    return new URL("not a url").href;
  }
}
`;

/** 1-based line and column of `needle` in `text`. */
function position(text: string, needle: string): { line: number; col: number } {
  const offset = text.indexOf(needle);
  const before = text.slice(0, offset).split("\n");
  return { line: before.length, col: before.at(-1)!.length + 1 };
}

function entries(library: string): number {
  const db = new Database(join(library, "library.db"), { readonly: true });
  try {
    return (db.prepare("SELECT count(*) AS n FROM entries").get() as { n: number }).n;
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  expect((await sdx(["init", project, "--id", "org.example.stacks"])).status).toBe(0);
  writeFileSync(join(project, "src", "helpers.ts"), HELPERS);
  writeFileSync(join(project, "src", "index.ts"), INDEX);
  const build = await sdxJson<{ bundlePath: string }>(["build", project]);
  expect(build.status, build.stderr).toBe(0);
  bundle = build.json.bundlePath;
  mkdirSync(notes);
  writeFileSync(join(notes, "a.txt"), "one two three");
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("sdx run output", () => {
  it("refuses an unknown parameter before indexing anything", async () => {
    const library = join(work, "lib-params");
    const run = await sdxJson<{ error: { code: string; message: string } }>(["run", bundle, "countAll", "--library", library, "--param", `location=${notes}`, "--param", "colour=red"]);
    expect(run.status).toBe(1);
    expect(run.json.error.code).toBe("SDX3012");
    expect(run.json.error.message).toContain('"colour"');
    expect(entries(library)).toBe(0);
  });

  it("prints the job's return value and the data of log lines", async () => {
    const run = await sdx(["run", bundle, "countAll", "--library", join(work, "lib-ok"), "--param", `location=${notes}`]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/result \{\s+"files": 1,\s+"words": 3\s+\}/);
    expect(run.stderr).toContain('[org.example.stacks] counted {"files":1,"words":3}');
  });

  it("shows a task's exception with its stack at the author's TypeScript, in sdx run and sdx jobs show", async () => {
    const library = join(work, "lib-throw");
    const bad = join(work, "bad-notes");
    mkdirSync(bad);
    writeFileSync(join(bad, "b.txt"), "bad words");
    const thrower = position(HELPERS, "Error(");
    const caller = position(INDEX, "explode(entry.name)");

    const run = await sdxJson<{ jobId: string; state: string; error: { code: string; name: string; cause: { message: string; stack: string } } }>(
      ["run", bundle, "countAll", "--library", library, "--param", `location=${bad}`]);
    expect(run.status).toBe(1);
    expect(run.json.error).toMatchObject({ code: "SDX3006", name: "TaskFailed" });
    expect(run.json.error.cause.message).toBe("cannot count b.txt");
    const frames = run.json.error.cause.stack.split("\n");
    expect(frames[0]).toBe(`    at explode (src/helpers.ts:${thrower.line}:${thrower.col})`);
    expect(frames[1]).toBe(`    at count (src/index.ts:${caller.line}:${caller.col})`);
    expect(run.json.error.cause.stack).not.toContain(".guest.js");

    const human = await sdx(["run", bundle, "countAll", "--library", library, "--param", `location=${bad}`]);
    expect(human.status).toBe(1);
    expect(human.stdout).toContain(`at explode (src/helpers.ts:${thrower.line}:${thrower.col})`);
    expect(human.stdout).toContain(`at count (src/index.ts:${caller.line}:${caller.col})`);

    const show = await sdx(["jobs", "show", run.json.jobId, "--library", library]);
    expect(show.status).toBe(0);
    expect(show.stdout).toContain(`at explode (src/helpers.ts:${thrower.line}:${thrower.col})`);
  });

  it("fails a job whose un-awaited SDK call failed, naming the call, and logs it", async () => {
    const library = join(work, "lib-floating");
    const failed = await sdxJson<{ state: string; error: { code: string; name: string; message: string; cause: { code: string } } }>(
      ["run", bundle, "floating", "--library", library, "--param", `location=${notes}`, "--param", "fail=true"]);
    expect(failed.status).toBe(1);
    expect(failed.json.state).toBe("failed");
    expect(failed.json.error).toMatchObject({ code: "SDX3040", name: "UnhandledRejection", cause: { code: "SDX3008" } });
    expect(failed.json.error.message).toContain("vdfs.addTagToContent");
    expect(failed.stderr).toMatch(/\[org\.example\.stacks\] vdfs\.addTagToContent\(…\) was not awaited and failed: SDX3008/);

    // The same job whose un-awaited call succeeds completes, and the call took effect.
    const ok = await sdxJson<{ state: string; result: string }>(["run", bundle, "floating", "--library", library, "--param", `location=${notes}`, "--param", "fail=false"]);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.json).toMatchObject({ state: "completed", result: "returned" });
    const db = new Database(join(library, "library.db"), { readonly: true });
    const tagged = db.prepare("SELECT count(*) AS n FROM tag_links tl JOIN tags t ON t.id = tl.tag_id WHERE t.name = '#floating'").get() as { n: number };
    db.close();
    expect(tagged.n).toBe(1);
  });

  it("maps the stack of an error the extension logs", async () => {
    const library = join(work, "lib-log");
    const run = await sdx(["run", bundle, "logError", "--library", library]);
    expect(run.status, run.stderr).toBe(0);
    const logged = position(INDEX, 'Error("logged on purpose")');
    expect(run.stderr).toContain(`at logError (src/index.ts:${logged.line}:`);
    expect(run.stderr).not.toContain(".guest.js");
    const file = readFileSync(join(library, "logs", "org.example.stacks.log"), "utf8");
    expect(file).toContain(`src/index.ts:${logged.line}:`);
  });

  it("shows an error thrown inside a Web API at the author's call, the API's own frames as the runtime", async () => {
    const run = await sdxJson<{ state: string; error: { code: string; message: string; stack?: string } }>(["run", bundle, "badUrl", "--library", join(work, "lib-url")]);
    expect(run.json.state).toBe("failed");
    expect(run.json.error.message).toContain("Invalid URL: not a url");
    const stack = JSON.stringify(run.json.error);
    const call = position(INDEX, 'URL("not a url")'); // QuickJS points at the callee
    expect(stack).toContain(`at … (sdx runtime)\\n    at badUrl (src/index.ts:${call.line}:${call.col})`);
    expect(stack).not.toContain("sdx:runtime");
    expect(stack).not.toContain("<input>");
  });
});
