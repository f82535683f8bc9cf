import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OpContext } from "./context.js";
import { indexLocation } from "../core/indexer/indexer.js";
import { Library } from "../store/library.js";
import { collectGarbage } from "../store/blobs.js";
import { readAudit } from "../store/audit.js";
import { uuidToBlob } from "../store/uuid.js";
import { call, cleanupTempDirs, embedding, hostError, installTest, tempDir, writeTree } from "../store/__tests__/fixture.js";

afterAll(cleanupTempDirs);

const statements: string[] = [];
let library: Library;
let ctx: OpContext;
let contents: string[];
let entries: string[];

beforeAll(async () => {
  library = Library.open(path.join(tempDir(), "lib"), { verbose: (sql) => statements.push(sql) });
  const root = tempDir("sdx-files-");
  writeTree(root, { "a.txt": "one two three", "b.txt": "four five", "c.md": "six" });
  await indexLocation(library, root, { media: false });
  ctx = await installTest(library, [{ kind: "read_entries", glob: "**/*" }, { kind: "write_tags" }, { kind: "write_collections" }]);
  const found = await call(ctx, "entries.query", { limit: 100 });
  entries = found.entries.map((e) => e.uuid);
  contents = found.entries.map((e) => e.contentUuid);
});

const blobRows = (): number => (library.db.prepare("SELECT count(*) AS n FROM metadata_blobs").get() as { n: number }).n;
const refcounts = (): number[] => (library.db.prepare("SELECT reference_count AS n FROM metadata_blobs ORDER BY id").all() as Array<{ n: number }>).map((r) => r.n);

describe("models: three scopes", () => {
  it("creates, gets, updates and deletes a content-scoped model, stamped for sync", async () => {
    const { uuid } = await call(ctx, "models.create", { modelType: "Note", scope: { content: contents[0] }, data: { words: 3, title: "a" }, blobs: {} });
    const got = await call(ctx, "models.get", { modelType: "Note", by: { content: contents[0] } });
    expect(got.model).toMatchObject({ uuid, modelType: "Note", version: "1.0.0", scope: { content: contents[0] }, data: { words: 3, title: "a" }, blobs: {} });
    const row = library.db.prepare("SELECT sync_strategy, hlc_timestamp, device_uuid, standalone, metadata_id FROM models WHERE uuid = ?").get(uuidToBlob(uuid)) as Record<string, unknown>;
    expect(row.sync_strategy).toBe(1);
    expect(row.hlc_timestamp).toMatch(new RegExp(`^\\d{13}-[0-9a-f]{6}-${library.deviceUuid}$`));
    expect(Buffer.compare(row.device_uuid as Buffer, uuidToBlob(library.deviceUuid))).toBe(0);
    expect(library.db.prepare("SELECT entry_uuid, content_identity_uuid FROM user_metadata WHERE id = ?").get(row.metadata_id)).toEqual({ entry_uuid: null, content_identity_uuid: null });

    // creating again for the same content is an upsert: same uuid, new data, newer HLC
    const again = await call(ctx, "models.create", { modelType: "Note", scope: { content: contents[0] }, data: { words: 4 }, blobs: {} });
    expect(again.uuid).toBe(uuid);
    const hlc2 = (library.db.prepare("SELECT hlc_timestamp AS h FROM models WHERE uuid = ?").get(uuidToBlob(uuid)) as { h: string }).h;
    expect(hlc2 > (row.hlc_timestamp as string)).toBe(true);
    expect((await call(ctx, "models.get", { modelType: "Note", by: { uuid } })).model?.data).toEqual({ words: 4 });

    await call(ctx, "models.update", { modelType: "Note", uuid, data: { words: 5, done: true }, blobs: {} });
    expect((await call(ctx, "models.get", { modelType: "Note", by: { uuid } })).model?.data).toEqual({ words: 5, done: true });
    await call(ctx, "models.delete", { modelType: "Note", uuid });
    expect((await call(ctx, "models.get", { modelType: "Note", by: { uuid } })).model).toBeNull();
    expect(library.db.prepare("SELECT count(*) AS n FROM user_metadata WHERE id = ?").get(row.metadata_id)).toEqual({ n: 0 });
    const ops = readAudit(library, { who: ctx.extensionId }).map((a) => `${a.op}:${a.result}`);
    expect(ops).toEqual(expect.arrayContaining(["models.create:ok", "models.update:ok", "models.delete:ok"]));
  });

  it("creates standalone and entry-scoped models; entry-scoped are device-owned", async () => {
    const person = await call(ctx, "models.create", { modelType: "Person", scope: { standalone: true }, data: { name: "Alice", photoCount: 2 }, blobs: {} });
    const edit = await call(ctx, "models.create", { modelType: "EditState", scope: { entry: entries[1] }, data: { state: "cropped" }, blobs: {} });
    expect((await call(ctx, "models.get", { modelType: "Person", by: { uuid: person.uuid } })).model?.scope).toEqual({ standalone: true });
    expect((await call(ctx, "models.get", { modelType: "EditState", by: { entry: entries[1] } })).model?.data).toEqual({ state: "cropped" });
    const row = library.db.prepare("SELECT sync_strategy, standalone FROM models WHERE uuid = ?").get(uuidToBlob(edit.uuid));
    expect(row).toEqual({ sync_strategy: 0, standalone: 0 });
  });

  it("refuses a wrong scope, an unknown type and invalid data with located issues (SDX3002)", async () => {
    const wrongScope = await hostError(() => call(ctx, "models.create", { modelType: "Note", scope: { standalone: true }, data: { words: 1 }, blobs: {} }));
    expect(wrongScope).toMatchObject({ code: "SDX3002", name: "ValidationError" });
    expect(wrongScope.message).toMatch(/content-scoped.*createModelForContent/);
    expect((await hostError(() => call(ctx, "models.create", { modelType: "Nope", scope: { standalone: true }, data: {}, blobs: {} }))).message).toMatch(/no model type "Nope".*Note, Person, EditState/);
    const invalid = await hostError(() => call(ctx, "models.create", { modelType: "Person", scope: { standalone: true }, data: { name: 5, photoCount: -1, extra: true }, blobs: {} }));
    expect(invalid.code).toBe("SDX3002");
    const issues = (invalid.data as { issues: Array<{ path: string }> }).issues.map((i) => i.path).sort();
    expect(issues).toEqual(["", "name", "photoCount"]);
    const badBlob = await hostError(() => call(ctx, "models.create", { modelType: "Person", scope: { standalone: true }, data: { photoCount: 1 }, blobs: { embeddings: [[1, 2]] } }));
    expect(badBlob.message).toMatch(/embeddings\.0: .*expected a Float32Array/);
    const unknownBlob = await hostError(() => call(ctx, "models.create", { modelType: "Person", scope: { standalone: true }, data: { photoCount: 1 }, blobs: { nope: 1 } }));
    expect(unknownBlob.message).toMatch(/no blob field "nope"/);
    expect((await hostError(() => call(ctx, "models.create", { modelType: "Note", scope: { content: "00000000-0000-4000-8000-000000000000" }, data: { words: 1 }, blobs: {} }))).code).toBe("SDX3008");
  });
});

