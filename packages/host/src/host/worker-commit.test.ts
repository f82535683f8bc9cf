/**
 * A worker commits its open writes before it forwards an op to the host's thread. The host's thread
 * may write to the library while it answers (an audit row, a setting), and a worker that held the
 * write lock while it waits in a sync call would deadlock with it until SQLite's busy timeout
 * ("database is locked"). The test asks for the write lock, without waiting, at the moment the
 * host's thread receives the worker's log line: it must be free, and the model must be visible.
 */
import { afterAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import Database from "better-sqlite3";
import { Host } from "./host.js";
import { guest } from "@sdx/sandbox/testing";
import { bundleBytes, job, manifest, removeTempDirs, tempDir } from "../jobs/__tests__/fixtures.js";

const MANIFEST = manifest({
  id: "org.example.forward",
  permissions: [],
  models: [{
    name: "Counter", className: "Counter", version: "1.0.0", scope: "standalone", sync: "shared",
    schema: { type: "object", properties: { n: { type: "number" } }, required: ["n"], additionalProperties: false }, blobFields: [],
  }],
  jobs: [job("writeThenLog")],
});

const GUEST = guest(`{
  async writeThenLog(ctx) {
    await call("models.create", { modelType: "Counter", scope: { standalone: true }, data: { n: 1 }, blobs: {} });
    callSync("log", { level: "info", message: "wrote" }); // forwarded to the host's thread after the commit (not awaited)
    return 1;
  },
}`);

/** Writes, then computes for seconds without a host call (the worker's timers cannot run meanwhile). */
const SPIN_MANIFEST = { ...MANIFEST, id: "org.example.spin", jobs: [job("writeThenCompute")] };
const SPIN_GUEST = guest(`{
  async writeThenCompute(ctx) {
    await call("models.create", { modelType: "Counter", scope: { standalone: true }, data: { n: 1 }, blobs: {} });
    const started = Date.now();
    while (Date.now() - started < 3000) {}
    return 1;
  },
}`);

afterAll(removeTempDirs);

describe("writes from a worker", () => {
  it("are committed before an op is forwarded to the host's thread, so the host can write while it answers", async () => {
    const libraryDir = join(tempDir(), "lib");
    const seen: Array<{ lockFree: boolean; models: number }> = [];
    let probe: Database.Database | null = null;
    const host = await Host.open({
      libraryDir,
      onLog: ({ message }) => {
        if (message !== "wrote" || !probe) return;
        let lockFree = true;
        try {
          probe.exec("BEGIN IMMEDIATE");
          probe.exec("ROLLBACK");
        } catch {
          lockFree = false;
        }
        seen.push({ lockFree, models: (probe.prepare("SELECT count(*) AS n FROM models").get() as { n: number }).n });
      },
    });
    await host.install(await bundleBytes(MANIFEST, GUEST), { grants: [] });
    probe = new Database(join(libraryDir, "library.db"));
    probe.pragma("busy_timeout = 0"); // ask once: a held lock is an error here, not a wait
    const outcome = await host.runJob("org.example.forward", "writeThenLog", {});
    expect(outcome.state, JSON.stringify(outcome.error)).toBe("completed");
    expect(seen).toEqual([{ lockFree: true, models: 1 }]);
    probe.close();
    await host.close();
  });
});

describe("a guest computing after a write", () => {
  it("does not keep the library's write lock while it computes (its group commits from the engine's interrupt check)", async () => {
    const libraryDir = join(tempDir(), "lib");
    const host = await Host.open({ libraryDir });
    await host.install(await bundleBytes(SPIN_MANIFEST, SPIN_GUEST), { grants: [] });
    const probe = new Database(join(libraryDir, "library.db"));
    probe.pragma("busy_timeout = 0");
    let ended = false;
    const run = host.runJob("org.example.spin", "writeThenCompute", {}).finally(() => (ended = true));
    // Wait (bounded by the job's end) until the model is visible to another connection.
    let seenWhileComputing = false;
    while (!ended) {
      if ((probe.prepare("SELECT count(*) AS n FROM models").get() as { n: number }).n === 1) {
        probe.exec("BEGIN IMMEDIATE"); // throws SQLITE_BUSY if the worker still held the lock
        probe.exec("ROLLBACK");
        seenWhileComputing = !ended;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const outcome = await run;
    expect(outcome.state, JSON.stringify(outcome.error)).toBe("completed");
    expect(seenWhileComputing).toBe(true);
    probe.close();
    await host.close();
  });
});
