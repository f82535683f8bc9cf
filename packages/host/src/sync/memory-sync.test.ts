/** Agent memory across devices: shared fields travel (vectors included), device-owned ones never do. */
import { afterAll, describe, expect, it } from "vitest";
import { call, installAgent, randomVector } from "../core/memory/__tests__/memory-fixture.js";
import { cleanupTempDirs, openLibrary } from "../store/__tests__/fixture.js";
import { pairByHand, syncBoth } from "./__tests__/exchange.js";

afterAll(cleanupTempDirs);

describe("agent memory sync", () => {
  it("shared working, temporal and associative fields converge; device-owned fields stay", async () => {
    const [la, lb] = [openLibrary(), openLibrary()];
    const a = await installAgent(la);
    const b = await installAgent(lb);
    pairByHand(la, lb);

    await call(a, "memory.temporal.append", { field: "events", event: { kind: "seen", score: 1 }, at: "2024-01-01T00:00:00Z" });
    await call(a, "memory.temporal.append", { field: "loose", event: { private: true } });
    await call(b, "memory.temporal.append", { field: "events", event: { kind: "also seen" }, at: "2024-01-02T00:00:00Z" });
    const topic = await call(a, "memory.assoc.remember", { field: "topics", vector: randomVector(1, 8), payload: { label: "cats" } });
    const other = await call(b, "memory.assoc.remember", { field: "topics", vector: randomVector(2, 8), payload: { label: "dogs" } });
    await call(a, "memory.assoc.remember", { field: "faces", vector: randomVector(3, 8), payload: { name: "only on A" } });
    await call(a, "memory.working.set", { field: "plan", value: { step: 1 } });
    await call(b, "memory.working.set", { field: "plan", value: { step: 2, goal: "later" } });
    await syncBoth(la, lb);
    await call(b, "memory.assoc.link", { field: "topics", from: topic.id, to: other.id, weight: 0.5 });
    await syncBoth(la, lb);

    for (const ctx of [a, b]) {
      expect((await call(ctx, "memory.temporal.query", { field: "events" })).events.map((e) => e.event)).toEqual([{ kind: "also seen" }, { kind: "seen", score: 1 }]);
      expect(await call(ctx, "memory.working.get", { field: "plan" })).toEqual({ value: { step: 2, goal: "later" } });
      // The vector travelled: the item is found by similarity on both devices.
      const near = await call(ctx, "memory.assoc.query", { field: "topics", vector: randomVector(1, 8), k: 1 });
      expect(near.results.map((r) => r.payload)).toEqual([{ label: "cats" }]);
      expect((await call(ctx, "memory.assoc.neighbours", { field: "topics", id: topic.id })).results).toEqual([{ id: other.id, weight: 0.5, payload: { label: "dogs" } }]);
    }
    expect((await call(b, "memory.temporal.query", { field: "loose" })).events).toEqual([]);
    expect((await call(b, "memory.assoc.query", { field: "faces", vector: randomVector(3, 8), k: 5 })).results).toEqual([]);
    // The writer of each row is the 16-byte device, the same form models use.
    const writers = lb.db.prepare("SELECT DISTINCT hex(device_uuid) AS d FROM agent_memory_temporal ORDER BY 1").all() as Array<{ d: string }>;
    expect(writers.map((w) => w.d).sort()).toEqual([la.deviceUuidBlob.toString("hex").toUpperCase(), lb.deviceUuidBlob.toString("hex").toUpperCase()].sort());
  });
});
