/**
 * `sdx jobs …` and `sdx action(s) …` through the real binary against a real extension built with
 * `sdx build` (test/fixtures/crash-extension): listing with --json, pause from another process
 * while the job runs, resume after a SIGKILL, cancel, exit statuses; an action previewed as a
 * table, refused without a terminal or --yes, applied with --yes, and undone.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { cpSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { sdx, sdxJson, tempDir } from "./helpers/cli.js";

const FIXTURE = fileURLToPath(new URL("./fixtures/crash-extension/", import.meta.url));
const EXT = "org.sdx.crashtest";
const work = tempDir("sdx-jobs-cli-");
let bundle = "";

interface JobJson { id: string; extension: string; name: string; state: string; progress: { done: number; total: number } | null }

/** Starts the child host on a library; resolves once its job reported progress. */
function startChild(library: string, count: number): Promise<{ child: ChildProcess; exited: Promise<string[]> }> {
  const child = spawn(process.execPath, [join(FIXTURE, "child.mjs"), library, bundle, String(count), "10"], { stdio: ["ignore", "pipe", "inherit"] });
  const lines: string[] = [];
  let buffer = "";
  const exited = new Promise<string[]>((resolve) => child.on("exit", () => resolve(lines)));
  return new Promise((resolve, reject) => {
    child.stdout!.on("data", (chunk: Buffer) => {
      buffer += chunk.toString();
      const parts = buffer.split("\n");
      buffer = parts.pop()!;
      for (const line of parts) {
        lines.push(line);
        if (line.includes('"progress"')) resolve({ child, exited });
      }
    });
    child.on("exit", () => reject(new Error(`child ended before any progress: ${lines.join("\n")}`)));
  });
}

const jobs = (library: string) => sdxJson<{ jobs: JobJson[] }>(["jobs", "list", "--library", library]);
const tagCount = (library: string, tag: string) => {
  const db = new Database(join(library, "library.db"), { readonly: true });
  try {
    return (db.prepare("SELECT count(*) AS n FROM tag_links tl JOIN tags t ON t.id = tl.tag_id WHERE t.name = ?").get(tag) as { n: number }).n;
  } finally {
    db.close();
  }
};

