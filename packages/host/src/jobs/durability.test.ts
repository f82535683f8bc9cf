/**
 * Durable jobs through the Host with hand-written guests and a real library: idempotent writes
 * when a job runs again, recovery of a job a dead process left running, pause/resume, cancel, a
 * permanent task failure, parallelism on inference-bound work, and entry_indexed triggers.
 * (Real SIGKILLs of a real built extension: test/crash-resume.test.ts.)
 */
import { afterAll, describe, expect, it } from "vitest";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Host } from "../host/host.js";
import { indexLocation } from "../core/indexer/indexer.js";
import type { GrantInput } from "../extensions/install.js";
import { guest } from "@sdx/sandbox/testing";
import { bundleBytes, job, manifest, removeTempDirs, task, tempDir } from "./__tests__/fixtures.js";
import { canonicalDump } from "./__tests__/library-dump.js";

const ITEM = {
  name: "Item", className: "Item", version: "1.0.0", scope: "standalone" as const, sync: "shared" as const,
  schema: { type: "object", properties: { i: { type: "number" }, v: { type: "number" } }, required: ["i", "v"], additionalProperties: false }, blobFields: [],
};

const MANIFEST = manifest({
  id: "org.test.durable",
  permissions: [{ kind: "write_tags" }, { kind: "write_collections" }, { kind: "read_entries", glob: "**/*.txt" }],
  models: [ITEM],
  jobs: [
    job("build", { params: [{ name: "n", optional: false, schema: { type: "number" } }] }),
    job("infer", { parallelism: 4, params: [{ name: "n", optional: false, schema: { type: "number" } }] }),
    job("infer1", { parallelism: 1, params: [{ name: "n", optional: false, schema: { type: "number" } }] }),
    job("explode"),
    job("stubborn", { params: [{ name: "n", optional: false, schema: { type: "number" } }] }),
    job("onText", { trigger: "on_event", event: "entry_indexed", kinds: ["text"], params: [{ name: "entries", optional: false, sdkType: "Entry", schema: { type: "array" } }] }),
  ],
  tasks: [task("square"), task("think"), task("boom", { retries: 1, backoffMs: 1 }), task("makeAndFail", { retries: 2, backoffMs: 1 })],
});

const GUEST = guest(`{
  async build(ctx, n) {
    const from = ctx.resumeState ? ctx.resumeState.next : 0;
    for (let i = from; i < n; i++) {
      const { result } = await call("tasks.run", { jobId: ctx.jobId, task: "square", args: [i] });
      const { uuid } = await call("models.create", { modelType: "Item", scope: { standalone: true }, data: { i, v: result }, blobs: {} });
      await call("tags.add", { target: { model: uuid }, tag: i % 2 ? "#odd" : "#even" });
      await call("jobs.progress", { jobId: ctx.jobId, done: i + 1, total: n });
      if (i % 5 === 4) await call("jobs.checkpoint", { jobId: ctx.jobId, state: { next: i + 1 } });
    }
    const { result: helper } = await call("tasks.run", { jobId: ctx.jobId, task: "makeAndFail", args: [n] });
    const { uuid } = await call("collections.create", { name: "all", items: [{ model: helper }] });
    return { collection: uuid, helper };
  },
  square(ctx, i) { callSync("log", { level: "info", message: "square " + i }); return i * i; },
  async makeAndFail(ctx, n) {
    const { uuid } = await call("models.create", { modelType: "Item", scope: { standalone: true }, data: { i: -1, v: n }, blobs: {} });
    if (ctx.attempt < 3) throw new Error("flaky after writing");
    return uuid;
  },
  async infer(ctx, n) { return handlers.fan(ctx, n); },
  async infer1(ctx, n) { return handlers.fan(ctx, n); },
  async fan(ctx, n) {
    let done = 0;
    return Promise.all(Array.from({ length: n }, async (_, i) => {
      const r = await call("tasks.run", { jobId: ctx.jobId, task: "think", args: [i] });
      await call("jobs.progress", { jobId: ctx.jobId, done: ++done, total: n });
      return r.result;
    }));
  },
  async think(ctx, i) {
    callSync("log", { level: "info", message: "think " + i });
    return (await call("ai.generate", { model: "fake", prompt: "p" + i })).text;
  },
  async stubborn(ctx, n) {
    let ok = 0;
    for (let i = 0; i < n; i++) {
      try {
        await call("tasks.run", { jobId: ctx.jobId, task: "think", args: [100 + i] });
        await call("jobs.progress", { jobId: ctx.jobId, done: i + 1, total: n });
        ok++;
      } catch (e) { /* swallows everything, the pause too */ }
    }
    return ok;
  },
  async explode(ctx) { await call("tasks.run", { jobId: ctx.jobId, task: "boom", args: [] }); return "not reached"; },
  boom() { throw new Error("always"); },
  async onText(ctx, entries) { return entries.map((e) => e.name).sort(); },
}`);

