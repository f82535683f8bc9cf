// Host calls and VMs as an author gets them: a real extension built by `sdx build`, run by the real
// Host (each VM in its own worker thread), calling the host through the SDK (`ctx.vdfs()`), timed
// inside the job. Also: how long a VM takes to start (first in a process, then warm), and what
// `parallelism` buys for CPU-bound tasks on this machine's cores.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { Host } from "../../packages/host/dist/index.js";
import { QuickJSSandbox, WorkerSandbox } from "../../packages/sandbox/dist/index.js";
import { guest, jobInvocation } from "../../packages/sandbox/dist/testing.js";
import { readBundle } from "../../packages/bundle-format/dist/index.js";
import { Library } from "../../packages/host/dist/store/library.js";
import { blobToUuid } from "../../packages/host/dist/store/uuid.js";
import { buildSource, goal, median, ms, perSec, ratio, ROOT } from "./util.mjs";
import { openWorkerCalls } from "./worker-calls.mjs";

const ID = "org.bench.calls";
const CALLS = Number(process.env.BENCH_CALLS ?? 30_000);
const ROUNDS = 3;

const SOURCE = `
import { extension, model, job, task, type JobContext, type TaskContext, type Uuid } from "@sdx/sdk";

@model({ version: "1.0.0", scope: "standalone", sync: "shared" })
export class Counter { id!: Uuid; n!: number; }

@extension({ id: "${ID}", name: "Calls Bench", version: "1.0.0", description: "Host calls through the SDK.",
  minCoreVersion: "2.0.0", requiredFeatures: [], permissions: [] })
export class CallsBench {
  /** n getModel calls through the SDK, one at a time (batch 1) or batch at once; timed in the guest. */
  @job({ parallelism: 1, trigger: "user_initiated" })
  async reads(ctx: JobContext, n: number, batch: number): Promise<number> {
    const uuid = await ctx.vdfs().createModel(Object.assign(new Counter(), { n: 0 }));
    const t0 = Date.now();
    for (let done = 0; done < n; done += batch) {
      if (batch === 1) await ctx.vdfs().getModel(Counter, uuid);
      else await Promise.all(Array.from({ length: batch }, () => ctx.vdfs().getModel(Counter, uuid)));
    }
    return Date.now() - t0;
  }

  /** A CPU-bound task: no host call, just arithmetic in the guest (short enough to stay under the 10 s slice limit on a loaded machine). */
  @task({ timeoutMs: 600000 })
  async burn(ctx: TaskContext, rounds: number): Promise<number> {
    let x = 1;
    for (let i = 0; i < rounds; i++) x = (x * 31 + i) % 1000003;
    return x;
  }

  @job({ parallelism: 1, trigger: "user_initiated" })
  async cpu1(ctx: JobContext, tasks: number, rounds: number): Promise<number> { return this.fan(ctx, tasks, rounds); }
  @job({ parallelism: 2, trigger: "user_initiated" })
  async cpu2(ctx: JobContext, tasks: number, rounds: number): Promise<number> { return this.fan(ctx, tasks, rounds); }
  @job({ parallelism: 4, trigger: "user_initiated" })
  async cpu4(ctx: JobContext, tasks: number, rounds: number): Promise<number> { return this.fan(ctx, tasks, rounds); }

  private async fan(ctx: JobContext, tasks: number, rounds: number): Promise<number> {
    const results = await Promise.all(Array.from({ length: tasks }, (_, i) => ctx.run(this.burn, rounds + i)));
    return results.length;
  }
}
`;

async function hostCalls(host) {
  const inGuest = async (batch) => {
    const outcome = await host.runJob(ID, "reads", { n: CALLS, batch });
    if (outcome.state !== "completed") throw new Error(`reads: ${outcome.state} ${outcome.error?.message}`);
    return outcome.result;
  };
  await inGuest(100); // warm up the worker, its connection and the JITs
  const sequential = [];
  const batched = [];
  for (let round = 0; round < ROUNDS; round++) {
    sequential.push(await inGuest(1));
    batched.push(await inGuest(100));
  }
  return { sequential: median(sequential), batched: median(batched) };
}

