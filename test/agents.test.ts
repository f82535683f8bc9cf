/**
 * Agent hooks end to end, with a real extension built by `sdx build` (test/fixtures/agent-extension),
 * the QuickJS sandbox and real SQLite files: entry hooks fire once per new entry the extension
 * may read (through `sdx index`, and never again on a re-index); a hook that throws or spins is
 * contained and later events still arrive; model_created and job_completed hooks fire, with the
 * self-loop and cascade guards; schedules tick; hook memory survives a restart and feeds a Jinja
 * template; and a host SIGKILLed while a hook runs delivers the event again, same event id.
 *
 * Time: only the containment case gives hooks a reachable deadline (4 s: the spinning hook meets
 * it, the others are a few host calls); states are awaited by polling with a generous bound; the
 * schedule ticks on a fake clock (advanced to each tick, never slept for).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Host } from "../packages/host/src/host/host.js";
import type { AgentDeliveryRecord } from "../packages/host/src/agents/types.js";
import { Library } from "../packages/host/src/store/library.js";
import { getInstalled } from "../packages/host/src/extensions/install.js";
import { memoryStore } from "../packages/host/src/core/memory/store.js";
import { resolveField } from "../packages/host/src/core/memory/fields.js";
import { TemporalStore } from "../packages/host/src/core/memory/temporal.js";
import { readTrail } from "../packages/host/src/core/memory/trail-reader.js";
import type { TrailRecord } from "../packages/host/src/core/memory/trail.js";
import { sdx, sdxJson, tempDir } from "./helpers/cli.js";
import { until } from "./helpers/poll.js";
import { FakeClock } from "../packages/testing/src/fake-clock.js";

const FIXTURE = fileURLToPath(new URL("./fixtures/agent-extension/", import.meta.url));
const EXT = "org.sdx.agenttest";
const PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==", "base64");
const work = tempDir("sdx-agents-");
let bundle = "";
let bundleBytes: Uint8Array;

interface Seen { eventId: string; hook: string; name: string; phase: string }

function files(dir: string, contents: Record<string, string | Buffer>): string {
  for (const [name, body] of Object.entries(contents)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), body);
  }
  return dir;
}

/** What the hooks wrote to their TemporalMemory, oldest first. */
function seen(library: Library): Seen[] {
  const manifest = getInstalled(library, EXT)!.manifest;
  return new TemporalStore(memoryStore(library), EXT, resolveField(manifest, "seen", "temporal")).query({ limit: 10_000 }).map((e) => e.event as Seen).reverse();
}

/** Hooks get no deadline a busy machine could reach, unless a test gives one. */
async function openHost(name: string, agents = { hookTimeoutMs: 10 * 60_000, maxAttempts: 2, backoffMs: 20 }, clock?: FakeClock): Promise<Host> {
  const host = await Host.open({ libraryDir: join(work, name), agents, ...(clock ? { clock } : {}) });
  if (!getInstalled(host.library, EXT)) await host.install(bundleBytes, { grants: [{ permission: 0, scope: [] }, { permission: 1, scope: [] }] });
  return host;
}

const ofType = (events: AgentDeliveryRecord[], type: string) => events.filter((e) => e.type === type);
const names = (events: AgentDeliveryRecord[]) => events.map((e) => `${(e.payload as { name: string }).name}:${e.hook}:${e.state}`).sort();