/**
 * TEST ONLY: inference that just takes 20 ms (and counts how many calls overlap). A test can hold
 * every call at a gate instead (`hold`), and learn when `n` calls are waiting there (`whenHeld`).
 */
let inFlight = 0;
let peak = 0;
let gate: { open: Promise<void>; release: () => void; wanted: number; reached: () => void } | null = null;
function hold(wanted: number): { held: Promise<void>; release: () => void } {
  let release!: () => void;
  let reached!: () => void;
  const open = new Promise<void>((resolve) => (release = resolve));
  const held = new Promise<void>((resolve) => (reached = resolve));
  gate = { open, release, wanted, reached };
  return { held, release: () => { gate = null; release(); } };
}
const slowInference = {
  "ai.generate": async (_ctx: unknown, request: { prompt: string }) => {
    peak = Math.max(peak, ++inFlight);
    if (gate) {
      const current = gate;
      if (inFlight >= current.wanted) current.reached();
      await current.open;
    } else await sleep(20);
    inFlight--;
    return { text: `answer to ${request.prompt}` };
  },
};

const logs: string[] = [];
const count = (prefix: string) => logs.filter((l) => l.startsWith(prefix)).length;

async function openHost(dir: string, options: { recover?: boolean } = {}): Promise<Host> {
  return Host.open({ libraryDir: dir, onLog: (e) => logs.push(e.message), testOps: slowInference as never, ...options });
}

async function installed(dir: string, grants: GrantInput[] = [{ permission: 0, scope: [] }, { permission: 1, scope: [] }]): Promise<Host> {
  const host = await openHost(dir);
  await host.install(await bundleBytes(MANIFEST, GUEST), { grants });
  return host;
}

/** What a SIGKILL leaves behind: the row still `running`, owned by a process that is gone. */
function markKilled(host: Host, jobId: string): void {
  host.jobs.db.prepare("UPDATE jobs SET state = 'running', owner_pid = 2147483646, owner_host = 'gone', owner_token = 'dead', heartbeat_at = '2000-01-01T00:00:00Z' WHERE id = ?").run(jobId);
}

const runningJob = (host: Host, name: string) => host.listJobs({ state: "running" }).find((j) => j.name === name)!.id;

afterAll(() => removeTempDirs());