describe("models: query", () => {
  beforeAll(async () => {
    for (let i = 0; i < 30; i++) {
      await call(ctx, "models.create", { modelType: "Person", scope: { standalone: true }, data: { name: `p${String(i).padStart(2, "0")}`, photoCount: i % 7 }, blobs: {} });
    }
  });

  it("filters with bound parameters, orders, pages and counts", async () => {
    const q = (extra: object) => call(ctx, "models.query", { modelType: "Person", filters: [], inlineOnly: true, ...extra });
    expect((await q({ filters: [{ field: "photoCount", op: ">=", value: 5 }], countOnly: true })).count).toBe(8);
    const page = await q({ filters: [{ field: "name", op: "like", value: "p1%" }], orderBy: { field: "name", direction: "desc" }, limit: 3, offset: 1 });
    expect(page.models.map((m) => m.data.name)).toEqual(["p18", "p17", "p16"]);
    expect((await q({ filters: [{ field: "photoCount", op: "in", value: [0, 6] }], countOnly: true })).count).toBe(9);
    expect((await q({ filters: [{ field: "name", op: "=", value: "x' OR 1=1 --" }] })).models).toEqual([]);
  });

  it("refuses fields that are not inline fields of the model", async () => {
    const e = await hostError(() => call(ctx, "models.query", { modelType: "Person", filters: [{ field: "embeddings", op: "=", value: 1 }], inlineOnly: true }));
    expect(e.message).toMatch(/blob field "embeddings"/);
    const f = await hostError(() => call(ctx, "models.query", { modelType: "Person", filters: [], orderBy: { field: "secret", direction: "asc" }, inlineOnly: true }));
    expect(f.message).toMatch(/no inline field "secret"/);
    const g = await hostError(() => call(ctx, "models.query", { modelType: "Person", filters: [{ field: "name", op: "<", value: { a: 1 } }], inlineOnly: true }));
    expect(g.code).toBe("SDX3002");
  });

  it("filters by tag and by content", async () => {
    const some = await call(ctx, "models.query", { modelType: "Person", filters: [{ field: "photoCount", op: "=", value: 3 }], inlineOnly: true });
    for (const m of some.models) await call(ctx, "tags.add", { target: { model: m.uuid }, tag: "#three" });
    expect((await call(ctx, "models.query", { modelType: "Person", filters: [], tag: "#three", inlineOnly: true, countOnly: true })).count).toBe(some.models.length);
    await call(ctx, "models.create", { modelType: "Note", scope: { content: contents[1] }, data: { words: 2 }, blobs: {} });
    const byContent = await call(ctx, "models.query", { modelType: "Note", filters: [], contentUuid: contents[1], inlineOnly: true });
    expect(byContent.models.map((m) => m.scope)).toEqual([{ content: contents[1] }]);
  });
});

