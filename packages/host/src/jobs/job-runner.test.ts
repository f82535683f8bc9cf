/**
 * The job runner with real sandboxes, a real jobs.db and a real library: tasks, retries, replay.
 * Only the spinning task meets a time limit (its own `timeoutMs`); overlap is shown with a barrier.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { join } from "node:path";
import type { Manifest } from "@sdx/sdk/manifest";
import { Library } from "../store/library.js";
import { GrantSet } from "../extensions/grants.js";
import { ModelValidators } from "../extensions/validators.js";
import { createDispatcher } from "../ops/dispatch.js";
import { createEnvOps, ExtensionLogs } from "../ops/env.js";
import { createJobOps } from "../ops/jobs.js";
import type { OpContext } from "../ops/context.js";
import { QuickJSSandbox } from "@sdx/sandbox";
import type { HostCalls } from "@sdx/sandbox";
import { WriteGate } from "../actions/write-gate.js";
import { guestCalls, type CallScope } from "../host/calls.js";
import { EventBus } from "../ops/events.js";
import { guest, recordingCalls } from "@sdx/sandbox/testing";
import { JobStore } from "../store/job-store.js";
import { JobRunner } from "./job-runner.js";
import { TaskPool } from "./task-pool.js";
import type { ExtensionRuntime, JobCallScope } from "./types.js";
import { job, manifest, removeTempDirs, task, tempDir, UNREACHABLE_MS } from "./__tests__/fixtures.js";

const GUEST = guest(`{
  async runTwice(ctx, x) {
    const a = await call("tasks.run", { jobId: ctx.jobId, task: "double", args: [x] });
    const b = await call("tasks.run", { jobId: ctx.jobId, task: "double", args: [x] });
    await call("jobs.checkpoint", { jobId: ctx.jobId, state: { after: "both" } });
    return { a: a.result, b: b.result, resumed: ctx.resumeState };
  },
  double(ctx, x) { callSync("log", { level: "info", message: "double ran" }); return x * 2; },
  async spinJob(ctx) {
    try { await call("tasks.run", { jobId: ctx.jobId, task: "spin", args: [] }); return "no error?"; }
    catch (e) { return { code: e.code, name: e.name, message: e.message, attempts: e.data && e.data.attempts }; }
  },
  spin() { while (true) {} },
  async flakyJob(ctx) { return (await call("tasks.run", { jobId: ctx.jobId, task: "flaky", args: [] })).result; },
  flaky(ctx) { if (ctx.attempt < 3) throw new Error("attempt " + ctx.attempt + " failed"); return "ok on " + ctx.attempt; },
  async fanOut(ctx, n) {
    let done = 0;
    const results = await Promise.all(Array.from({ length: n }, async (_, i) => {
      const r = await call("tasks.run", { jobId: ctx.jobId, task: "slow", args: [i] });
      await call("jobs.progress", { jobId: ctx.jobId, done: ++done, total: n });
      return r.result;
    }));
    return results;
  },
  async slow(ctx, i) { await call("meet", {}); return i; },
  async dispatcher(ctx) {
    try { await call("jobs.dispatch", { job: "runTwice", args: [1] }); return "dispatched"; } catch (e) { return e.code; }
  },
  async foreign(ctx) {
    try { await call("jobs.progress", { jobId: "not-mine", done: 1, total: 1 }); return "accepted"; } catch (e) { return e.code; }
  },
}`);

const MANIFEST: Manifest = manifest({
  jobs: [job("runTwice"), job("spinJob"), job("flakyJob"), job("fanOut", { parallelism: 2 }), job("dispatcher"), job("foreign")],
  tasks: [task("double"), task("spin", { retries: 2, timeoutMs: 150, backoffMs: 10 }), task("flaky", { retries: 3, backoffMs: 1 }), task("slow")],
});

let library: Library;
let store: JobStore;
let runner: JobRunner;
let runtime: ExtensionRuntime;
let logs: ExtensionLogs;
let active = 0;
let peak = 0;
/** TEST ONLY: the op `meet` is a barrier: the first `size` calls wait until all of them arrived; later ones pass. */
let meeting: { size: number; arrived: number; all: Promise<void>; release: () => void } | null = null;
function meetAt(size: number): void {
  let release!: () => void;
  const all = new Promise<void>((resolve) => (release = resolve));
  meeting = { size, arrived: 0, all, release };
}
let baseContext: OpContext;

