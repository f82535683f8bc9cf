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
}`);

let host: Host;
let libraryDir: string;
let closed = false;

beforeAll(async () => {
  libraryDir = join(tempDir(), "library");
  host = await Host.open({ libraryDir });
  await host.install(await bundleBytes(manifest({ id: ID, jobs: [job("shout")] }), GUEST), { grants: [] });
});

afterAll(async () => {
  if (!closed) await host.close();
  removeTempDirs();
});

describe("guest output", () => {
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
