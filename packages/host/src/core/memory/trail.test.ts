import fs from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { cleanupTempDirs, openLibrary, tempDir } from "../../store/__tests__/fixture.js";
import { call, installAgent } from "./__tests__/memory-fixture.js";
import { appendTrail, trailDir, trailFile, type TrailRecord } from "./trail.js";
import { readTrail } from "./trail-reader.js";

afterEach(() => cleanupTempDirs());

function lines(file: string): TrailRecord[] {
  return fs.readFileSync(file, "utf8").trim().split("\n").map((l) => JSON.parse(l) as TrailRecord);
}

describe("agent trail", () => {
  it("agent.trace writes debug JSON lines under logs/extension/<id>/", async () => {
    const library = openLibrary();
    const ctx = await installAgent(library, "org.example.agent", "debug");
    await call(ctx, "agent.trace", { message: "New photo added - checking for faces" });
    await call(ctx, "agent.trace", { message: "Decision: skipping", data: { faces: 0, reason: "none found" } });
    const file = trailFile(library.dir, ctx.extensionId);
    expect(file).toBe(`${library.dir}/logs/extension/org.example.agent/trail.jsonl`);
    const records = lines(file);
    expect(records.map((r) => [r.level, r.extension, r.message, r.data])).toEqual([
      ["debug", "org.example.agent", "New photo added - checking for faces", null],
      ["debug", "org.example.agent", "Decision: skipping", { faces: 0, reason: "none found" }],
    ]);
    expect(Object.keys(records[0])).toEqual(["at", "level", "extension", "message", "data"]);
    expect(Number.isNaN(Date.parse(records[0].at))).toBe(false);
  });

  it("respects the manifest's trail level and writes nothing without a trail", async () => {
    const library = openLibrary();
    const quiet = await installAgent(library, "org.example.quiet", "info");
    const none = await installAgent(library, "org.example.none", null);
    const chatty = await installAgent(library, "org.example.chatty", "trace");
    for (const ctx of [quiet, none, chatty]) await call(ctx, "agent.trace", { message: "hello" });
    expect(fs.existsSync(trailDir(library.dir, quiet.extensionId))).toBe(false);
    expect(fs.existsSync(trailDir(library.dir, none.extensionId))).toBe(false);
    expect(lines(trailFile(library.dir, chatty.extensionId)).map((r) => r.message)).toEqual(["hello"]);

    // Other levels (for the lead's `log` routing) pass or not by rank.
    expect(appendTrail(library.dir, quiet.extensionId, "info", "debug", "dropped", null)).toBe(false);
    expect(appendTrail(library.dir, quiet.extensionId, "info", "warn", "kept", null)).toBe(true);
    expect(lines(trailFile(library.dir, quiet.extensionId)).map((r) => [r.level, r.message])).toEqual([["warn", "kept"]]);
  });

  it("rotates by size, keeps the newest files, and readTrail returns them oldest first", async () => {
    const dir = tempDir();
    const id = "org.example.rot";
    const options = { maxBytes: 1000, keep: 3 };
    for (let i = 0; i < 200; i++) appendTrail(dir, id, "debug", "debug", `line ${i}`, { i, pad: "x".repeat(20) }, options);
    const files = fs.readdirSync(trailDir(dir, id)).sort();
    expect(files).toEqual(["trail.1.jsonl", "trail.2.jsonl", "trail.3.jsonl", "trail.jsonl"]);
    for (const f of files) expect(fs.statSync(`${trailDir(dir, id)}/${f}`).size).toBeLessThanOrEqual(1000);

    const seen: number[] = [];
    await readTrail(dir, id, { onLine: (record) => seen.push((record?.data as { i: number }).i) });
    // Contiguous, ending at the last line written; the oldest lines were dropped with trail.4.
    expect(seen[seen.length - 1]).toBe(199);
    expect(seen).toEqual(Array.from({ length: seen.length }, (_, k) => 200 - seen.length + k));
    expect(seen.length).toBe(files.reduce((n, f) => n + lines(`${trailDir(dir, id)}/${f}`).length, 0));
    // Rotated files were full: the next line (< 150 bytes) did not fit.
    for (const f of files.slice(0, 3)) expect(fs.statSync(`${trailDir(dir, id)}/${f}`).size).toBeGreaterThan(1000 - 150);
  });

  it("cuts oversized records and survives unserializable data", () => {
    const dir = tempDir();
    appendTrail(dir, "org.example.big", "debug", "debug", "m".repeat(10_000), { blob: "y".repeat(200_000) });
    const [record] = lines(trailFile(dir, "org.example.big"));
    expect(record.message).toHaveLength(4096);
    expect(record.data).toEqual({ truncated: true, bytes: expect.any(Number) });
    expect(() => trailDir(dir, "../../etc")).toThrow(/not an extension id/);
  });

  it("readTrail --follow picks up new lines and follows rotation", async () => {
    const dir = tempDir();
    const id = "org.example.follow";
    const options = { maxBytes: 600, keep: 2 };
    appendTrail(dir, id, "debug", "debug", "before", null, options);
    const seen: string[] = [];
    const controller = new AbortController();
    const reading = readTrail(dir, id, { follow: true, pollMs: 20, signal: controller.signal, onLine: (r, line) => seen.push(r?.message ?? `bad:${line}`) });
    // Polls for a state with a generous overall bound (a busy machine is slow, not wrong).
    const waitFor = async (n: number) => {
      const end = Date.now() + 30_000;
      while (seen.length < n) {
        if (Date.now() > end) throw new Error(`the follower saw ${seen.length} of ${n} lines: ${seen.join(", ")}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    await waitFor(1);
    for (let i = 0; i < 5; i++) appendTrail(dir, id, "debug", "debug", `live ${i}`, { pad: "z".repeat(100) }, options);
    await waitFor(6);
    expect(fs.existsSync(trailFile(dir, id, 1))).toBe(true); // it rotated while we followed
    controller.abort();
    await reading;
    expect(seen).toEqual(["before", "live 0", "live 1", "live 2", "live 3", "live 4"]);
  });
});
