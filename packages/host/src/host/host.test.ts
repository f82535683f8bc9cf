/**
 * The Host end to end: a bundle with a hand-written guest is verified, installed, indexed against,
 * and its job creates content-scoped models and tags in a real SQLite library through tasks. Then
 * the containment cases, each followed by the next job in the same Host running fine. Only the
 * spinning job meets a time limit (a second host on the same library); memory, stack and message
 * limits are shown under time limits they cannot reach, so a busy machine changes no outcome.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, readdirSync, readlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Host } from "./host.js";
import type { WorkerSandbox } from "@sdx/sandbox";
import { guest } from "@sdx/sandbox/testing";
import { bundleBytes, job, manifest, removeTempDirs, sdPathParam, task, tempDir, UNREACHABLE_MS } from "../jobs/__tests__/fixtures.js";

const NOTES = manifest({
  id: "org.example.notes",
  permissions: [{ kind: "read_entries", glob: "**/*.txt" }, { kind: "write_tags" }],
  models: [{
    name: "Note", className: "Note", version: "1.0.0", scope: "content", sync: "shared",
    schema: { type: "object", properties: { words: { type: "number" } }, required: ["words"], additionalProperties: false }, blobFields: [],
  }],
  jobs: [
    job("countAll", { parallelism: 2, params: [sdPathParam("location")] }),
    ...["spin", "oom", "recurse", "nativeRecurse", "rawThrowString", "rawThrowNull", "rawThrowObject", "huge", "probe"].map((n) => job(n)),
  ],
  tasks: [task("countWords", { retries: 1, params: [{ name: "entry", optional: false, sdkType: "Entry", schema: {} }] })],
});

const GUEST = guest(`{
  async countAll(ctx, location) {
    const { entries } = await call("entries.query", { location, limit: 100 });
    let done = 0;
    await Promise.all(entries.map(async (entry) => {
      const { result: words } = await call("tasks.run", { jobId: ctx.jobId, task: "countWords", args: [entry] });
      await call("models.create", { modelType: "Note", scope: { content: entry.contentUuid }, data: { words }, blobs: {} });
      await call("tags.add", { target: { content: entry.contentUuid }, tag: "#counted" });
      await call("jobs.progress", { jobId: ctx.jobId, done: ++done, total: entries.length, message: entry.name });
    }));
    callSync("log", { level: "info", message: "counted " + entries.length });
    return entries.length;
  },
  async countWords(ctx, entry) {
    const { bytes } = await call("entries.read", { entryUuid: entry.uuid });
    const { text } = callSync("text.decode", { bytes });
    return text.split(/\\s+/).filter(Boolean).length;
  },
  spin() { while (true) {} },
  oom() { const keep = []; for (;;) keep.push(new Float64Array(1 << 20)); },
  recurse() { const f = (n) => f(n + 1) + 1; return f(0); },
  nativeRecurse() { let a = []; for (let i = 0; i < 100000; i++) a = [a]; return String(a).length; },
  rawThrowString() { throw "plain string"; },
  rawThrowNull() { throw null; },
  rawThrowObject() { throw { code: 7 }; },
  huge() { return "h".repeat(3 << 20); },
  probe() {
    return ["require", "process", "fetch", "WebAssembly", "setTimeout", "Buffer"].map((n) => typeof globalThis[n])
      .concat([typeof Function("return this")().process, typeof (0, eval)("this").require]);
  },
}`);

let host: Host;
let data: string;
let libraryDir: string;
const logLines: string[] = [];

beforeAll(async () => {
  const root = tempDir();
  data = join(root, "data");
  mkdirSync(join(data, "sub"), { recursive: true });
  writeFileSync(join(data, "a.txt"), "hello world");
  writeFileSync(join(data, "sub", "b.txt"), "one two three four");
  writeFileSync(join(data, "c.md"), "not matched by the glob");
  libraryDir = join(root, "library");
  host = await Host.open({
    libraryDir,
    limits: { maxSliceMs: UNREACHABLE_MS, memoryBytes: 48 * 1024 * 1024, maxMessageBytes: 2 * 1024 * 1024 },
    onLog: (e) => logLines.push(`${e.extensionId}:${e.level}:${e.message}`),
  });
  const installed = await host.install(await bundleBytes(NOTES, GUEST), { grants: [{ permission: 0, scope: [data] }, { permission: 1, scope: [] }] });
  expect(installed.id).toBe("org.example.notes");
  await host.index(data);
});

afterAll(async () => {
  await host.close();
  removeTempDirs();
});

