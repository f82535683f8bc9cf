/**
 * The merge engine between real libraries, batches moved by hand (the network is in the session
 * tests): what syncs, last-writer-wins per field, tombstones, idempotence, refusals.
 */
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import path from "node:path";
import { indexLocation } from "../core/indexer/indexer.js";
import type { OpContext } from "../ops/context.js";
import { readAudit } from "../store/audit.js";
import { call, cleanupTempDirs, embedding, hostError, installTest, openLibrary, tempDir, writeTree } from "../store/__tests__/fixture.js";
import type { Library } from "../store/library.js";
import type { ManifestPermission } from "@sdx/sdk/manifest";
import { applyBatch } from "./apply.js";
import type { SyncRecord } from "./wire.js";
import { nextBatch, pairByHand, pull, sharedSnapshot, syncBoth } from "./__tests__/exchange.js";

afterAll(cleanupTempDirs);

const PERMISSIONS: ManifestPermission[] = [{ kind: "read_entries", glob: "**/*" }, { kind: "write_tags" }, { kind: "write_collections" }];

interface Device {
  library: Library;
  ctx: OpContext;
  root: string;
}

/** A library with the test extension installed and the same three files indexed (so the same content). */
async function device(): Promise<Device> {
  const library = openLibrary();
  const root = tempDir("sdx-sync-files-");
  writeTree(root, { "a.txt": "alpha", "b.txt": "bravo", "c.txt": "charlie" });
  await indexLocation(library, root, { media: false });
  const ctx = await installTest(library, PERMISSIONS);
  return { library, ctx, root };
}

async function entryOf(d: Device, name: string) {
  const { entries } = await call(d.ctx, "entries.query", { limit: 100 });
  return entries.find((e) => e.path.path === path.join(d.root, name))!;
}

let a: Device;
let b: Device;
beforeEach(async () => {
  a = await device();
  b = await device();
  pairByHand(a.library, b.library);
});

describe("what syncs", () => {
  it("shared models with their blobs, tags on content and models, collections; never device-owned models", async () => {
    const alpha = await entryOf(a, "a.txt");
    await call(a.ctx, "models.create", { modelType: "Note", scope: { content: alpha.contentUuid }, data: { words: 1, title: "alpha" }, blobs: {} });
    const person = await call(a.ctx, "models.create", {
      modelType: "Person", scope: { standalone: true }, data: { name: "Ada", photoCount: 2 }, blobs: { profile: { bio: "analyst" }, embeddings: [embedding(1, 64)] },
    });
    await call(a.ctx, "tags.add", { target: { content: alpha.contentUuid }, tag: "#synced" });
    await call(a.ctx, "tags.add", { target: { model: person.uuid }, tag: "#family" });
    await call(a.ctx, "collections.create", { name: "Best", items: [{ content: alpha.contentUuid }, { model: person.uuid }, { entry: alpha.uuid }] });
    const edit = await call(a.ctx, "models.create", { modelType: "EditState", scope: { entry: alpha.uuid }, data: { state: "local only" }, blobs: {} });

    await pull(a.library, b.library);
    expect(sharedSnapshot(b.library)).toBe(sharedSnapshot(a.library));
    const onB = await call(b.ctx, "models.get", { modelType: "Person", by: { uuid: person.uuid } });
    expect(onB.model?.data).toEqual({ name: "Ada", photoCount: 2 });
    expect(onB.model?.blobs).toEqual({ profile: { bio: "analyst" } });
    expect((await call(b.ctx, "models.loadBlob", { modelUuid: person.uuid, field: "embeddings" })).value).toEqual([embedding(1, 64)]);
    const alphaOnB = await entryOf(b, "a.txt");
    expect((await call(b.ctx, "tags.list", { target: { entry: alphaOnB.uuid } })).tags).toEqual(["#synced"]);
    expect((await call(b.ctx, "tags.list", { target: { model: person.uuid } })).tags).toEqual(["#family"]);
    // The device-owned model never left A, and neither did the entry in the collection.
    expect(b.library.db.prepare("SELECT count(*) AS n FROM models WHERE uuid = unhex(replace(?, '-', ''))").get(edit.uuid)).toEqual({ n: 0 });
    expect(b.library.db.prepare("SELECT count(*) AS n FROM collection_items WHERE entry_uuid IS NOT NULL").get()).toEqual({ n: 0 });
    expect(b.library.db.prepare("SELECT count(*) AS n FROM collection_items").get()).toEqual({ n: 2 });
  });

  it("brings content identities a model refers to, even for a file the receiver never indexed", async () => {
    const fresh = tempDir("sdx-sync-only-a-");
    writeTree(fresh, { "only-a.txt": "only on device A" });
    await indexLocation(a.library, fresh, { media: false });
    const { entries } = await call(a.ctx, "entries.query", { limit: 100 });
    const onlyA = entries.find((e) => e.name === "only-a.txt")!;
    await call(a.ctx, "models.create", { modelType: "Note", scope: { content: onlyA.contentUuid }, data: { words: 4 }, blobs: {} });
    await pull(a.library, b.library);
    expect(b.library.db.prepare("SELECT count(*) AS n FROM content_identities WHERE uuid = unhex(replace(?, '-', ''))").get(onlyA.contentUuid)).toEqual({ n: 1 });
    expect(b.library.db.prepare("SELECT count(*) AS n FROM entries WHERE name = 'only-a.txt'").get()).toEqual({ n: 0 });
    expect(sharedSnapshot(b.library)).toBe(sharedSnapshot(a.library));
  });
});