describe("durable jobs", () => {
  it("a job run again after a kill replays its tasks and repeats no write (same rows, same UUIDs)", async () => {
    const dir = join(tempDir(), "lib");
    const host = await installed(dir);
    const first = await host.runJob(MANIFEST.id, "build", { n: 12 });
    expect(first.state).toBe("completed");
    const before = canonicalDump(host.library.db, MANIFEST.id);
    expect(before).toMatchObject({ models: 13, duplicates: 0, collections: 1 });
    const uuids = host.library.db.prepare("SELECT hex(uuid) AS u FROM models ORDER BY 1").all();
    const squares = count("square");

    // Run it again from its last checkpoint (next: 10) and from scratch (no checkpoint).
    markKilled(host, first.jobId);
    expect(await host.resumeJob(first.jobId)).toMatchObject({ state: "completed", result: first.result });
    host.jobs.db.prepare("UPDATE jobs SET checkpoint_json = NULL WHERE id = ?").run(first.jobId);
    markKilled(host, first.jobId);
    expect(await host.resumeJob(first.jobId)).toMatchObject({ state: "completed", result: first.result });

    expect(canonicalDump(host.library.db, MANIFEST.id)).toEqual(before);
    expect(host.library.db.prepare("SELECT hex(uuid) AS u FROM models ORDER BY 1").all()).toEqual(uuids);
    expect(count("square")).toBe(squares); // every task answered from its recorded result
    expect(host.getJob(first.jobId)).toMatchObject({ runs: 3 });
    await host.close();
  });

  it("a task's writes are idempotent across its retries", async () => {
    const dir = join(tempDir(), "lib");
    const host = await installed(dir);
    const outcome = await host.runJob(MANIFEST.id, "build", { n: 1 });
    const helpers = host.library.db.prepare("SELECT count(*) AS n FROM models WHERE json_extract(data, '$.i') = -1").get() as { n: number };
    expect(helpers.n).toBe(1); // three attempts, one row
    expect(host.jobEvents(outcome.jobId, ["task_attempt_failed"])).toHaveLength(2);
    await host.close();
  });

  it("a job left running by a dead process resumes when the next Host opens", async () => {
    const dir = join(tempDir(), "lib");
    const host = await installed(dir);
    let jobId = "";
    const stopped = await host.runJob(MANIFEST.id, "build", { n: 20 }, {
      onProgress: (p) => {
        if (p.done === 7) host.pauseJob((jobId = runningJob(host, "build")));
      },
    });
    expect(stopped).toMatchObject({ state: "paused" });
    markKilled(host, jobId);
    await host.close();

    const outcomes: string[] = [];
    const next = await Host.open({ libraryDir: dir, onLog: (e) => logs.push(e.message), onJobOutcome: (o) => outcomes.push(`${o.jobId}:${o.state}`) });
    await next.idle();
    expect(outcomes).toEqual([`${jobId}:completed`]);
    expect(next.getJob(jobId)).toMatchObject({ state: "completed", owner: null, runs: 2 });
    expect(canonicalDump(next.library.db, MANIFEST.id)).toMatchObject({ models: 21, duplicates: 0 });
    expect(next.jobEvents(jobId, ["resumed"])).toHaveLength(1);
    await next.close();
  });

  it("does not take over a job another live host is running", async () => {
    const dir = join(tempDir(), "lib");
    const host = await installed(dir);
    const running = host.runJob(MANIFEST.id, "infer1", { n: 10 });
    await sleep(60);
    const other = await openHost(dir);
    await other.idle();
    const jobId = runningJob(host, "infer1");
    await expect(other.resumeJob(jobId)).rejects.toMatchObject({ code: "SDX3022", message: expect.stringContaining("already running") });
    expect((await running).state).toBe("completed");
    await other.close();
    await host.close();
  });

  it("pauses at the next host call, keeps finished tasks, and resumes without redoing them", async () => {
    const dir = join(tempDir(), "lib");
    const host = await installed(dir);
    const before = count("think");
    let jobId = "";
    const paused = await host.runJob(MANIFEST.id, "infer", { n: 24 }, {
      onProgress: (p) => {
        if (p.done === 6) host.pauseJob((jobId = runningJob(host, "infer")));
      },
    });
    expect(paused.state).toBe("paused");
    expect(host.getJob(jobId)).toMatchObject({ state: "paused", owner: null });
    const ranBeforePause = count("think") - before;
    expect(ranBeforePause).toBeLessThan(24);
    const resumed = await host.resumeJob(jobId);
    expect(resumed.state).toBe("completed");
    expect((resumed.result as string[])[23]).toBe("answer to p23");
    expect(count("think") - before).toBe(24); // nothing ran twice
    expect(host.jobEvents(jobId, ["task_replayed"]).length).toBe(ranBeforePause);
    await host.close();
  });

  it("does not call a job completed that swallowed the pause and returned", async () => {
    const host = await installed(join(tempDir(), "lib"));
    let jobId = "";
    const paused = await host.runJob(MANIFEST.id, "stubborn", { n: 10 }, {
      onProgress: (p) => {
        if (p.done === 3) host.pauseJob((jobId = runningJob(host, "stubborn")));
      },
    });
    expect(paused).toMatchObject({ state: "paused", result: 3 });
    expect(host.getJob(jobId)!.state).toBe("paused");
    expect(await host.resumeJob(jobId)).toMatchObject({ state: "completed", result: 10 });
    await host.close();
  });

  it("cancels: running tasks stop at their next host call, queued ones never start", async () => {
    const dir = join(tempDir(), "lib");
    const host = await installed(dir);
    const before = count("think");
    // Four tasks (the job's parallelism) reach inference and wait there; the job is cancelled then.
    const gated = hold(4);
    const run = host.runJob(MANIFEST.id, "infer", { n: 40 });
    await gated.held;
    const jobId = runningJob(host, "infer");
    host.cancelJob(jobId);
    gated.release();
    const outcome = await run;
    expect(outcome.state).toBe("cancelled");
    // The four running tasks finished their call; none of the 36 queued ones started.
    expect(count("think") - before).toBe(4);
    expect(host.getJob(jobId)).toMatchObject({ state: "cancelled", error: { code: "SDX3019" } });
    await expect(host.resumeJob(jobId)).rejects.toMatchObject({ code: "SDX3022" });
    await host.close();
  });

  it("fails the job with TaskFailed when a task fails permanently and the job does not catch it", async () => {
    const host = await installed(join(tempDir(), "lib"));
    const outcome = await host.runJob(MANIFEST.id, "explode", []);
    expect(outcome).toMatchObject({ state: "failed", error: { name: "TaskFailed", message: expect.stringContaining("task boom failed after 2 attempts: always") } });
    await host.close();
  });

  it("runs up to `parallelism` inference-bound tasks at once (measured speedup)", async () => {
    const host = await installed(join(tempDir(), "lib"));
    const time = async (name: string) => {
      peak = 0;
      const started = performance.now();
      expect((await host.runJob(MANIFEST.id, name, { n: 16 })).state).toBe("completed");
      return { ms: performance.now() - started, peak };
    };
    await time("infer"); // warm the task instances
    const one = await time("infer1");
    const four = await time("infer");
    expect([one.peak, four.peak]).toEqual([1, 4]);
    // 16 × 20 ms one at a time vs four at a time (≈3.5× when the machine is quiet; see the benchmark).
    expect(one.ms / four.ms).toBeGreaterThan(1.8);
    await host.close();
  });

  it("starts entry_indexed jobs for new matching entries after indexing", async () => {
    const root = tempDir();
    const data = join(root, "data");
    mkdirSync(data);
    writeFileSync(join(data, "a.txt"), "alpha");
    writeFileSync(join(data, "b.txt"), "beta");
    writeFileSync(join(data, "c.md"), "not readable under the grant");
    const host = await installed(join(root, "lib"), [{ permission: 0, scope: [] }, { permission: 1, scope: [] }, { permission: 2, scope: [data] }]);
    const first = await host.index(data);
    expect(first.triggeredJobs).toHaveLength(1);
    await host.idle();
    expect(host.getJob(first.triggeredJobs[0])).toMatchObject({ name: "onText", state: "completed", result: ["a.txt", "b.txt"] });
    writeFileSync(join(data, "d.txt"), "delta");
    const second = await host.index(data);
    await host.idle();
    expect(host.getJob(second.triggeredJobs[0])).toMatchObject({ state: "completed", result: ["d.txt"] });
    expect((await host.index(data)).triggeredJobs).toEqual([]); // nothing new
    await host.close();
  });

  it("queues entry_indexed jobs for entries an interrupted index committed, on the next index in another host", async () => {
    const root = tempDir();
    const data = join(root, "data");
    mkdirSync(data);
    writeFileSync(join(data, "a.txt"), "alpha");
    const grants: GrantInput[] = [{ permission: 0, scope: [] }, { permission: 1, scope: [] }, { permission: 2, scope: [data] }];
    const first = await installed(join(root, "lib"), grants);
    // The indexer commits in batches: a process killed after a batch and before queueing leaves
    // entries in the library that no job has heard of. indexLocation alone is exactly that state.
    await indexLocation(first.library, data);
    await first.close();
    const next = await openHost(join(root, "lib"));
    writeFileSync(join(data, "b.txt"), "beta");
    const { triggeredJobs } = await next.index(data);
    await next.idle();
    expect(triggeredJobs.map((id) => next.getJob(id))).toMatchObject([{ name: "onText", state: "completed", result: ["a.txt", "b.txt"] }]);
    await next.close();
  });
});