async function parallelism(host) {
  const TASKS = 8;
  const ROUNDS_PER_TASK = Number(process.env.BENCH_BURN ?? 6_000_000);
  const run = async (job) => {
    const outcome = await host.runJob(ID, job, { tasks: TASKS, rounds: ROUNDS_PER_TASK });
    if (outcome.state !== "completed") throw new Error(`${job}: ${outcome.state} ${outcome.error?.message}`);
    return outcome.durationMs;
  };
  for (const job of ["cpu1", "cpu2", "cpu4"]) await run(job); // every task VM started once
  const times = { cpu1: [], cpu2: [], cpu4: [] };
  for (let round = 0; round < ROUNDS; round++) for (const job of ["cpu1", "cpu2", "cpu4"]) times[job].push(await run(job));
  return { p1: median(times.cpu1), p2: median(times.cpu2), p4: median(times.cpu4), tasks: TASKS };
}

/**
 * The floor under every host call: a hand-written guest calling `__sdx_call` with a fixed request
 * (no SDK), answered with a fixed reply (no pipeline, no SQLite), in a VM on this thread. What is
 * left is QuickJS: the guest's promise and its await, the outbox, one pump, the reply's delivery.
 */
async function sandboxFloor() {
  const request = JSON.stringify(JSON.stringify({ modelType: "Counter", by: { uuid: "0b6c1e2a-1111-4222-8333-444455556666" } }));
  const js = guest(`{
    async sequential(ctx, n) { const t = Date.now(); for (let i = 0; i < n; i++) await __sdx_call("models.get", ${request}); return Date.now() - t; },
    async batched(ctx, n) {
      const t = Date.now();
      for (let i = 0; i < n; i += 100) { const all = []; for (let j = 0; j < 100; j++) all.push(__sdx_call("models.get", ${request})); await Promise.all(all); }
      return Date.now() - t;
    },
  }`);
  const reply = { ok: true, value: { model: { uuid: "0b6c1e2a-1111-4222-8333-444455556666", data: { n: 0 }, blobs: {}, createdAt: "2026-12-06T09:00:00.000Z", updatedAt: "2026-12-06T09:00:00.000Z" } } };
  const sandbox = new QuickJSSandbox();
  const vm = sandbox.createInstance({ name: "floor", guestJs: js, calls: { call: async () => reply, callSync: () => reply } });
  const timed = async (name) => {
    const result = await vm.invoke(jobInvocation(name, [CALLS]));
    if (!result.ok) throw new Error(`floor ${name}: ${result.error.message}`);
    return result.value;
  };
  await timed("batched");
  const sequential = [];
  const batched = [];
  for (let round = 0; round < ROUNDS; round++) {
    sequential.push(await timed("sequential"));
    batched.push(await timed("batched"));
  }
  vm.dispose();
  return { sequential: median(sequential), batched: median(batched) };
}

/** What the host answers to the `reads` job's `getModel`, from the worker's calls module (a Counter the job made). */
async function modelReply(libraryDir) {
  const library = Library.open(libraryDir);
  const row = library.db.prepare("SELECT uuid FROM models WHERE extension_id = ? AND model_type = 'Counter' LIMIT 1").get(ID);
  library.close();
  const uuid = blobToUuid(row.uuid);
  const { calls, settle } = await openWorkerCalls(libraryDir, ID);
  const reply = await calls.call("models.get", { modelType: "Counter", by: { uuid } });
  settle();
  if (!reply.ok || !reply.value.model) throw new Error(`models.get: ${JSON.stringify(reply)}`);
  return reply;
}