describe("merge rules", () => {
  it("concurrent edits of different fields of one model both survive, byte for byte the same everywhere", async () => {
    const person = await call(a.ctx, "models.create", { modelType: "Person", scope: { standalone: true }, data: { name: "Ada", photoCount: 1 }, blobs: {} });
    await syncBoth(a.library, b.library);
    await call(a.ctx, "models.update", { modelType: "Person", uuid: person.uuid, data: { name: "Ada Lovelace", photoCount: 1 }, blobs: {} });
    await call(b.ctx, "models.update", { modelType: "Person", uuid: person.uuid, data: { name: "Ada", photoCount: 7 }, blobs: { profile: { bio: "from B" } } });
    await syncBoth(a.library, b.library);
    await syncBoth(a.library, b.library);
    const data = (d: Device) => d.library.db.prepare("SELECT data FROM models WHERE uuid = unhex(replace(?, '-', ''))").get(person.uuid);
    expect(data(a)).toEqual({ data: '{"name":"Ada Lovelace","photoCount":7}' });
    expect(data(b)).toEqual(data(a));
    expect(sharedSnapshot(a.library)).toBe(sharedSnapshot(b.library));
  });

  it("the same field edited on both: the later write wins on both", async () => {
    const person = await call(a.ctx, "models.create", { modelType: "Person", scope: { standalone: true }, data: { photoCount: 1 }, blobs: {} });
    await syncBoth(a.library, b.library);
    await call(b.ctx, "models.update", { modelType: "Person", uuid: person.uuid, data: { photoCount: 2 }, blobs: {} });
    await call(a.ctx, "models.update", { modelType: "Person", uuid: person.uuid, data: { photoCount: 3 }, blobs: {} });
    // A's write has the greater HLC only if A's clock is not behind: make B's clock move first.
    const newer = (d: Device) => (d.library.db.prepare("SELECT hlc_timestamp AS h FROM models").get() as { h: string }).h;
    const winner = newer(a) > newer(b) ? 3 : 2;
    await syncBoth(a.library, b.library);
    for (const d of [a, b]) expect((await call(d.ctx, "models.get", { modelType: "Person", by: { uuid: person.uuid } })).model?.data).toEqual({ photoCount: winner });
  });

  it("two devices analysing the same content make one model, whose fields merge", async () => {
    const onA = await entryOf(a, "b.txt");
    const onB = await entryOf(b, "b.txt");
    expect(onA.contentUuid).toBe(onB.contentUuid);
    const x = await call(a.ctx, "models.create", { modelType: "Note", scope: { content: onA.contentUuid }, data: { words: 1, title: "from A" }, blobs: {} });
    const y = await call(b.ctx, "models.create", { modelType: "Note", scope: { content: onB.contentUuid }, data: { words: 1, done: true }, blobs: {} });
    expect(x.uuid).toBe(y.uuid);
    await syncBoth(a.library, b.library);
    await syncBoth(a.library, b.library);
    expect(sharedSnapshot(a.library)).toBe(sharedSnapshot(b.library));
    expect(b.library.db.prepare("SELECT count(*) AS n FROM models WHERE model_type = 'Note'").get()).toEqual({ n: 1 });
  });

  it("a delete is a tombstone: an older edit arriving later does not bring the model back", async () => {
    const person = await call(a.ctx, "models.create", { modelType: "Person", scope: { standalone: true }, data: { photoCount: 1 }, blobs: {} });
    await call(a.ctx, "tags.add", { target: { model: person.uuid }, tag: "#gone" });
    await syncBoth(a.library, b.library);
    await call(b.ctx, "models.update", { modelType: "Person", uuid: person.uuid, data: { photoCount: 5 }, blobs: {} });
    await call(a.ctx, "models.delete", { modelType: "Person", uuid: person.uuid });
    await syncBoth(a.library, b.library);
    await syncBoth(a.library, b.library);
    for (const d of [a, b]) expect((await call(d.ctx, "models.get", { modelType: "Person", by: { uuid: person.uuid } })).model).toBeNull();
    expect(sharedSnapshot(a.library)).toBe(sharedSnapshot(b.library));
  });

  it("tags removed on one device are removed on the other", async () => {
    const charlie = await entryOf(a, "c.txt");
    await call(a.ctx, "tags.add", { target: { content: charlie.contentUuid }, tag: "#temp" });
    await syncBoth(a.library, b.library);
    await call(b.ctx, "tags.remove", { target: { content: charlie.contentUuid }, tag: "#temp" });
    await syncBoth(a.library, b.library);
    expect((await call(a.ctx, "tags.list", { target: { content: charlie.contentUuid } })).tags).toEqual([]);
  });
});

