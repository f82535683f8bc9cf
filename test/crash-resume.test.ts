/**
 * Crash injection. A child host process (test/fixtures/crash-extension/child.mjs, the built
 * packages/host/dist) runs a 500-task job of a real extension built with `sdx build`, and is
 * SIGKILLed at random points — while starting, installing, recovering, replaying, writing — at
 * least 20 times per test run. Each next child resumes the job on `Host.open`. Every run must end
 * with a library identical to an uninterrupted run's (same models, data, blob hashes, tags and
 * collections; canonical dump), no duplicated model, and no more work redone per kill than the
 * tasks that were in flight.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { cpSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { canonicalDump, type CanonicalDump } from "../packages/host/src/jobs/__tests__/library-dump.js";
import { sdxJson, tempDir } from "./helpers/cli.js";

const FIXTURE = fileURLToPath(new URL("./fixtures/crash-extension/", import.meta.url));
const CHILD = join(FIXTURE, "child.mjs");
const EXTENSION = "org.sdx.crashtest";
const COUNT = 500;
const BATCH = 10;
const PARALLELISM = 4;
const MIN_KILLS = 20;

interface ChildRun {
  killed: boolean;
  tasks: number[];
  done: boolean;
}

/** Runs one child; kills it with SIGKILL after `killAfterMs` unless it finished first. */
function runChild(library: string, bundle: string, killAfterMs: number | null): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, library, bundle, String(COUNT), String(BATCH)], { stdio: ["ignore", "pipe", "pipe"] });
    const run: ChildRun = { killed: false, tasks: [], done: false };
    let buffer = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split("\n");
      buffer = lines.pop()!;
      for (const line of lines) {
        const event = JSON.parse(line) as { task?: number; done?: boolean };
        if (event.task !== undefined) run.tasks.push(event.task);
        if (event.done) run.done = true;
      }
    });
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = killAfterMs === null ? null : setTimeout(() => {
      run.killed = child.kill("SIGKILL");
    }, killAfterMs);
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      if (timer) clearTimeout(timer);
      if (signal === "SIGKILL") return resolve({ ...run, killed: true });
      if (code !== 0) return reject(new Error(`child exited with ${code}: ${stderr}`));
      resolve(run);
    });
  });
}

function inspect(library: string): { dump: CanonicalDump; jobs: Array<{ state: string; runs: number }> } {
  const db = new Database(join(library, "library.db"), { readonly: true });
  const jobsDb = new Database(join(library, "jobs.db"), { readonly: true });
  try {
    return { dump: canonicalDump(db, EXTENSION), jobs: jobsDb.prepare("SELECT state, runs FROM jobs").all() as Array<{ state: string; runs: number }> };
  } finally {
    db.close();
    jobsDb.close();
  }
}

const work = tempDir("sdx-crash-");
let bundle = "";
let reference: CanonicalDump;

beforeAll(async () => {
  const project = join(work, "project");
  cpSync(FIXTURE, project, { recursive: true });
  const build = await sdxJson<{ ok: boolean; bundlePath: string }>(["build", project]);
  expect(build.status, build.stderr).toBe(0);
  bundle = build.json.bundlePath;
  const library = join(work, "reference");
  const run = await runChild(library, bundle, null);
  expect(run.done).toBe(true);
  reference = inspect(library).dump;
}, 60_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("crash injection", () => {
  it("the uninterrupted run wrote what the job promises", async () => {
    expect(reference).toMatchObject({ models: COUNT + COUNT / BATCH, duplicates: 0, collections: COUNT / BATCH });
  });

  it(`resumes after ${MIN_KILLS}+ SIGKILLs at random points to the library of an uninterrupted run`, async () => {
    let kills = 0;
    let scenarios = 0;
    const summary: string[] = [];
    while (kills < MIN_KILLS) {
      scenarios++;
      const library = join(work, `crash-${scenarios}`);
      const executions: number[] = [];
      let killsHere = 0;
      for (;;) {
        // Random points: early ones land in start-up, install and recovery; later ones mid-job.
        const delay = killsHere < 6 ? 120 + Math.floor(Math.random() * 1_700) : null;
        const run = await runChild(library, bundle, delay);
        executions.push(...run.tasks);
        if (run.killed) {
          killsHere++;
          continue;
        }
        expect(run.done).toBe(true);
        break;
      }
      kills += killsHere;
      const { dump, jobs } = inspect(library);
      expect(jobs, `scenario ${scenarios}`).toHaveLength(1);
      expect(jobs[0].state).toBe("completed");
      expect(dump.duplicates).toBe(0);
      expect(dump.text === reference.text, `scenario ${scenarios}: the library differs from the uninterrupted run`).toBe(true);
      // Every task ran at least once; what ran again is bounded by what was in flight at each kill.
      expect(new Set(executions).size).toBe(COUNT);
      const redone = executions.length - COUNT;
      expect(redone).toBeLessThanOrEqual(PARALLELISM * killsHere);
      summary.push(`scenario ${scenarios}: ${killsHere} kills, ${jobs[0].runs} runs, ${redone} task(s) redone`);
    }
    expect(kills).toBeGreaterThanOrEqual(MIN_KILLS);
    console.log(summary.join("\n"));
  }, 150_000);
});