/**
 * The SDK's side of the same calls alone: the calls bench's own bundle and `reads` job in a VM on this
 * thread, each `getModel` answered at once with the reply the host gives it (no pipeline, no SQLite).
 * What is left is QuickJS running the SDK: the request's JSON, the call, the floating-promise
 * tracking, the reply's JSON.parse and the model rebuilt as a class instance.
 */
async function sdkFloor(bundleBytes, reply) {
  const bundle = await readBundle(bundleBytes);
  const answer = (op) => (op === "models.get" ? reply : { ok: true, value: { uuid: reply.value.model.uuid } });
  const vm = new QuickJSSandbox().createInstance({ name: "sdk-floor", guestJs: bundle.guestJs, calls: { call: async (op) => answer(op), callSync: () => ({ ok: true, value: null }) } });
  const timed = async (batch) => {
    const invocation = jobInvocation("reads", [CALLS, batch]);
    invocation.context.extensionId = ID;
    const result = await vm.invoke(invocation);
    if (!result.ok) throw new Error(`sdk floor: ${result.error.message}`);
    return result.value;
  };
  await timed(100);
  const sequential = [];
  const batched = [];
  for (let round = 0; round < ROUNDS; round++) {
    sequential.push(await timed(1));
    batched.push(await timed(100));
  }
  vm.dispose();
  return { sequential: median(sequential), batched: median(batched) };
}

/** VM start for the Photos bundle: the first in a fresh sandbox (a worker spawned), then warm ones. */
async function vmStart() {
  const photos = join(ROOT, "examples/photos/dist/com.spacedrive.photos-1.0.0.sdx.wasm");
  const bundle = await readBundle(new Uint8Array(readFileSync(photos)));
  const calls = { call: async () => ({ ok: true, value: null }), callSync: () => ({ ok: true, value: null }) };
  const sandbox = new WorkerSandbox();
  const first = performance.now();
  const one = sandbox.createInstance({ name: "first", guestJs: bundle.guestJs, calls });
  if (!(await one.warm()).ok) throw new Error("the Photos bundle did not start");
  const firstMs = performance.now() - first;
  one.dispose();
  const warm = [];
  for (let i = 0; i < 7; i++) {
    sandbox.prestart();
    // A worker waiting, as in a host that has run before: the thread of the VM disposed just before
    // (kept for the next one) has dropped that VM and made the next but for its bundle, as a spare has.
    await new Promise((r) => globalThis.setTimeout(r, 300));
    const t = performance.now();
    const instance = sandbox.createInstance({ name: `warm-${i}`, guestJs: bundle.guestJs, calls });
    if (!(await instance.warm()).ok) throw new Error("the Photos bundle did not start");
    warm.push(performance.now() - t);
    instance.dispose();
  }
  await sandbox.close();
  return { firstMs, warmMs: median(warm), guestKiB: bundle.guestJs.length / 1024 };
}