beforeAll(() => {
  const dir = tempDir();
  library = Library.open(join(dir, "lib"));
  store = JobStore.open(join(dir, "lib", "jobs.db"));
  runner = new JobRunner(store);
  logs = new ExtensionLogs(null);
  const dispatch = createDispatcher({ ...createEnvOps(logs), ...createJobOps(runner) });
  const base: OpContext = {
    extensionId: MANIFEST.id, manifest: MANIFEST, library, grants: GrantSet.of(MANIFEST.id, [], []),
    validators: ModelValidators.fromManifest(MANIFEST), deviceUuid: library.deviceUuid, jobId: null, phase: "normal",
    origin: { kind: "other" }, events: new EventBus(),
  };
  baseContext = base;
  const deps = { dispatch, gate: new WriteGate(), events: new EventBus(), stopReason: (id: string, starting: boolean) => runner.stopReason(id, starting) };
  const calls = (scope: CallScope): HostCalls => {
    const routed = guestCalls(deps, base, scope);
    return {
      async call(op, payload) {
        if (op === "meet") {
          peak = Math.max(peak, ++active);
          const m = meeting;
          if (m) {
            if (++m.arrived >= m.size) {
              meeting = null;
              m.release();
            }
            await m.all;
          } else await new Promise((resolve) => setImmediate(resolve));
          active--;
          return { ok: true, value: null };
        }
        return routed.call(op, payload);
      },
      callSync: routed.callSync,
    };
  };
  const sandbox = new QuickJSSandbox({ maxSliceMs: UNREACHABLE_MS });
  runtime = {
    extensionId: MANIFEST.id, manifest: MANIFEST, deviceUuid: library.deviceUuid, config: {},
    main: sandbox.createInstance({ name: "main", guestJs: GUEST, calls: calls({ kind: "other" }) }),
    tasks: new TaskPool(() => sandbox.createInstance({ name: "task", guestJs: GUEST, calls: calls({ kind: "other" }) }), 2),
    invokeOptions: (scope: JobCallScope) => ({ calls: calls(scope) }),
  };
});

afterAll(async () => {
  await runner.close();
  runtime.main.dispose();
  runtime.tasks.dispose();
  store.close();
  library.close();
  removeTempDirs();
});

const ranDouble = () => logs.tail(MANIFEST.id).filter((e) => e.message === "double ran").length;