beforeAll(async () => {
  const project = join(work, "project");
  cpSync(FIXTURE, project, { recursive: true });
  const build = await sdxJson<{ bundlePath: string }>(["build", project]);
  expect(build.status, build.stderr).toBe(0);
  bundle = build.json.bundlePath;
  bundleBytes = new Uint8Array(readFileSync(bundle));
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("entry hooks through sdx index", () => {
  const library = join(work, "cli-library");
  let root = "";
  const events = async () => ofType((await sdxJson<{ events: AgentDeliveryRecord[] }>(["events", "--library", library])).json.events, "entry_indexed");
  let first: AgentDeliveryRecord[] = [];

  beforeAll(async () => {
    root = files(join(work, "cli-files"), { "in/a.txt": "a", "in/b.md": "glob miss", "in/pic.png": PNG, "out/c.txt": "outside the grant" });
    const install = await sdx(["install", bundle, "--library", library, "--grant", join(root, "in"), "--yes"]);
    expect(install.status, install.stderr).toBe(0);
  });

  it("fire once per new entry the extension may read; sdx events lists the deliveries", async () => {
    const index = await sdxJson<{ added: number; hookDeliveries: number }>(["index", root, "--library", library]);
    expect(index.status, index.stderr).toBe(0);
    expect(index.json).toMatchObject({ added: 4, hookDeliveries: 3 });
    // `sdx index` returned only after the hooks ran.
    first = await events();
    expect(names(first)).toEqual(["a.txt:onNewEntry:delivered", "pic.png:onNewEntry:delivered", "pic.png:onNewPhoto:delivered"]);
    const pic = first.filter((e) => (e.payload as { name: string }).name === "pic.png");
    expect(pic[0]!.eventId).toBe(pic[1]!.eventId); // one event, two hooks
    expect(first.every((e) => e.attempts === 1)).toBe(true);

    const table = await sdx(["events", "--library", library, "--extension", EXT, "--state", "delivered"]);
    expect(table.status).toBe(0);
    expect(table.stdout).toContain("onNewPhoto");
  });

  it("do not fire again for entries indexed before, only for the new one", async () => {
    files(root, { "in/d.txt": "new", "out/e.txt": "outside again" });
    expect((await sdxJson<{ added: number; hookDeliveries: number }>(["index", root, "--library", library])).json).toMatchObject({ added: 2, hookDeliveries: 1 });
    expect(names(await events())).toEqual([...names(first), "d.txt:onNewEntry:delivered"].sort());

    const lib = Library.open(library);
    try {
      const entryHooks = seen(lib).filter((s) => s.hook === "onNewEntry" || s.hook === "onNewPhoto");
      expect(entryHooks.map((s) => `${s.name}:${s.hook}`)).toEqual(["a.txt:onNewEntry", "pic.png:onNewEntry", "pic.png:onNewPhoto", "d.txt:onNewEntry"]);
    } finally {
      lib.close();
    }
  });
});

describe("containment, other events, guards", () => {
  it("a hook that throws or spins is recorded as failed and later events still arrive", async () => {
    const host = await openHost("contained", { hookTimeoutMs: 4_000, maxAttempts: 2, backoffMs: 20 });
    try {
      await host.index(files(join(work, "contained-1"), { "boom.txt": "x", "spin.txt": "y" }));
      await host.index(files(join(work, "contained-2"), { "later.txt": "z" }));
      await host.idle();
      const failed = await until("both bad hooks to fail for good", () => {
        const rows = host.agentEvents({ type: "entry_indexed", state: "failed" });
        return rows.length === 2 && rows;
      });
      const byName = new Map(failed.map((e) => [(e.payload as { name: string }).name, e]));
      expect(byName.get("boom.txt")).toMatchObject({ attempts: 2, lastError: { code: "SDX3006" } });
      expect(byName.get("boom.txt")!.lastError!.message).toContain(`boom (${byName.get("boom.txt")!.eventId})`);
      expect(byName.get("spin.txt")).toMatchObject({ attempts: 2, lastError: { code: "SDX3003" } });
      expect(names(host.agentEvents({ type: "entry_indexed", state: "delivered" }))).toEqual(["later.txt:onNewEntry:delivered"]);
      expect(seen(host.library).filter((s) => s.hook === "onNewEntry").map((s) => s.name)).toEqual(["later.txt"]);
      expect(host.logs(EXT).some((l) => l.level === "error" && l.message.includes("giving up"))).toBe(true);
    } finally {
      await host.close();
    }
  });

  it("model_created and job_completed hooks fire; self-loops and job cascades stop; schedules tick", async () => {
    const clock = new FakeClock();
    const host = await openHost("events", undefined, clock);
    try {
      const note = await host.runJob(EXT, "makeNote", { text: "hello" });
      expect(note.state).toBe("completed");
      await host.idle();
      const created = host.agentEvents({ type: "model_created" });
      // The job's note reached onModelCreated; the note that hook made did not come back to it.
      expect(created).toHaveLength(1);
      expect(created[0]).toMatchObject({ state: "delivered", hook: "onModelCreated", payload: { uuid: note.result, modelType: "Note", extension: EXT } });
      expect(await host.runJob(EXT, "chain", {})).toMatchObject({ state: "completed" });
      await host.idle();
      const completed = host.agentEvents({ type: "job_completed" });
      const makeNote = completed.find((e) => (e.payload as { name: string }).name === "makeNote");
      expect(makeNote).toMatchObject({ state: "delivered", payload: { jobId: note.jobId, extension: EXT, name: "makeNote", state: "completed" } });
      const chain = completed.filter((e) => (e.payload as { name: string }).name === "chain");
      // Depth 0 (the user's run) to 8 delivered; the 10th run's event is one hook too deep.
      expect(chain.map((e) => e.state)).toEqual([...Array<string>(9).fill("delivered"), "skipped"]);
      expect(chain.at(-1)).toMatchObject({ depth: 9, lastError: { code: "SDX3025" } });
      expect(host.listJobs({ extensionId: EXT }).filter((j) => j.name === "chain")).toHaveLength(10);

      // Two ticks of the 1 s schedule: the clock jumps to each instead of the test waiting for it.
      for (let tick = 0; tick < 2; tick++) await clock.advance((await clock.nextTimer("schedule")).inMs);
      await host.idle();
      // Until two are delivered, time goes on as it would: a tick that found the hook instance busy
      // waits for its retry on this clock, and the next tick wakes the delivery up again.
      const end = Date.now() + 45_000;
      let ticks = host.agentEvents({ type: "schedule", state: "delivered" });
      while (ticks.length < 2) {
        if (Date.now() > end) throw new Error(`timed out waiting for two delivered schedule ticks: ${JSON.stringify(host.agentEvents({ type: "schedule" }))}`);
        await new Promise((r) => setTimeout(r, 25));
        const next = clock.pending("hook-retry")[0] ?? clock.pending("schedule")[0];
        if (next) await clock.advance(next.inMs);
        ticks = host.agentEvents({ type: "schedule", state: "delivered" });
      }
      // A later tick may be running its hook now: let it finish before comparing with what the hooks wrote.
      await host.idle();
      ticks = host.agentEvents({ type: "schedule", state: "delivered" });
      expect(new Set(ticks.map((t) => t.eventId)).size).toBe(ticks.length);
      expect(seen(host.library).filter((s) => s.hook === "onSchedule").length).toBe(ticks.length);
    } finally {
      await host.close();
    }
  });

  it("memory written by hooks survives a restart and is the input of a prompt template", async () => {
    let host = await openHost("memory");
    await host.index(files(join(work, "memory-1"), { "one.txt": "1", "two.txt": "2" }));
    await host.idle();
    await host.close();

    host = await openHost("memory");
    try {
      expect(seen(host.library).filter((s) => s.hook === "onNewEntry").map((s) => s.name)).toEqual(["one.txt", "two.txt"]);
      await host.index(files(join(work, "memory-2"), { "summary.txt": "s" }));
      await host.idle();
      const summary = seen(host.library).find((s) => s.phase.startsWith("summary: "));
      expect(summary?.phase).toBe("summary: Recently seen: two.txt (onNewEntry), one.txt (onNewEntry).");
      const trail: TrailRecord[] = [];
      await readTrail(host.library.dir, EXT, { onLine: (record) => record && trail.push(record) });
      expect(trail.find((r) => r.message === "summary")?.data).toEqual({ text: "Recently seen: two.txt (onNewEntry), one.txt (onNewEntry)." });
    } finally {
      await host.close();
    }
  });
});

describe("crash between event and hook completion", () => {
  function child(library: string, dir: string, killOnSlowStart: boolean): Promise<{ lines: Array<Record<string, unknown>>; killed: boolean }> {
    return new Promise((resolve, reject) => {
      const proc = spawn(process.execPath, [join(FIXTURE, "child.mjs"), library, bundle, dir], { stdio: ["ignore", "pipe", "pipe"] });
      const lines: Array<Record<string, unknown>> = [];
      let buffer = "";
      let stderr = "";
      proc.stdout.on("data", (chunk: Buffer) => {
        buffer += chunk.toString();
        const parts = buffer.split("\n");
        buffer = parts.pop()!;
        for (const line of parts) {
          const event = JSON.parse(line) as Record<string, unknown>;
          lines.push(event);
          if (killOnSlowStart && event.slowStarted) proc.kill("SIGKILL");
        }
      });
      proc.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      proc.on("error", reject);
      proc.on("exit", (code, signal) => {
        if (signal === "SIGKILL") return resolve({ lines, killed: true });
        if (code !== 0) return reject(new Error(`child exited with ${code}: ${stderr}`));
        resolve({ lines, killed: false });
      });
    });
  }

  it("delivers the event again, with the same event id, when the next host opens", async () => {
    const library = join(work, "crash-library");
    const dir = files(join(work, "crash-files"), { "slow.txt": "takes a while" });
    const first = await child(library, dir, true);
    expect(first.killed).toBe(true);
    const eventId = first.lines.find((l) => l.slowStarted)?.slowStarted as string;
    expect(eventId).toMatch(/^[0-9a-f-]{36}$/);

    const second = await child(library, "-", false);
    expect(second.lines.at(-1)).toEqual({ done: true });
    const deliveries = second.lines.find((l) => l.deliveries)?.deliveries as AgentDeliveryRecord[];
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]).toMatchObject({ eventId, hook: "onNewEntry", state: "delivered", attempts: 2 });
    const lib = Library.open(library);
    try {
      // The redelivery saw the first attempt's "started" (same event id) and finished it.
      expect(seen(lib).filter((s) => s.name === "slow.txt").map((s) => [s.eventId, s.phase])).toEqual([[eventId, "started"], [eventId, "done"]]);
    } finally {
      lib.close();
    }
  });
});
