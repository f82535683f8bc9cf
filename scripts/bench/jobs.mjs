// Durable jobs: what the job system costs and what it saves. Runs the crash-test extension
// (test/fixtures/crash-extension, built with `sdx build`) in the built host (packages/*/dist).
import { spawn, spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { clearTimeout, setTimeout } from "node:timers";
import { Host } from "../../packages/host/dist/index.js";
import { interleaved, median, ms, ratio, time } from "./util.mjs";

const root = fileURLToPath(new URL("../../", import.meta.url));
const fixture = join(root, "test/fixtures/crash-extension");
const EXT = "org.sdx.crashtest";

function build(work) {
  const project = join(work, "project");
  cpSync(fixture, project, { recursive: true });
  const result = spawnSync(process.execPath, [join(root, "packages/cli/bin/sdx.js"), "--json", "build", project], { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`sdx build failed: ${result.stdout}${result.stderr}`);
  return JSON.parse(result.stdout).bundlePath;
}

/** Kills the child host after `delay` ms and returns how many task executions it logged. */
function runChild(library, bundle, delay) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(fixture, "child.mjs"), library, bundle, "500", "10"], { stdio: ["ignore", "pipe", "ignore"] });
    const tasks = [];
    let buffer = "";
    child.stdout.on("data", (chunk) => {
      buffer += chunk;
      const lines = buffer.split("\n");
      buffer = lines.pop();
      for (const line of lines) {
        const event = JSON.parse(line);
        if (event.task !== undefined) tasks.push(event.task);
      }
    });
    const timer = delay === null ? null : setTimeout(() => child.kill("SIGKILL"), delay);
    child.on("exit", (_code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ tasks, killed: signal === "SIGKILL" });
    });
  });
}

async function redoneAfterKills(work, bundle, kills) {
  const perKill = [];
  for (let k = 0; k < kills; k++) {
    const library = join(work, `kill-${k}`);
    const delay = 900 + Math.floor(Math.random() * 900);
    const first = await runChild(library, bundle, delay);
    const rest = await runChild(library, bundle, null);
    if (!first.killed) continue;
    perKill.push(first.tasks.length + rest.tasks.length - new Set([...first.tasks, ...rest.tasks]).size);
  }
  return perKill;
}

export async function run() {
  const work = mkdtempSync(join(tmpdir(), "sdx-bench-jobs-"));
  try {
    const bundle = build(work);
    const host = await Host.open({ libraryDir: join(work, "lib") });
    const bytes = new Uint8Array(readFileSync(bundle));
    const grants = { grants: [{ permission: 0, scope: [] }, { permission: 1, scope: [] }] };
    await host.install(bytes, grants);
    const job = async (name, args) => {
      const outcome = await host.runJob(EXT, name, args);
      if (outcome.state !== "completed") throw new Error(`${name}: ${outcome.state} ${outcome.error?.message}`);
    };
    const N = 300;
    await job("viaTasks", { count: 20 });
    await job("direct", { count: 20 });
    const overhead = await interleaved(5, () => job("viaTasks", { count: N }), () => job("direct", { count: N }));
    const perTaskUs = ((overhead.a - overhead.b) / N) * 1000;

    const checkpoint = async (size) => {
      const times = [];
      for (let i = 0; i < 3; i++) times.push(await time(() => job("checkpoints", { count: 500, size })));
      return (median(times) / 500) * 1000;
    };
    const small = await checkpoint(64);
    const large = await checkpoint(64 * 1024);

    // What `sdx dev` does on every save: install the build again (the extension's VMs are replaced),
    // then run the job. The same job right after another run of it is the baseline: the difference
    // is only the install before it. `crunch`: 16 tasks in batches of 4 (a job VM and 4 task VMs),
    // models, tags, a collection and a checkpoint per batch.
    const crunch = () => job("crunch", { count: 16, batch: 4 });
    await crunch();
    const rerun = { afterInstall: [], afterRun: [], install: [] };
    for (let i = 0; i < 5; i++) {
      rerun.install.push(await time(() => host.install(bytes, grants)));
      rerun.afterInstall.push(await time(crunch));
      rerun.afterRun.push(await time(crunch));
    }
    const [afterInstall, afterRun, install] = [median(rerun.afterInstall), median(rerun.afterRun), median(rerun.install)];

    await host.close();

    const redone = await redoneAfterKills(work, bundle, 6);
    const maxRedone = redone.length ? Math.max(...redone) : NaN;
    const meanRedone = redone.length ? redone.reduce((a, b) => a + b, 0) / redone.length : NaN;
    return {
      title: "Durable jobs",
      description: "The crash-test extension (test/fixtures/crash-extension) in the built host. A task is a `ctx.run` of a " +
        "tiny deterministic function; its result is recorded in jobs.db (the automatic checkpoint at every task boundary).",
      header: ["measure", "result", "detail"],
      rows: [
        ["per-task overhead of ctx.run", `${perTaskUs.toFixed(0)} µs/task`, `${N} sequential tasks ${ms(overhead.a)} vs the same function called directly ${ms(overhead.b)} (${ratio(overhead.a, overhead.b)})`],
        ["a job right after an install of its extension (what `sdx dev` runs on every save)", ms(afterInstall), `the same job right after another run of it ${ms(afterRun)} (${ratio(afterInstall, afterRun)}); the install before it ${ms(install)}`],
        ["checkpoint, 64 B state", `${small.toFixed(0)} µs`, "ctx.checkpoint: one jobs.db write + event row"],
        ["checkpoint, 64 KiB state", `${large.toFixed(0)} µs`, "same, 64 KiB of state"],
        ["work redone after a SIGKILL", `max ${maxRedone} task(s), mean ${meanRedone.toFixed(1)}`, `${redone.length} kills of a 500-task job (checkpoint interval 10 tasks, parallelism 4): only tasks in flight run again`],
      ],
      notes: "A job after an install: `crunch` (16 tasks of `ctx.run` in batches of 4 at parallelism 4, each batch's models, tags, collection and checkpoint); an install replaces the extension's VMs, so the job's VM and its tasks' VMs start again (the threads of the old ones are kept for them, each VM evaluating the bundle afresh); medians of 5 rounds, each an install, the job, the job again. " +
        "Work redone is counted from the tasks' own log lines across the killed run and the run that resumed it. What `parallelism` buys for CPU-bound tasks is measured in the host-calls section (real guest work, no timer standing in). " +
        "Where a task's time goes, stage by stage and thread by thread: docs/ai.md, \"What a `ctx.run` task costs\".",
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