describe("job runner", () => {
  it("runs a job whose tasks run in task instances, and records everything in jobs.db", async () => {
    const outcome = await runner.run(runtime, "runTwice", [21]);
    expect(outcome).toMatchObject({ state: "completed", result: { a: 42, b: 42, resumed: null } });
    expect(ranDouble()).toBe(2);
    const record = store.get(outcome.jobId)!;
    expect(record).toMatchObject({ extensionId: MANIFEST.id, name: "runTwice", state: "completed", params: [21], checkpoint: { after: "both" } });
    expect(record.finishedAt).not.toBeNull();
  });

  it("replays completed task results instead of running them again", async () => {
    const first = await runner.run(runtime, "runTwice", [5]);
    const before = ranDouble();
    // What a crash leaves behind: a job still marked running, by a process that is gone.
    store.db.prepare("UPDATE jobs SET state = 'running', owner_pid = 2147483646, owner_host = 'elsewhere', owner_token = 'dead', heartbeat_at = '2000-01-01T00:00:00Z' WHERE id = ?").run(first.jobId);
    const resumed = await runner.resume(runtime, first.jobId);
    expect(resumed).toMatchObject({ jobId: first.jobId, state: "completed", result: { a: 10, b: 10, resumed: { after: "both" } } });
    expect(ranDouble()).toBe(before);
    expect(store.events(first.jobId).filter((e) => e.kind === "task_replayed")).toHaveLength(2);
  });

  it("interrupts a busy task at its timeout, retries it with backoff, then fails it; the job keeps running", async () => {
    const outcome = await runner.run(runtime, "spinJob", []);
    expect(outcome.state).toBe("completed");
    expect(outcome.result).toMatchObject({ code: "SDX3003", name: "TaskFailed", attempts: 3 });
    expect((outcome.result as { message: string }).message).toMatch(/task spin failed after 3 attempts/);
    const failures = store.events(outcome.jobId).filter((e) => e.kind === "task_attempt_failed");
    expect(failures.map((e) => (e.detail as { attempt: number }).attempt)).toEqual([1, 2, 3]);
    // The job's own instance never recycled; the task instances did.
    expect(runtime.main.stats.recycled).toBe(0);
  });

  it("starts one task VM as a job of an extension with tasks starts, before any ctx.run; none for an extension without", async () => {
    const sandbox = new QuickJSSandbox({ maxSliceMs: UNREACHABLE_MS });
    const warmed: Array<ReturnType<typeof vi.spyOn>> = [];
    const poolOf = () => new TaskPool(() => {
      const instance = sandbox.createInstance({ name: "task", guestJs: GUEST, calls: recordingCalls() });
      warmed.push(vi.spyOn(instance, "warm"));
      return instance;
    }, 2);
    const withTasks: ExtensionRuntime = { ...runtime, tasks: poolOf() };
    // `foreign` never calls ctx.run: the one instance is the prewarmed one.
    expect((await runner.run(withTasks, "foreign", [])).state).toBe("completed");
    expect(withTasks.tasks.size).toBe(1);
    expect(warmed[0]).toHaveBeenCalledTimes(1);
    withTasks.tasks.dispose();

    const without: ExtensionRuntime = { ...runtime, manifest: { ...MANIFEST, tasks: [] }, tasks: poolOf() };
    expect((await runner.run(without, "foreign", [])).state).toBe("completed");
    expect(without.tasks.size).toBe(0);
  });

  it("succeeds when a later attempt does", async () => {
    expect(await runner.run(runtime, "flakyJob", [])).toMatchObject({ state: "completed", result: "ok on 3" });
  });

  it("keeps at most `parallelism` tasks in flight and reports progress", async () => {
    const progress: number[] = [];
    peak = 0;
    meetAt(2); // two tasks are in flight together: they wait for each other
    const outcome = await runner.run(runtime, "fanOut", [6], { onProgress: (p) => progress.push(p.done) });
    expect(outcome).toMatchObject({ state: "completed", result: [0, 1, 2, 3, 4, 5] });
    expect(peak).toBe(2);
    expect(progress).toEqual([1, 2, 3, 4, 5, 6]);
    expect(store.get(outcome.jobId)!.progress).toEqual({ done: 6, total: 6 });
  });

  it("refuses dispatching without the permission and touching another job", async () => {
    expect(await runner.run(runtime, "dispatcher", [])).toMatchObject({ result: "SDX3001" });
    expect(await runner.run(runtime, "foreign", [])).toMatchObject({ result: "SDX3008" });
  });

  it("coalesces a dispatch into the same job already queued with the same arguments", () => {
    const first = runner.dispatch(baseContext, "runTwice", [7], null);
    expect(runner.dispatch(baseContext, "runTwice", [7], null)).toBe(first);
    const other = runner.dispatch(baseContext, "runTwice", [8], null);
    expect(other).not.toBe(first);
    expect(store.list({ extensionId: MANIFEST.id, state: "queued" }).filter((j) => j.name === "runTwice").map((j) => j.params[0]).sort()).toEqual([7, 8]);
  });

  it("refuses unknown jobs", () => {
    expect(() => runner.run(runtime, "nope", [])).toThrow(/has no job "nope"/);
  });
});
