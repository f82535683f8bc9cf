/**
 * `sdx jobs …` and `sdx action(s) …` through the real binary against a real extension built with
 * `sdx build` (test/fixtures/crash-extension): listing with --json, pause from another process
 * while the job runs (held at a gate the test opens), resume after a SIGKILL, cancel, exit statuses; an action previewed as a
 * table, refused without a terminal or --yes, applied with --yes, and undone.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
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

interface HeldChild { jobId: string; release: () => void; kill: () => void; exited: Promise<string[]> }

/**
 * Starts the child host on a library with a job of `count` items in batches of one; resolves once
 * the job is held at its first progress call (child.mjs `hold`: one item done, the rest waiting).
 * Until `release`, the job is certainly running, however slow the machine: what the test does
 * meanwhile (pause, cancel, kill) never races the job's end.
 */
function startHeldChild(library: string, count: number): Promise<HeldChild> {
  const child = spawn(process.execPath, [join(FIXTURE, "child.mjs"), library, bundle, String(count), "1", "hold"], { stdio: ["pipe", "pipe", "inherit"] });
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
        if (line.startsWith('{"held"')) {
          const { jobId } = JSON.parse(line) as { jobId: string };
          resolve({ jobId, exited, release: () => child.stdin!.end(), kill: () => child.kill("SIGKILL") });
        }
      }
    });
    child.on("exit", () => reject(new Error(`child ended before its job was held: ${lines.join("\n")}`)));
  });
}

/**
 * A job's state and progress as stored: read directly where the CLI's own output is not what is
 * tested (each CLI run costs a second of CPU, many seconds on a busy machine).
 */
const stored = (library: string, id: string) => {
  const db = new Database(join(library, "jobs.db"), { readonly: true });
  try {
    return db.prepare("SELECT state, progress_done AS done FROM jobs WHERE id = ?").get(id) as { state: string; done: number | null };
  } finally {
    db.close();
  }
};
const tagCount = (library: string, tag: string) => {
  const db = new Database(join(library, "library.db"), { readonly: true });
  try {
    return (db.prepare("SELECT count(*) AS n FROM tag_links tl JOIN tags t ON t.id = tl.tag_id WHERE t.name = ?").get(tag) as { n: number }).n;
  } finally {
    db.close();
  }
};

/** A library where `sdx run` ran `crunch` over 40 items: the jobs and action tests read it. */
const seeded = join(work, "lib-run");
let seededRun: { status: number; json: { state: string; jobId: string }; stderr: string };