beforeAll(() => {
  const project = join(work, "project");
  cpSync(FIXTURE, project, { recursive: true });
  const build = sdxJson<{ bundlePath: string }>(["build", project]);
  expect(build.status, build.stderr).toBe(0);
  bundle = build.json.bundlePath;
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("sdx jobs", () => {
  it("runs, lists and shows jobs; run's exit status says whether the job completed", () => {
    const library = join(work, "lib-run");
    const run = sdxJson<{ state: string; jobId: string }>(["run", bundle, "crunch", "--library", library, "--param", "count=40", "--param", "batch=10"]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.json.state).toBe("completed");
    const list = jobs(library);
    expect(list.status).toBe(0);
    expect(list.json.jobs).toEqual([expect.objectContaining({ id: run.json.jobId, extension: EXT, name: "crunch", state: "completed", progress: { done: 40, total: 40, message: "batch 4" } })]);
    const show = sdxJson<{ tasks: { completed: number }; runs: number; events: Array<{ kind: string }> }>(["jobs", "show", run.json.jobId, "--library", library]);
    expect(show.json).toMatchObject({ tasks: { completed: 40 }, runs: 1 });
    expect(show.json.events.map((e) => e.kind)).toEqual(expect.arrayContaining(["started", "checkpoint", "completed"]));
    expect(sdx(["jobs", "show", run.json.jobId, "--library", library]).stdout).toContain("40 completed, 0 failed");

    const bad = sdxJson<{ error: { code: string } }>(["run", EXT, "crunch", "--library", library, "--param", "count=many", "--param", "batch=10"]);
    expect(bad.status).toBe(1);
    expect(bad.json.error.code).toBe("SDX3012");
    expect(sdx(["jobs", "list", "--library", join(work, "nowhere")]).status).toBe(1);
  });

  it("pauses a job running in another process, resumes it here, and resumes a job whose process was killed", async () => {
    const library = join(work, "lib-pause");
    const { exited } = await startChild(library, 500);
    const running = jobs(library).json.jobs[0];
    expect(running.state).toBe("running");
    const pause = sdxJson<{ state: string; previous: string }>(["jobs", "pause", running.id, "--library", library]);
    expect(pause.json).toEqual({ id: running.id, state: "paused", previous: "running" });
    expect((await exited).some((l) => l.includes('"outcome":"paused"'))).toBe(true);
    const paused = jobs(library).json.jobs[0];
    expect(paused.state).toBe("paused");
    expect(paused.progress!.done).toBeLessThan(500);

    const resumed = sdxJson<{ state: string }>(["jobs", "resume", running.id, "--library", library]);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.json.state).toBe("completed");
    expect(jobs(library).json.jobs[0]).toMatchObject({ state: "completed", progress: { done: 500, total: 500 } });

    // SIGKILL mid-job: the row stays "running" with a dead owner until someone resumes it.
    const killedLibrary = join(work, "lib-kill");
    const killed = await startChild(killedLibrary, 300);
    killed.child.kill("SIGKILL");
    await killed.exited;
    const orphan = jobs(killedLibrary).json.jobs[0];
    expect(orphan.state).toBe("running");
    const again = sdxJson<{ state: string }>(["jobs", "resume", orphan.id, "--library", killedLibrary]);
    expect(again.status, again.stderr).toBe(0);
    expect(again.json.state).toBe("completed");
  });

  it("cancels; a cancelled job cannot be resumed (exit 1)", async () => {
    const library = join(work, "lib-cancel");
    const { exited } = await startChild(library, 500);
    const id = jobs(library).json.jobs[0].id;
    expect(sdxJson(["jobs", "cancel", id, "--library", library]).json).toMatchObject({ state: "cancelled" });
    expect((await exited).some((l) => l.includes('"outcome":"cancelled"'))).toBe(true);
    const resume = sdxJson<{ error: { code: string } }>(["jobs", "resume", id, "--library", library]);
    expect(resume.status).toBe(1);
    expect(resume.json.error.code).toBe("SDX3022");
  });
});

describe("sdx action", () => {
  it("shows the preview, refuses without a terminal or --yes, applies with --yes, and undoes", () => {
    const library = join(work, "lib-action");
    expect(sdx(["run", bundle, "crunch", "--library", library, "--param", "count=40", "--param", "batch=10"]).status).toBe(0);

    const refused = sdx(["action", `${EXT}.tagBig`, "--library", library, "--param", "threshold=1000"]);
    expect(refused.status).toBe(1);
    expect(refused.stdout).toMatch(/Tag 8 item\(s\) #big — 8 change\(s\), reversible/);
    expect(refused.stdout).toContain("square 1521");
    // The apply command it suggests keeps the parameters.
    expect(refused.stdout).toMatch(/not applied: there is no terminal to confirm on.*--param threshold=1000 --yes/);
    expect(tagCount(library, "#big")).toBe(0);

    // --json without --yes: the documented summary (stored preview, nothing applied), exit 1.
    const unconfirmed = sdxJson<{ actionId: string; state: string; preview: { changes: unknown[] }; error: unknown }>(["action", `${EXT}.tagBig`, "--library", library, "--param", "threshold=1000"]);
    expect(unconfirmed.status).toBe(1);
    expect(unconfirmed.json).toMatchObject({ state: "previewed", error: null });
    expect(unconfirmed.json.preview.changes).toHaveLength(8);
    expect(tagCount(library, "#big")).toBe(0);

    const previewOnly = sdx(["action", `${EXT}.tagBig`, "--library", library, "--param", "threshold=1000", "--preview"]);
    expect(previewOnly.status).toBe(0);
    expect(previewOnly.stdout).toMatch(/apply with: sdx action org\.sdx\.crashtest\.tagBig --library \S+ --param threshold=1000 --yes/);

    const applied = sdxJson<{ actionId: string; state: string; preview: { changes: unknown[] } }>(["action", `${EXT}.tagBig`, "--library", library, "--param", "threshold=1000", "--yes"]);
    expect(applied.status, applied.stderr).toBe(0);
    expect(applied.json).toMatchObject({ state: "executed" });
    expect(applied.json.preview.changes).toHaveLength(8);
    expect(tagCount(library, "#big")).toBe(8);

    const list = sdxJson<{ actions: Array<{ actionId: string; state: string; undoable: boolean }> }>(["actions", "list", "--library", library]);
    expect(list.json.actions.map((a) => a.state)).toEqual(["previewed", "previewed", "previewed", "executed"]);
    expect(list.json.actions[3]).toMatchObject({ actionId: applied.json.actionId, undoable: true });

    const undo = sdxJson<{ state: string }>(["actions", "undo", applied.json.actionId, "--library", library]);
    expect(undo.status).toBe(0);
    expect(undo.json.state).toBe("undone");
    expect(tagCount(library, "#big")).toBe(0);
    expect(sdx(["actions", "undo", applied.json.actionId, "--library", library]).status).toBe(1);
    expect(sdx(["action", "tagBig", "--library", library]).status).toBe(2);
  });
});
