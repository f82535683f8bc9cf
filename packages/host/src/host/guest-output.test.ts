/**
 * Log lines a guest hands the host are capped whatever their size (issue 13: a 20 MiB line used to
 * be accepted whole, in memory, on the terminal and in the log file). Values only the protocol
 * carries (BigInt) are covered through the CLI in test/crash-cli.test.ts, with the real guest runtime.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { guest } from "@sdx/sandbox/testing";
import { Host } from "./host.js";
import { MAX_LOG_DATA_BYTES, MAX_LOG_MESSAGE_BYTES } from "../ops/env.js";
import { bundleBytes, job, manifest, removeTempDirs, tempDir } from "../jobs/__tests__/fixtures.js";

const ID = "org.example.output";
const GUEST = guest(`{
  shout() {
    callSync("log", { level: "info", message: "é".repeat(10 << 20), data: { blob: "x".repeat(1 << 20) } });
    callSync("log", { level: "warn", message: "small", data: { n: 1 } });
    return "done";
  },
  refusedLine() {
    // The host refuses this line (no such level); posted, its answer never reaches the guest.
    try { callSync("log", { level: "loud", message: "x" }); return "not awaited"; } catch (e) { return "refused: " + (e.code ?? e.message); }
  },
  async chatty(ctx, n) {
    // Log lines are posted, not awaited: they still reach the host in order with the guest's calls.
    callSync("log", { level: "info", message: "before the call" });
    await call("registry.get", { name: "none" }).catch(() => null); // answered on the host's thread
    for (let i = 0; i < n; i++) callSync("log", { level: "debug", message: "line " + i });
    return n;
  },
}`);

let host: Host;
let libraryDir: string;
let closed = false;

beforeAll(async () => {
  libraryDir = join(tempDir(), "library");
  host = await Host.open({ libraryDir });
  await host.install(await bundleBytes(manifest({ id: ID, jobs: [job("shout"), job("refusedLine"), job("chatty", { params: [{ name: "n", schema: { type: "number" }, optional: false }] })] }), GUEST), { grants: [] });
});

afterAll(async () => {
  if (!closed) await host.close();
  removeTempDirs();
});

describe("guest output", () => {
  it("posts a log line without waiting for the host's answer: a refused line does not come back to the guest", async () => {
    expect(await host.runJob(ID, "refusedLine", {})).toMatchObject({ state: "completed", result: "not awaited" });
  });

  it("delivers every log line of a guest logging in a loop, in order with its calls", async () => {
    const before = host.logs(ID).length;
    const outcome = await host.runJob(ID, "chatty", { n: 500 }); // host.logs keeps the last 1,000
    expect(outcome.state, JSON.stringify(outcome.error)).toBe("completed");
    const messages = host.logs(ID).slice(before).map((l) => l.message);
    expect(messages).toEqual(["before the call", ...Array.from({ length: 500 }, (_, i) => `line ${i}`)]);
  });

  it("caps a 20 MiB log line and 1 MiB of log data, with a marker saying what was cut", async () => {
    expect((await host.runJob(ID, "shout", [])).state).toBe("completed");
    const [huge, small] = host.logs(ID).slice(-2);
    expect(Buffer.byteLength(huge!.message)).toBeLessThan(MAX_LOG_MESSAGE_BYTES + 100);
    expect(huge!.message).toMatch(/^é+… \[truncated: 20971520 bytes, 16384 kept\]$/);
    expect(huge!.data).toEqual({ truncated: true, bytes: (1 << 20) + 11 });
    expect(small).toMatchObject({ message: "small", data: { n: 1 } });
    await host.close(); // writes what is buffered
    closed = true;
    const lines = readFileSync(join(libraryDir, "logs", `${ID}.log`), "utf8").trimEnd().split("\n");
    expect(Math.max(...lines.map((l) => Buffer.byteLength(l)))).toBeLessThan(MAX_LOG_MESSAGE_BYTES + MAX_LOG_DATA_BYTES);
  });
});