beforeAll(async () => {
  const project = join(work, "project");
  cpSync(FIXTURE, project, { recursive: true });
  const build = await sdxJson<{ bundlePath: string }>(["build", project]);
  expect(build.status, build.stderr).toBe(0);
  bundle = build.json.bundlePath;
  seededRun = await sdxJson<{ state: string; jobId: string }>(["run", bundle, "crunch", "--library", seeded, "--param", "count=40", "--param", "batch=10"]);
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("sdx jobs", () => {
  it("run exits 0 for a completed job; jobs list and jobs show print it", async () => {
    const run = seededRun;
    expect(run.status, run.stderr).toBe(0);
    expect(run.json.state).toBe("completed");
    const list = await sdxJson<{ jobs: JobJson[] }>(["jobs", "list", "--library", seeded]);
    expect(list.json.jobs).toEqual([expect.objectContaining({ id: run.json.jobId, extension: EXT, name: "crunch", state: "completed", progress: { done: 40, total: 40, message: "batch 4" } })]);
    const show = await sdxJson<{ tasks: { completed: number }; runs: number; events: Array<{ kind: string }> }>(["jobs", "show", run.json.jobId, "--library", seeded]);
    expect(show.json).toMatchObject({ tasks: { completed: 40 }, runs: 1 });
    expect(show.json.events.map((e) => e.kind)).toEqual(expect.arrayContaining(["started", "checkpoint", "completed"]));
    expect((await sdx(["jobs", "show", run.json.jobId, "--library", seeded])).stdout).toContain("40 completed, 0 failed");
  });

  it("exit 1 for a parameter of the wrong type (SDX3012) or a library that is not there; 2 for a usage error", async () => {
    const bad = await sdxJson<{ error: { code: string } }>(["run", EXT, "crunch", "--library", seeded, "--param", "count=many", "--param", "batch=10"]);
    expect(bad.status).toBe(1);
    expect(bad.json.error.code).toBe("SDX3012");
    expect((await sdx(["jobs", "list", "--library", join(work, "nowhere")])).status).toBe(1);
    expect((await sdx(["action", "tagBig", "--library", seeded])).status).toBe(2);
  });

  it("pauses a job running in another process and resumes it here", async () => {
    const library = join(work, "lib-pause");
    const held = await startHeldChild(library, 3);
    expect(stored(library, held.jobId)).toEqual({ state: "running", done: null });
    const pause = await sdxJson<{ state: string; previous: string }>(["jobs", "pause", held.jobId, "--library", library]);
    expect(pause.json).toEqual({ id: held.jobId, state: "paused", previous: "running" });
    held.release(); // the job's next host call finds it paused
    expect((await held.exited).some((l) => l.includes('"outcome":"paused"'))).toBe(true);
    expect(stored(library, held.jobId)).toEqual({ state: "paused", done: 1 });

    const resumed = await sdxJson<{ state: string }>(["jobs", "resume", held.jobId, "--library", library]);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.json.state).toBe("completed");
    expect(stored(library, held.jobId)).toEqual({ state: "completed", done: 3 });
  });

  it("resumes a job whose process was killed", async () => {
    // SIGKILL mid-job: the row stays "running" with a dead owner until someone resumes it.
    const library = join(work, "lib-kill");
    const held = await startHeldChild(library, 3);
    held.kill();
    await held.exited;
    expect(stored(library, held.jobId).state).toBe("running");
    const again = await sdxJson<{ state: string }>(["jobs", "resume", held.jobId, "--library", library]);
    expect(again.status, again.stderr).toBe(0);
    expect(again.json.state).toBe("completed");
    expect(stored(library, held.jobId)).toEqual({ state: "completed", done: 3 });
  });

  it("cancels; a cancelled job cannot be resumed (exit 1)", async () => {
    const library = join(work, "lib-cancel");
    const held = await startHeldChild(library, 3);
    expect((await sdxJson(["jobs", "cancel", held.jobId, "--library", library])).json).toMatchObject({ state: "cancelled" });
    held.release();
    expect((await held.exited).some((l) => l.includes('"outcome":"cancelled"'))).toBe(true);
    const resume = await sdxJson<{ error: { code: string } }>(["jobs", "resume", held.jobId, "--library", library]);
    expect(resume.status).toBe(1);
    expect(resume.json.error.code).toBe("SDX3022");
  });
});

describe("sdx action", () => {
  // The two steps share the seeded library: the refused preview is the first action record.
  it("shows the preview, and without a terminal or --yes refuses and changes nothing", async () => {
    const refused = await sdx(["action", `${EXT}.tagBig`, "--library", seeded, "--param", "threshold=1000"]);
    expect(refused.status).toBe(1);
    expect(refused.stdout).toMatch(/Tag 8 item\(s\) #big — 8 change\(s\), reversible/);
    expect(refused.stdout).toContain("square 1521");
    // The apply command it suggests keeps the parameters.
    expect(refused.stdout).toMatch(/not applied: there is no terminal to confirm on.*--param threshold=1000 --yes/);
    expect(tagCount(seeded, "#big")).toBe(0);

    // --json without --yes: the documented summary (stored preview, nothing applied), exit 1.
    const unconfirmed = await sdxJson<{ actionId: string; state: string; preview: { changes: unknown[] }; error: unknown }>(["action", `${EXT}.tagBig`, "--library", seeded, "--param", "threshold=1000"]);
    expect(unconfirmed.status).toBe(1);
    expect(unconfirmed.json).toMatchObject({ state: "previewed", error: null });
    expect(unconfirmed.json.preview.changes).toHaveLength(8);
    expect(tagCount(seeded, "#big")).toBe(0);

    const previewOnly = await sdx(["action", `${EXT}.tagBig`, "--library", seeded, "--param", "threshold=1000", "--preview"]);
    expect(previewOnly.status).toBe(0);
    expect(previewOnly.stdout).toMatch(/apply with: sdx action org\.sdx\.crashtest\.tagBig --library \S+ --param threshold=1000 --yes/);
  });

  it("applies with --yes, lists it, and undoes it once", async () => {
    const applied = await sdxJson<{ actionId: string; state: string; preview: { changes: unknown[] } }>(["action", `${EXT}.tagBig`, "--library", seeded, "--param", "threshold=1000", "--yes"]);
    expect(applied.status, applied.stderr).toBe(0);
    expect(applied.json).toMatchObject({ state: "executed" });
    expect(applied.json.preview.changes).toHaveLength(8);
    expect(tagCount(seeded, "#big")).toBe(8);

    const list = await sdxJson<{ actions: Array<{ actionId: string; state: string; undoable: boolean }> }>(["actions", "list", "--library", seeded]);
    expect(list.json.actions.map((a) => a.state)).toEqual(["previewed", "previewed", "previewed", "executed"]);
    expect(list.json.actions[3]).toMatchObject({ actionId: applied.json.actionId, undoable: true });

    const undo = await sdxJson<{ state: string }>(["actions", "undo", applied.json.actionId, "--library", seeded]);
    expect(undo.status).toBe(0);
    expect(undo.json.state).toBe("undone");
    expect(tagCount(seeded, "#big")).toBe(0);
    expect((await sdx(["actions", "undo", applied.json.actionId, "--library", seeded])).status).toBe(1);
  });
});