describe("models: blobs", () => {
  it("deduplicates across models and extensions, counts references and collects at zero", async () => {
    collectGarbage(library);
    const base = blobRows();
    const vec = embedding(7);
    const a = await call(ctx, "models.create", { modelType: "Person", scope: { standalone: true }, data: { photoCount: 1 }, blobs: { raw: vec } });
    const b = await call(ctx, "models.create", { modelType: "Person", scope: { standalone: true }, data: { photoCount: 1 }, blobs: { raw: vec } });
    const other = await installTest(library, [], { id: "org.example.other" });
    const c = await call(other, "models.create", { modelType: "Person", scope: { standalone: true }, data: { photoCount: 1 }, blobs: { raw: vec } });
    expect(blobRows()).toBe(base + 1);
    expect(refcounts().at(-1)).toBe(3);
    await call(ctx, "models.update", { modelType: "Person", uuid: a.uuid, data: { photoCount: 1 }, blobs: { raw: embedding(8) } });
    expect(blobRows()).toBe(base + 2);
    expect(refcounts().slice(-2)).toEqual([2, 1]);
    await call(ctx, "models.delete", { modelType: "Person", uuid: b.uuid });
    await call(other, "models.delete", { modelType: "Person", uuid: c.uuid });
    expect(blobRows()).toBe(base + 1); // the shared blob reached zero and is gone
    await call(ctx, "models.update", { modelType: "Person", uuid: a.uuid, data: { photoCount: 1 }, blobs: { raw: null } });
    expect(blobRows()).toBe(base);
    expect(collectGarbage(library)).toEqual({ fixed: 0, deleted: 0 }); // counts were exact all along
  });

  it("loads lazy blobs only on request, eager blobs with the model, and never reads blobs for inline-only queries", async () => {
    const vecs = [embedding(1), embedding(2)];
    const { uuid } = await call(ctx, "models.create", {
      modelType: "Person", scope: { standalone: true }, data: { name: "Blobby", photoCount: 9 },
      blobs: { embeddings: vecs, profile: { bio: "likes blobs" }, embeddingF16: vecs[0], embeddingI8: vecs[1] },
    });
    statements.length = 0;
    const inline = await call(ctx, "models.query", { modelType: "Person", filters: [{ field: "name", op: "=", value: "Blobby" }], inlineOnly: true });
    expect(inline.models[0].blobs).toEqual({});
    expect(statements.length).toBeGreaterThan(0);
    expect(statements.filter((s) => /metadata_blobs|model_blobs/.test(s))).toEqual([]);

    const full = await call(ctx, "models.query", { modelType: "Person", filters: [{ field: "name", op: "=", value: "Blobby" }], inlineOnly: false });
    expect(full.models[0].blobs).toEqual({ profile: { bio: "likes blobs" } }); // lazy fields stay absent
    const loaded = (await call(ctx, "models.loadBlob", { modelUuid: uuid, field: "embeddings" })).value as Float32Array[];
    expect(loaded.map((v) => Array.from(v))).toEqual(vecs.map((v) => Array.from(v)));
    const f16 = (await call(ctx, "models.loadBlob", { modelUuid: uuid, field: "embeddingF16" })).value as Float32Array;
    expect(f16).toBeInstanceOf(Float32Array);
    expect(Math.max(...Array.from(f16, (x, i) => Math.abs(x - vecs[0][i])))).toBeLessThan(2e-4);
    const kinds = library.db.prepare("SELECT mb.blob_key, b.blob_type, length(b.blob_data) AS n FROM model_blobs mb JOIN metadata_blobs b ON b.id = mb.blob_id WHERE mb.model_uuid = ? ORDER BY mb.blob_key").all(uuidToBlob(uuid));
    expect(kinds).toEqual([
      { blob_key: "embeddingF16", blob_type: "tensor/f16", n: expect.any(Number) },
      { blob_key: "embeddingI8", blob_type: "tensor/i8", n: 532 },
      { blob_key: "embeddings", blob_type: "tensor/f32", n: expect.any(Number) },
      { blob_key: "profile", blob_type: "json", n: expect.any(Number) },
    ]);
    expect((await call(ctx, "models.loadBlob", { modelUuid: uuid, field: "raw" })).value).toBeNull();
  });
});

describe("models: many creates", () => {
  // Speed is measured by `npm run bench` (scripts/bench/library.mjs), not asserted here.
  it("creates many standalone models, each its own row and its own audit entry", async () => {
    const n = 200;
    const audited = () => readAudit(library, { who: ctx.extensionId }).filter((a) => a.op === "models.create" && a.result === "ok").length;
    const before = audited();
    const uuids = new Set<string>();
    for (let i = 0; i < n; i++) {
      uuids.add((await call(ctx, "models.create", { modelType: "Person", scope: { standalone: true }, data: { name: `bulk${i}`, photoCount: i }, blobs: {} })).uuid);
    }
    expect(uuids.size).toBe(n);
    const counts = library.db.prepare("SELECT json_extract(data, '$.photoCount') AS c FROM models WHERE model_type = 'Person' AND json_extract(data, '$.name') LIKE 'bulk%' ORDER BY c").all() as Array<{ c: number }>;
    expect(counts.map((r) => r.c)).toEqual(Array.from({ length: n }, (_, i) => i));
    expect(audited()).toBe(before + n);
  });
});
