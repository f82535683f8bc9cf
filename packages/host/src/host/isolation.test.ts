/**
 * Guests off the host's thread, seen from jobs: a job stuck in native code fails with SDX3003
 * while the host keeps beating its heartbeat and runs other jobs; another host (another process,
 * for all the library knows) pauses a computing job; a job whose hosts keep dying is abandoned
 * instead of resumed forever; an unrelated host does not resume a job whose host died. Each case
 * has its own library. Nothing here asserts speed, and no time limit is reachable except in the
 * one case about it: a busy machine changes no outcome.
 */
import { afterAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { guest } from "@sdx/sandbox/testing";
import { Host } from "./host.js";
import { bundleBytes, job, manifest, removeTempDirs, tempDir, UNREACHABLE_MS } from "../jobs/__tests__/fixtures.js";

const MANIFEST = manifest({
  id: "org.test.isolation",
  jobs: [job("stuck"), job("quick"), job("crunch", { params: [{ name: "rounds", optional: false, schema: { type: "number" } }] })],
});

const GUEST = guest(`{
  stuck() { callSync("log", { level: "info", message: "stuck: joining" }); return new Array(2 ** 32 - 1).join("").length; },
  quick() { return "quick"; },
  async crunch(ctx, rounds) {
    let x = 0;
    for (let i = 0; i < rounds; i++) {
      for (let j = 0; j < 200000; j++) x = (x * 31 + j) % 1000003;
      await call("jobs.progress", { jobId: ctx.jobId, done: i + 1, total: rounds });
    }
    return x;
  },
}`);

afterAll(removeTempDirs);

async function open(dir: string, options: Partial<Parameters<typeof Host.open>[0]> = {}): Promise<Host> {
  return Host.open({ libraryDir: dir, limits: { maxSliceMs: UNREACHABLE_MS }, ...options });
}

async function installed(dir: string, options: Partial<Parameters<typeof Host.open>[0]> = {}): Promise<Host> {
  const host = await open(dir, options);
  await host.install(await bundleBytes(MANIFEST, GUEST), { grants: [] });
  return host;
}

const heartbeat = (dir: string, jobId: string): string | null => {
  const db = new Database(join(dir, "jobs.db"), { readonly: true });
  try {
    return (db.prepare("SELECT heartbeat_at FROM jobs WHERE id = ?").get(jobId) as { heartbeat_at: string | null }).heartbeat_at;
  } finally {
    db.close();
  }
};

/** A pid that belonged to a process which has exited (and been reaped). */
function deadPid(): number {
  return Number(spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" }).stdout);
}

/** Makes a job look as if its host had been killed while running it. */
function orphan(dir: string, jobId: string): void {
  const db = new Database(join(dir, "jobs.db"));
  try {
    db.prepare("UPDATE jobs SET state = 'running', owner_pid = ?, owner_host = ?, owner_token = ?, heartbeat_at = ? WHERE id = ?")
      .run(deadPid(), hostname(), `dead-${randomUUID()}`, new Date().toISOString(), jobId);
  } finally {
    db.close();
  }
}

describe("jobs with guests off the host's thread", () => {
  it("fail a job stuck in a native loop with SDX3003 at the slice limit; the extension's next job runs", async () => {
    const host = await installed(join(tempDir(), "lib"), { limits: { maxSliceMs: 1_000 } });
    const outcome = await host.runJob(MANIFEST.id, "stuck", []);
    expect(outcome).toMatchObject({ state: "failed", error: { code: "SDX3003" } });
    expect(host.getJob(outcome.jobId)?.state).toBe("failed");
    expect((await host.runJob(MANIFEST.id, "quick", [])).state).toBe("completed");
    await host.close();
  });

  it("run another job and keep the heartbeat while a job's guest is stuck in a native loop", async () => {
    const dir = join(tempDir(), "lib");
    // No reachable slice limit: the guest stays stuck until the test closes the sandbox.
    const host = await installed(dir, { jobs: { heartbeatMs: 100 } });
    const stuck = host.runJob(MANIFEST.id, "stuck", []);
    let stuckDone = false;
    void stuck.then(() => (stuckDone = true));
    // Wait until the guest is inside the join (its log line arrived), then use the host meanwhile:
    // another extension's job runs (jobs of one extension take turns in its VM, so it is another one).
    while (!host.logs(MANIFEST.id).some((l) => l.message === "stuck: joining")) await new Promise((r) => setImmediate(r));
    await host.install(await bundleBytes({ ...MANIFEST, id: "org.test.bystander" }, GUEST), { grants: [] });
    const quick = await host.runJob("org.test.bystander", "quick", []);
    expect(quick).toMatchObject({ state: "completed", result: "quick" });
    expect(stuckDone).toBe(false);
    const stuckId = host.listJobs({ extensionId: MANIFEST.id }).find((j) => j.name === "stuck")!.id;
    // The heartbeat of the stuck job's owner goes on while its guest is stuck for seconds.
    const beat = heartbeat(dir, stuckId);
    while (heartbeat(dir, stuckId) === beat) await new Promise((r) => setTimeout(r, 20));
    expect(stuckDone).toBe(false);
    // Only terminating its worker ends it (a slice limit does too: the case above).
    await host.sandbox.close();
    expect((await stuck).state).toBe("failed");
    await host.close();
  });

  it("let another host pause a job while its guest computes; it resumes to the same result", async () => {
    const dir = join(tempDir(), "lib");
    const host = await installed(dir);
    const other = await open(dir, { recover: false });
    let jobId = "";
    const outcome = await host.runJob(MANIFEST.id, "crunch", { rounds: 40 }, {
      onProgress: (p) => {
        if (p.done === 3) other.pauseJob((jobId = host.listJobs({ state: "running" })[0]!.id));
      },
    });
    expect(outcome.state).toBe("paused");
    const resumed = await host.resumeJob(jobId);
    expect(resumed.state).toBe("completed");
    await other.close();
    await host.close();
  });

  it("abandon a job whose hosts died three times in a row without progress in between (SDX3029)", async () => {
    const dir = join(tempDir(), "lib");
    const first = await installed(dir, { recover: false });
    const done = await first.runJob(MANIFEST.id, "crunch", { rounds: 1 });
    await first.close();
    // Three deaths in a row: the job is resumed twice and abandoned the third time.
    const attempts: string[] = [];
    for (let death = 1; death <= 3; death++) {
      orphan(dir, done.jobId);
      const host = await open(dir, { recover: false });
      try {
        const outcome = await host.resumeJob(done.jobId);
        attempts.push(outcome.state);
      } catch (error) {
        attempts.push((error as { code: string }).code);
      }
      await host.close();
    }
    expect(attempts).toEqual(["completed", "completed", "SDX3029"]);
    const check = await open(dir, { recover: false });
    expect(check.getJob(done.jobId)).toMatchObject({ state: "failed", error: { code: "SDX3029", message: expect.stringContaining("died 3 times") } });
    await check.close();
  });

  it("leave a job whose host died to `resumeJob` when opened for unrelated work (recover: queued)", async () => {
    const dir = join(tempDir(), "lib");
    const first = await installed(dir, { recover: false });
    const done = await first.runJob(MANIFEST.id, "crunch", { rounds: 1 });
    await first.close();
    orphan(dir, done.jobId);
    const unrelated = await open(dir, { recover: "queued" });
    expect((await unrelated.runJob(MANIFEST.id, "quick", [])).state).toBe("completed");
    await unrelated.idle();
    expect(unrelated.getJob(done.jobId)?.state).toBe("running");
    expect(unrelated.interruptedJobs().map((j) => j.id)).toEqual([done.jobId]);
    expect((await unrelated.resumeJob(done.jobId)).state).toBe("completed");
    await unrelated.close();
  });
});