export async function run() {
  const work = mkdtempSync(join(tmpdir(), "sdx-bench-calls-"));
  try {
    const bundle = buildSource(work, "calls-bench", SOURCE);
    const host = await Host.open({ libraryDir: join(work, "library") });
    await host.install(bundle, { grants: [] });
    const calls = await hostCalls(host);
    const reply = await modelReply(join(work, "library"));
    const cpu = await parallelism(host);
    await host.close();
    const start = await vmStart();
    const floor = await sandboxFloor();
    const sdk = await sdkFloor(bundle, reply);
    const seqRate = CALLS / (calls.sequential / 1000);
    const batchRate = CALLS / (calls.batched / 1000);
    return {
      title: "Host calls through the SDK, VM start, parallelism",
      description: `\`node scripts/bench.mjs calls\`. A real extension built by \`sdx build\`, run by the Host with every VM in its own worker thread. Host calls: \`ctx.vdfs().getModel(Counter, uuid)\` ${CALLS.toLocaleString("en")} times in a job, timed inside the job (the SDK's encoding, the call pipeline's checks, zod validation, the ownership check and the SQLite read all included); medians of ${ROUNDS} rounds, sequential and batched interleaved.`,
      header: ["measure", "result", "comparison", "goal"],
      rows: [
        ["host calls, one at a time (`await` each)", perSec(CALLS, calls.sequential), `${(1000 * calls.sequential / CALLS).toFixed(1)} µs per call`, `≥ 50,000/s: ${goal(seqRate >= 50_000)}`],
        ["host calls, 100 in flight (`Promise.all`)", perSec(CALLS, calls.batched), `${(1000 * calls.batched / CALLS).toFixed(1)} µs per call`, `≥ 100,000/s: ${goal(batchRate >= 100_000)}`],
        ["the SDK alone: the same job in a VM on this thread, each call answered at once with the host's reply, one at a time", perSec(CALLS, sdk.sequential), `${(1000 * sdk.sequential / CALLS).toFixed(1)} µs per call`, "the guest's share: no host work"],
        ["the SDK alone, 100 in flight", perSec(CALLS, sdk.batched), `${(1000 * sdk.batched / CALLS).toFixed(1)} µs per call`, ""],
        ["floor: raw `__sdx_call`, fixed reply, no SDK, no host work, one at a time", perSec(CALLS, floor.sequential), `${(1000 * floor.sequential / CALLS).toFixed(1)} µs per call`, "what QuickJS alone costs"],
        ["floor: the same, 100 in flight", perSec(CALLS, floor.batched), `${(1000 * floor.batched / CALLS).toFixed(1)} µs per call`, ""],
        [`${cpu.tasks} CPU-bound tasks, parallelism 1`, ms(cpu.p1), "1.00×", ""],
        [`${cpu.tasks} CPU-bound tasks, parallelism 2`, ms(cpu.p2), `${ratio(cpu.p2, cpu.p1)} of parallelism 1`, `≤ 0.6× on ${cpus().length} cores: ${goal(cpu.p2 / cpu.p1 <= 0.6)}`],
        [`${cpu.tasks} CPU-bound tasks, parallelism 4`, ms(cpu.p4), `${ratio(cpu.p4, cpu.p1)} of parallelism 1`, `more than the ${cpus().length} cores: no faster than 2`],
        [`VM start, Photos bundle (${start.guestKiB.toFixed(0)} KiB of guest JS), warm process`, ms(start.warmMs), "a worker waiting (the thread of the VM before it); the VM evaluates the bundle", `≤ 30 ms: ${goal(start.warmMs <= 30)}`],
        ["VM start, first in a process", ms(start.firstMs), "spawn a worker, compile the engine's glue, evaluate the bundle", ""],
      ],
      goals: [
        { measure: "host calls through the SDK in a job, one at a time", goal: "≥ 50,000/s", result: perSec(CALLS, calls.sequential), met: seqRate >= 50_000 },
        { measure: "host calls through the SDK in a job, 100 in flight", goal: "≥ 100,000/s", result: perSec(CALLS, calls.batched), met: batchRate >= 100_000 },
        { measure: `${cpu.tasks} CPU-bound tasks, parallelism 2 vs 1`, goal: "≤ 0.6×", result: ratio(cpu.p2, cpu.p1), met: cpu.p2 / cpu.p1 <= 0.6 },
        { measure: "VM start of the Photos bundle, warm process", goal: "≤ 30 ms", result: ms(start.warmMs), met: start.warmMs <= 30 },
      ],
      notes: "The SDK-alone rows run the same job's calls with every call answered at once with the host's real reply to it: what they cost is QuickJS running the SDK (the request's JSON, the call, the tracking of un-awaited calls, the reply's parse, the model rebuilt as a class instance), with no host work at all. The goals allow 20 µs (one at a time) and 10 µs (100 in flight) per call for the whole path, the host's pipeline and SQLite read included. Parallelism: each job runs 8 tasks of pure guest arithmetic through `ctx.run` (their VMs started beforehand), measured as the job's wall time; a task VM is a worker thread, so up to the number of cores tasks compute at the same time, beyond it they share the cores.",
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
