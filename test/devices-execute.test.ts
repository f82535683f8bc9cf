/**
 * §8 for real, with two hosts on loopback: device B has an AI model installed (the capability
 * `model:scaler`) that device A lacks. A job on A selects a device by that capability and runs a
 * declared task there with `executeOn`; a made-up device object is refused; a device that drops
 * mid-task fails the task clearly after its retries. And `sdx serve` itself: scheduled jobs on
 * time, jobs left behind by a killed process resumed, SIGTERM suspending a running job that the
 * next start resumes, and two serves of one library never running the same job.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { linearModel } from "../packages/host/src/core/ai/testing/onnx-writer.js";
import { SDX_BIN, sdxJson, tempDir } from "./helpers/cli.js";
import { buildDevicesExtension, query, serve, until } from "./helpers/serve.js";

const EXT = "org.sdx.devicestest";
const work = tempDir("sdx-devices-exec-");
let bundle = "";

beforeAll(async () => {
  bundle = await buildDevicesExtension(work);
}, 120_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function install(name: string): Promise<string> {
  const dir = join(work, name);
  expect((await sdxJson(["install", bundle, "--library", dir, "--yes"])).status).toBe(0);
  return dir;
}

/** A models directory with the `scaler` model (y = 2x over 3 values) installed. */
async function modelsWithScaler(): Promise<string> {
  const dir = join(work, "models-b");
  const file = join(work, "scaler.onnx");
  const weights = new Float32Array(9);
  for (let i = 0; i < 3; i++) weights[i * 4] = 2;
  writeFileSync(file, linearModel(weights, new Float32Array(3), 3, 3));
  const added = await sdxJson(["--models-dir", dir, "models", "add", "scaler", "--file", file, "--category", "tiny"]);
  expect(added.status, added.stderr).toBe(0);
  return dir;
}

const runJob = async (library: string, modelsDir: string, job: string, params: string[]) =>
  await sdxJson<{ state: string; result: unknown; error: { code: string; message: string } | null }>(
    ["--models-dir", modelsDir, "run", EXT, job, "--library", library, ...params.flatMap((p) => ["--param", p])]);

