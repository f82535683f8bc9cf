import { afterEach, describe, expect, it } from "vitest";
import { cleanupTempDirs, openLibrary } from "../../store/__tests__/fixture.js";
import { Library } from "../../store/library.js";
import { createLibraryOpContext } from "../../ops/library-context.js";
import { resolveField } from "./fields.js";
import { memoryStore } from "./store.js";
import { AssociativeStore } from "./associative.js";
import { bruteForce, call, installAgent, randomVector, wire } from "./__tests__/memory-fixture.js";

afterEach(() => cleanupTempDirs());

describe("associative memory", () => {
  it("loads sqlite-vec into the library connection", () => {
    const library = openLibrary();
    expect(memoryStore(library).vectorIndexAvailable).toBe(true);
    const { v } = library.db.prepare("SELECT vec_version() AS v").get() as { v: string };
    expect(v).toMatch(/^v0\.1\./);
  });

  it.each([{ n: 10_000, d: 64 }, { n: 5_000, d: 512 }])("kNN over $n random $d-d vectors equals a brute-force scan", async ({ n, d }) => {
    const library = openLibrary();
    const ctx = await installAgent(library);
    const vectors = Array.from({ length: n }, (_, i) => randomVector(i + 1, d));
    // Bulk insert through the store in one transaction (the op path is tested below).
    const store = new AssociativeStore(memoryStore(library), ctx.extensionId, resolveField(ctx.manifest, "faces", "associative"));
    const ids = memoryStore(library).transaction(() => vectors.map((v, i) => store.remember(v, { name: `p${i}` })));
    for (let q = 0; q < 20; q++) {
      const query = randomVector(100_000 + q, d);
      const k = q % 2 === 0 ? 10 : 50;
      const { results } = await call(ctx, "memory.assoc.query", { field: "faces", vector: query, k });
      const expected = bruteForce(vectors, query, k);
      expect(results.map((r) => r.id)).toEqual(expected.map((e) => ids[e.index]));
      results.forEach((r, i) => {
        expect(r.distance).toBeCloseTo(expected[i].distance, 5);
        expect(r.payload).toEqual({ name: `p${expected[i].index}` });
      });
    }
  });

  it("remembers through the op and persists across reopening", async () => {
    const library = openLibrary();
    const dir = library.dir;
    const ctx = await installAgent(library);
    const a = randomVector(1, 16);
    const { id } = await call(ctx, "memory.assoc.remember", { field: "topics", vector: a, payload: { title: "cats", v: new Float32Array([1, 2]) } });
    await call(ctx, "memory.assoc.remember", { field: "topics", vector: randomVector(2, 16), payload: "dogs" });
    const row = library.db.prepare("SELECT sync, sync_vectors, dimension FROM agent_memory_assoc_items WHERE field = 'topics' LIMIT 1").get();
    expect(row).toEqual({ sync: "shared", sync_vectors: 1, dimension: 16 });
    library.close();

    const reopened = Library.open(dir);
    try {
      const ctx2 = createLibraryOpContext(reopened, ctx.extensionId);
      const { results } = await call(ctx2, "memory.assoc.query", { field: "topics", vector: a, k: 5 });
      expect(results.map((r) => r.id)[0]).toBe(id);
      expect(results[0].distance).toBeCloseTo(0, 6);
      expect(results[0].payload).toEqual({ title: "cats", v: [1, 2] }); // typed arrays are stored as JSON arrays
      expect(results).toHaveLength(2);
    } finally {
      reopened.close();
    }
  });

  it("keeps device-owned vectors off sync by default and checks dimensions and vectors", async () => {
    const ctx = await installAgent(openLibrary());
    expect((await call(ctx, "memory.assoc.query", { field: "faces", vector: randomVector(1, 8), k: 3 })).results).toEqual([]);
    await call(ctx, "memory.assoc.remember", { field: "faces", vector: randomVector(1, 8), payload: { name: "ann" } });
    expect(ctx.library.db.prepare("SELECT sync, sync_vectors FROM agent_memory_assoc_items").get()).toEqual({ sync: "device_owned", sync_vectors: 0 });
    expect(ctx.library.db.prepare("SELECT dimension, sync_vectors FROM agent_memory_fields WHERE field = 'faces'").get()).toEqual({ dimension: 8, sync_vectors: 0 });
    const failures = [
      await wire(ctx, "memory.assoc.remember", { field: "faces", vector: randomVector(2, 9), payload: { name: "bob" } }),
      await wire(ctx, "memory.assoc.query", { field: "faces", vector: randomVector(2, 9), k: 1 }),
      await wire(ctx, "memory.assoc.remember", { field: "faces", vector: new Float32Array(8), payload: { name: "zero" } }),
      await wire(ctx, "memory.assoc.remember", { field: "faces", vector: new Float32Array(8).fill(Number.NaN), payload: { name: "nan" } }),
      await wire(ctx, "memory.assoc.remember", { field: "faces", vector: randomVector(3, 8), payload: { nom: "x" } }),
    ];
    expect(failures.map((f) => (f.ok ? "ok" : f.error.code))).toEqual(["SDX3002", "SDX3002", "SDX3002", "SDX3002", "SDX3002"]);
    expect(failures.map((f) => (f.ok ? "" : f.error.message)).slice(0, 4)).toEqual([
      expect.stringMatching(/holds 8-d vectors, got 9-d/),
      expect.stringMatching(/the query is 9-d/),
      expect.stringMatching(/all zeros/),
      expect.stringMatching(/must be finite/),
    ]);
    expect(ctx.library.db.prepare("SELECT count(*) AS n FROM agent_memory_assoc_items").get()).toEqual({ n: 1 });
  });

  it("links items into a weighted directed graph", async () => {
    const ctx = await installAgent(openLibrary());
    const remember = async (name: string, seed: number) =>
      (await call(ctx, "memory.assoc.remember", { field: "faces", vector: randomVector(seed, 8), payload: { name } })).id;
    const ann = await remember("ann", 1);
    const bob = await remember("bob", 2);
    const cat = await remember("cat", 3);
    await call(ctx, "memory.assoc.link", { field: "faces", from: ann, to: bob, weight: 0.5 });
    await call(ctx, "memory.assoc.link", { field: "faces", from: ann, to: cat, weight: 0.9 });
    await call(ctx, "memory.assoc.link", { field: "faces", from: bob, to: ann, weight: 0.1 });
    await call(ctx, "memory.assoc.link", { field: "faces", from: ann, to: bob, weight: 2 }); // replaces 0.5
    expect((await call(ctx, "memory.assoc.neighbours", { field: "faces", id: ann })).results).toEqual([
      { id: bob, weight: 2, payload: { name: "bob" } },
      { id: cat, weight: 0.9, payload: { name: "cat" } },
    ]);
    expect((await call(ctx, "memory.assoc.neighbours", { field: "faces", id: bob })).results.map((r) => r.id)).toEqual([ann]);
    expect((await call(ctx, "memory.assoc.neighbours", { field: "faces", id: cat })).results).toEqual([]);

    const unknown = await wire(ctx, "memory.assoc.link", { field: "faces", from: ann, to: "00000000-0000-4000-8000-000000000000", weight: 1 });
    expect(unknown.ok ? null : unknown.error.code).toBe("SDX3008");
    const otherField = (await call(ctx, "memory.assoc.remember", { field: "topics", vector: randomVector(4, 8), payload: 1 })).id;
    const cross = await wire(ctx, "memory.assoc.link", { field: "faces", from: ann, to: otherField, weight: 1 });
    expect(cross.ok ? null : cross.error.code).toBe("SDX3008");
  });

  it("never returns or links another extension's items", async () => {
    const library = openLibrary();
    const a = await installAgent(library, "org.example.alpha");
    const b = await installAgent(library, "org.example.beta");
    const v = randomVector(7, 32);
    const { id: aId } = await call(a, "memory.assoc.remember", { field: "faces", vector: v, payload: { name: "alpha" } });
    expect((await call(b, "memory.assoc.query", { field: "faces", vector: v, k: 10 })).results).toEqual([]);
    const { id: bId } = await call(b, "memory.assoc.remember", { field: "faces", vector: randomVector(8, 32), payload: { name: "beta" } });
    const fromB = await call(b, "memory.assoc.query", { field: "faces", vector: v, k: 10 });
    expect(fromB.results.map((r) => r.id)).toEqual([bId]);
    const steal = await wire(b, "memory.assoc.neighbours", { field: "faces", id: aId });
    expect(steal.ok ? null : steal.error.code).toBe("SDX3008");
    const link = await wire(b, "memory.assoc.link", { field: "faces", from: bId, to: aId, weight: 1 });
    expect(link.ok ? null : link.error.code).toBe("SDX3008");

    memoryStore(library).deleteExtension(a.extensionId);
    expect(library.db.prepare("SELECT count(*) AS n FROM agent_memory_assoc_vec_32").get()).toEqual({ n: 1 });
    expect((await call(a, "memory.assoc.query", { field: "faces", vector: v, k: 10 })).results).toEqual([]);
    expect((await call(b, "memory.assoc.query", { field: "faces", vector: v, k: 10 })).results.map((r) => r.id)).toEqual([bId]);
  });
});