describe("Host", () => {
  it("runs a job end to end: tasks, models and tags in the library, progress, logs", async () => {
    const progress: string[] = [];
    const outcome = await host.runJob("org.example.notes", "countAll", { location: data }, { onProgress: (p) => progress.push(`${p.done}/${p.total}`) });
    expect(outcome).toMatchObject({ state: "completed", result: 2 });
    const rows = host.library.db.prepare("SELECT model_type, data FROM models WHERE extension_id = ? ORDER BY json_extract(data, '$.words')").all("org.example.notes") as Array<{ model_type: string; data: string }>;
    expect(rows.map((r) => [r.model_type, JSON.parse(r.data).words])).toEqual([["Note", 2], ["Note", 4]]);
    const tags = host.library.db.prepare("SELECT count(*) AS n FROM tag_links").get() as { n: number };
    expect(tags.n).toBe(2);
    expect(progress.sort()).toEqual(["1/2", "2/2"]);
    expect(logLines).toContain("org.example.notes:info:counted 2");
    expect(host.getJob(outcome.jobId)).toMatchObject({ state: "completed", params: [{ device: host.library.deviceUuid, path: data }] });
  });

  it("names a missing required parameter (SDX3012) and an unknown job (SDX3011)", async () => {
    await expect(host.runJob("org.example.notes", "countAll", {})).rejects.toMatchObject({ code: "SDX3012", message: expect.stringContaining('"location"') });
    await expect(host.runJob("org.example.notes", "nope", {})).rejects.toMatchObject({ code: "SDX3011" });
    await expect(host.runJob("org.example.other", "countAll", {})).rejects.toMatchObject({ code: "SDX3010" });
  });

  it("contains each failure with a clear code, and the next job in the same host runs fine", async () => {
    const cases: Array<[string, string]> = [
      ["oom", "SDX3004"], ["recurse", "SDX3005"], ["nativeRecurse", "SDX3005"],
      ["rawThrowString", "SDX3006"], ["rawThrowNull", "SDX3006"], ["rawThrowObject", "SDX3006"], ["huge", "SDX3014"],
    ];
    for (const [name, code] of cases) {
      const failed = await host.runJob("org.example.notes", name, {});
      expect({ name, state: failed.state, code: failed.error?.code }).toEqual({ name, state: "failed", code });
      expect(host.getJob(failed.jobId)).toMatchObject({ state: "failed", error: { code } });
      const next = await host.runJob("org.example.notes", "countAll", { location: data });
      expect({ name, state: next.state, result: next.result }).toEqual({ name, state: "completed", result: 2 });
    }
    // Models were upserted per content, never duplicated by the reruns.
    expect((host.library.db.prepare("SELECT count(*) AS n FROM models").get() as { n: number }).n).toBe(2);
  });

  it("stops a job that spins at the slice limit (SDX3003), and the next job runs fine", async () => {
    const sliced = await Host.open({ libraryDir, recover: false, limits: { maxSliceMs: 1_000 } });
    try {
      const failed = await sliced.runJob("org.example.notes", "spin", {});
      expect({ state: failed.state, code: failed.error?.code }).toEqual({ state: "failed", code: "SDX3003" });
      expect((await sliced.runJob("org.example.notes", "countAll", { location: data })).result).toBe(2);
    } finally {
      await sliced.close();
    }
  });

  it("shows the guest nothing of the host", async () => {
    const outcome = await host.runJob("org.example.notes", "probe", []);
    expect(outcome).toMatchObject({ state: "completed", result: Array(8).fill("undefined") });
  });

  it("runs a reinstalled extension's next job in the threads of its old VMs, whose library connections it closed", async () => {
    const sandbox = host.sandbox as WorkerSandbox;
    const grants = { grants: [{ permission: 0, scope: [data] }, { permission: 1, scope: [] }] };
    expect((await host.runJob("org.example.notes", "countAll", { location: data })).result).toBe(2);
    const open = openLibraryFiles();
    const reused = sandbox.stats.threadsReused;
    // What `sdx dev` does on every save: install the new build, run the job again.
    await host.install(await bundleBytes(NOTES, GUEST), grants);
    expect((await host.runJob("org.example.notes", "countAll", { location: data })).result).toBe(2);
    // The job's VM and its two tasks' VMs.
    expect(sandbox.stats.threadsReused - reused).toBe(3);
    if (process.platform === "linux") expect(openLibraryFiles()).toBe(open);
  });

  it("refuses a stored bundle that was modified on disk", async () => {
    const root = tempDir();
    const other = await Host.open({ libraryDir: join(root, "lib") });
    try {
      const installed = await other.install(await bundleBytes({ ...NOTES, id: "org.example.tampered" }, GUEST), { grants: [] });
      const bytes = new Uint8Array(await import("node:fs").then((fs) => fs.readFileSync(installed.bundlePath)));
      bytes[bytes.length - 40] ^= 1;
      writeFileSync(installed.bundlePath, bytes);
      await expect(other.runJob("org.example.tampered", "probe", [])).rejects.toMatchObject({ code: expect.stringMatching(/^SDX200[45]$/) });
    } finally {
      await other.close();
    }
  });
});

/** Files of the library open in this process, every thread's (the worker calls' connections included); Linux only. */
function openLibraryFiles(): number {
  if (process.platform !== "linux") return 0;
  let n = 0;
  for (const fd of readdirSync("/proc/self/fd")) {
    try {
      if (readlinkSync(join("/proc/self/fd", fd)).startsWith(libraryDir)) n++;
    } catch {
      // closed while listing
    }
  }
  return n;
}