describe("executeOn across devices", () => {
  it("runs a declared task on the device that has the capability; refuses made-up devices; fails clearly when the device drops mid-task", async () => {
    const modelsA = join(work, "models-a");
    const modelsB = await modelsWithScaler();
    const a = await install("exec-a");
    const b = await install("exec-b");
    let served = await serve(b, { modelsDir: modelsB });
    try {
      expect((await sdxJson(["--models-dir", modelsA, "devices", "pair", "--library", a, "--peer", served.url, "--token", served.token])).status).toBe(0);
      const listed = await sdxJson<{ devices: Array<{ uuid: string; this: boolean; capabilities: string[] }> }>(["--models-dir", modelsA, "devices", "list", "--library", a]);
      expect(listed.json.devices.find((d) => d.uuid === served.device)?.capabilities).toEqual(["cpu", "model:scaler"]);
      expect(listed.json.devices.find((d) => d.this)?.capabilities).toEqual(["cpu"]);

      const offload = await runJob(a, modelsA, "offload", ["values=[1,2,3]"]);
      expect(offload.status, offload.stderr).toBe(0);
      const deviceA = listed.json.devices.find((d) => d.this)!.uuid;
      expect(offload.json.result).toEqual({
        device: served.device, isLocal: false, output: [2, 4, 6], gpu: "SDX3008", preferLocal: deviceA, preferRemote: served.device, all: 2,
      });
      // It ran on B, as a job of B's own, with B's grants.
      expect(query<{ name: string; state: string }>(b, "jobs.db", "SELECT name, state FROM jobs WHERE name LIKE '@peer:%'")).toEqual([{ name: "@peer:scale", state: "completed" }]);
      // A device object the extension made up (a real device's UUID, no handle from select) is refused.
      const forged = await runJob(a, modelsA, "forged", [`uuid=${served.device}`]);
      expect(forged.json.result).toBe("SDX3049");

      // B drops mid-task: A retries once (the task's retries), then the job fails with SDX3048.
      const child = spawn(process.execPath, [SDX_BIN, "--json", "--models-dir", modelsA, "run", EXT, "lingerOn", "--library", a, "--param", "rounds=100000000"], { stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      child.stdout.on("data", (d: Buffer) => (out += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
      await until("B running the task for A", () => query(b, "jobs.db", "SELECT 1 FROM jobs WHERE name = '@peer:linger' AND state = 'running'").length > 0);
      expect(await served.stop("SIGKILL")).toBe("SIGKILL");
      expect(await exited).toBe(1);
      const failed = JSON.parse(out) as { state: string; error: { code: string; message: string } };
      expect(failed.state).toBe("failed");
      expect(failed.error.code).toBe("SDX3048");
      expect(failed.error.message).toMatch(/task linger on device .* failed after 2 attempts: the peer at http:\/\/127\.0\.0\.1:\d+ is unreachable/);

      // B's next host finds the task it was running for A and fails it (A retries, not B).
      served = await serve(b, { modelsDir: modelsB, port: served.port });
      await until("the orphaned peer task failed", () => query<{ state: string }>(b, "jobs.db", "SELECT state FROM jobs WHERE name = '@peer:linger'")[0]?.state === "failed");
    } finally {
      await served.stop("SIGTERM");
    }
  }, 240_000);
});

describe("sdx serve", () => {
  it("fires scheduled jobs on time, resumes a job a killed process left, suspends it on SIGTERM and resumes it on the next start", async () => {
    const dir = await install("serve-life");
    let served = await serve(dir);
    try {
      // Scheduled: `tick` every second.
      await until("two ticks", () => query(dir, "jobs.db", "SELECT 1 FROM jobs WHERE name = 'tick' AND state = 'completed'").length >= 2);
      // A job whose process is killed mid-run is resumed by the serving host.
      const child = spawn(process.execPath, [SDX_BIN, "--json", "run", EXT, "dwell", "--library", dir, "--param", "rounds=100000000"], { stdio: "ignore" });
      const job = await until("dwell running", () => query<{ id: string; owner_pid: number }>(dir, "jobs.db", "SELECT id, owner_pid FROM jobs WHERE name = 'dwell' AND state = 'running' AND checkpoint_json IS NOT NULL")[0]);
      expect(job.owner_pid).toBe(child.pid);
      child.kill("SIGKILL");
      await until("serve resumed dwell", () => query<{ owner_pid: number }>(dir, "jobs.db", "SELECT owner_pid FROM jobs WHERE id = ? AND state = 'running'", job.id)[0]?.owner_pid === served.child.pid);
      // SIGTERM: the running job is suspended (queued) and the process exits cleanly.
      expect(await served.stop("SIGTERM")).toBe(0);
      expect(query<{ state: string }>(dir, "jobs.db", "SELECT state FROM jobs WHERE id = ?", job.id)[0]!.state).toBe("queued");
      served = await serve(dir);
      await until("the next serve resumed dwell", () => query<{ owner_pid: number }>(dir, "jobs.db", "SELECT owner_pid FROM jobs WHERE id = ? AND state = 'running'", job.id)[0]?.owner_pid === served.child.pid);
      expect((await sdxJson(["jobs", "cancel", job.id, "--library", dir])).status).toBe(0);
    } finally {
      await served.stop("SIGTERM");
    }
  }, 240_000);

  it("two serves of one library never run the same job, and take each scheduled slot once", async () => {
    const dir = await install("serve-two");
    const first = await serve(dir);
    const second = await serve(dir);
    try {
      await until("five ticks", () => query(dir, "jobs.db", "SELECT 1 FROM jobs WHERE name = 'tick' AND state = 'completed'").length >= 5);
    } finally {
      await first.stop("SIGTERM");
      await second.stop("SIGTERM");
    }
    const ticks = query<{ id: string; runs: number; slot: number }>(dir, "jobs.db",
      "SELECT j.id, j.runs, s.slot FROM jobs j JOIN job_schedule_slots s ON s.job_id = j.id WHERE j.name = 'tick' AND j.state = 'completed'");
    expect(ticks.length).toBeGreaterThanOrEqual(5);
    expect(new Set(ticks.map((t) => t.slot)).size).toBe(ticks.length);
    expect(ticks.every((t) => t.runs === 1)).toBe(true);
    const started = query<{ n: number }>(dir, "jobs.db", "SELECT count(*) AS n FROM job_events e JOIN jobs j ON j.id = e.job_id WHERE j.name = 'tick' AND e.kind IN ('started', 'resumed') GROUP BY e.job_id HAVING n > 1");
    expect(started).toEqual([]);
  }, 240_000);
});