describe("batches", () => {
  it("are incremental, idempotent, and a replayed or reordered one is refused and logged without harm", async () => {
    for (let i = 0; i < 30; i++) await call(a.ctx, "models.create", { modelType: "Person", scope: { standalone: true }, data: { photoCount: i }, blobs: {} });
    const first = nextBatch(a.library, b.library, 10);
    expect(first.records).toHaveLength(10);
    expect(first.more).toBe(true);
    await applyBatch(b.library, a.library.deviceUuid, first);
    const before = sharedSnapshot(b.library);
    const replay = await hostError(() => applyBatch(b.library, a.library.deviceUuid, first));
    expect(replay.code).toBe("SDX3045");
    expect(replay.message).toMatch(/replayed or reordered/);
    expect(sharedSnapshot(b.library)).toBe(before);
    expect(readAudit(b.library, { who: "sync", result: "denied" })).toHaveLength(1);

    const rest = await pull(a.library, b.library, 10);
    // 30 models and A's install of the extension (older than B's own: unchanged on B).
    expect(rest.map((o) => o.applied)).toEqual([10, 10, 1]);
    expect(b.library.db.prepare("SELECT count(*) AS n FROM models").get()).toEqual({ n: 30 });
    // Nothing new: an empty batch. B's own rows are never sent back to it.
    expect(nextBatch(a.library, b.library).records).toEqual([]);
    expect(nextBatch(b.library, a.library).records.map((r) => r.entity)).toEqual(["extension"]); // B's own install, none of A's rows
  });

  it("refuse models of an extension the receiver has not installed, device-owned data, and clocks far ahead", async () => {
    const person = await call(a.ctx, "models.create", { modelType: "Person", scope: { standalone: true }, data: { photoCount: 1 }, blobs: {} });
    const batch = nextBatch(a.library, b.library);
    const index = batch.records.findIndex((r) => r.entity === "model");
    type ModelRecord = Extract<SyncRecord, { entity: "model" }>;
    const tamper = async (change: (r: ModelRecord) => void) => {
      const copy = structuredClone(batch);
      change(copy.records[index] as ModelRecord);
      return (await hostError(() => applyBatch(b.library, a.library.deviceUuid, copy))).message;
    };
    expect(await tamper((r) => (r.value!.extensionId = "org.example.absent"))).toMatch(/org.example.absent, which is not installed here/);
    expect(await tamper((r) => (r.value!.modelType = "EditState"))).toMatch(/device-owned/);
    expect(await tamper((r) => (r.value!.dataJson = '{"photoCount":-1}'))).toMatch(/photoCount/);
    const future = `${String(Date.now() + 3_600_000).padStart(13, "0")}-000000-${a.library.deviceUuid}`;
    expect(await tamper((r) => (r.clocks = { ...r.clocks, "@": future }))).toMatch(/ahead of this device's clock/);
    expect(readAudit(b.library, { who: "sync", result: "denied" })).toHaveLength(4);
    expect(b.library.db.prepare("SELECT count(*) AS n FROM models").get()).toEqual({ n: 0 });
    // The untampered batch still applies: the refusals changed nothing.
    await applyBatch(b.library, a.library.deviceUuid, batch);
    expect((await call(b.ctx, "models.get", { modelType: "Person", by: { uuid: person.uuid } })).model?.data).toEqual({ photoCount: 1 });
  });
});
