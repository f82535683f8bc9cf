/** entries, tags, collections, sidecars and custom metadata, called directly with a real OpContext. */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OpContext } from "./context.js";
import { indexLocation } from "../core/indexer/indexer.js";
import type { Library } from "../store/library.js";
import { readAudit } from "../store/audit.js";
import { uuidToBlob } from "../store/uuid.js";
import { call, cleanupTempDirs, hostError, installTest, openLibrary, tempDir, writeTree } from "../store/__tests__/fixture.js";

afterAll(cleanupTempDirs);

let library: Library;
let ctx: OpContext;
let root: string;
const files: Record<string, string | Uint8Array> = {};
for (let i = 0; i < 25; i++) files[`docs/n${String(i).padStart(2, "0")}.txt`] = `note ${i % 20}`;
Object.assign(files, { "docs/sub/deep.md": "deep", "pics/p.png": Buffer.from("89504e470d0a1a0a30303030", "hex"), "other/x.txt": "note 1" });

beforeAll(async () => {
  library = openLibrary();
  root = tempDir("sdx-ops-");
  writeTree(root, files);
  await indexLocation(library, root, { media: false });
  ctx = await installTest(library, [
    { kind: "read_entries", glob: "**/*" }, { kind: "write_tags" }, { kind: "write_collections" }, { kind: "write_custom_metadata" },
    { kind: "read_sidecars", kinds: ["notes"] }, { kind: "write_sidecars", kinds: ["notes"] },
  ]);
});

const entry = async (rel: string) => {
  const found = await call(ctx, "entries.query", { limit: 10_000 });
  const hit = found.entries.find((x) => x.path.path === path.join(root, rel));
  if (!hit) throw new Error(`no entry ${rel}`);
  return hit;
};

describe("entries", () => {
  it("pages with a cursor and counts", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof call<"entries.query">>> = await call(ctx, "entries.query", { limit: 7, cursor });
      expect(page.entries.length).toBeLessThanOrEqual(7);
      seen.push(...page.entries.map((x) => x.uuid));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(28);
    expect(new Set(seen).size).toBe(28);
    expect((await call(ctx, "entries.query", { limit: 1, countOnly: true })).count).toBe(28);
  });

  it("filters by location subtree, kind, glob, content and device", async () => {
    const sub = await call(ctx, "entries.query", { limit: 100, location: { device: library.deviceUuid, path: path.join(root, "docs", "sub") } });
    expect(sub.entries.map((x) => x.name)).toEqual(["deep.md"]);
    const docs = await call(ctx, "entries.query", { limit: 100, location: { device: library.deviceUuid, path: path.join(root, "docs") }, countOnly: true });
    expect(docs.count).toBe(26);
    expect((await call(ctx, "entries.query", { limit: 100, kinds: ["image"] })).entries.map((x) => x.name)).toEqual(["p.png"]);
    expect((await call(ctx, "entries.query", { limit: 100, glob: "docs/*.txt", countOnly: true })).count).toBe(25);
    const one = await entry("other/x.txt");
    const same = await call(ctx, "entries.query", { limit: 100, contentUuid: one.contentUuid });
    expect(same.entries.map((x) => x.name).sort()).toEqual(["n01.txt", "n21.txt", "x.txt"]);
    expect((await call(ctx, "entries.query", { limit: 100, thisDeviceOnly: true, countOnly: true })).count).toBe(28);
    expect((await hostError(() => call(ctx, "entries.query", { limit: 5, location: { device: library.deviceUuid, path: "/definitely/not/indexed" } }))).code).toBe("SDX3008");
  });

  it("gets and reads entries", async () => {
    const x = await entry("other/x.txt");
    expect((await call(ctx, "entries.get", { entryUuid: x.uuid })).entry).toEqual(x);
    expect(new TextDecoder().decode((await call(ctx, "entries.read", { entryUuid: x.uuid })).bytes)).toBe("note 1");
    expect(x).toMatchObject({ extension: "txt", kind: "text", size: 6, locationUuid: expect.any(String) });
  });
});

describe("tags", () => {
  it("a tag on content is seen by every entry with that content", async () => {
    const x = await entry("other/x.txt");
    await call(ctx, "tags.add", { target: { content: x.contentUuid }, tag: "#counted" });
    await call(ctx, "tags.add", { target: { content: x.contentUuid }, tag: "#counted" }); // idempotent
    const tagged = await call(ctx, "entries.query", { limit: 100, tag: "#counted" });
    expect(tagged.entries.map((e) => e.name).sort()).toEqual(["n01.txt", "n21.txt", "x.txt"]);
    const n01 = await entry("docs/n01.txt");
    await call(ctx, "tags.add", { target: { entry: n01.uuid }, tag: "#mine" });
    expect((await call(ctx, "tags.list", { target: { entry: n01.uuid } })).tags).toEqual(["#counted", "#mine"]);
    expect((await call(ctx, "tags.list", { target: { entry: x.uuid } })).tags).toEqual(["#counted"]);
    await call(ctx, "tags.remove", { target: { content: x.contentUuid }, tag: "#counted" });
    expect((await call(ctx, "tags.list", { target: { entry: n01.uuid } })).tags).toEqual(["#mine"]);
    const link = library.db.prepare("SELECT tl.hlc_timestamp FROM tag_links tl JOIN tags t ON t.id = tl.tag_id WHERE t.name = '#mine'").get() as { hlc_timestamp: string };
    expect(link.hlc_timestamp).toContain(library.deviceUuid);
  });

  it("tags models and finds models by tag", async () => {
    const person = await call(ctx, "models.create", { modelType: "Person", scope: { standalone: true }, data: { name: "Ann", photoCount: 1 }, blobs: {} });
    await call(ctx, "tags.add", { target: { model: person.uuid }, tag: "#family" });
    expect((await call(ctx, "tags.list", { target: { model: person.uuid } })).tags).toEqual(["#family"]);
    expect((await call(ctx, "models.query", { modelType: "Person", filters: [], tag: "#family", inlineOnly: true })).models.map((m) => m.uuid)).toEqual([person.uuid]);
  });
});

describe("collections", () => {
  it("holds entries, content and models, without duplicates", async () => {
    const x = await entry("other/x.txt");
    const person = await call(ctx, "models.create", { modelType: "Person", scope: { standalone: true }, data: { photoCount: 0 }, blobs: {} });
    const { uuid } = await call(ctx, "collections.create", { name: "Mixed", items: [{ entry: x.uuid }, { content: x.contentUuid }] });
    await call(ctx, "collections.add", { collection: uuid, items: [{ model: person.uuid }, { entry: x.uuid }] });
    const got = await call(ctx, "collections.get", { collection: uuid });
    expect(got.collection).toEqual({ uuid, name: "Mixed", items: [{ entry: x.uuid }, { content: x.contentUuid }, { model: person.uuid }] });
    // another extension sees the collection but not this extension's model in it
    const other = await installTest(library, [{ kind: "read_entries", glob: "**/*" }], { id: "org.example.viewer" });
    expect((await call(other, "collections.get", { collection: uuid })).collection?.items).toEqual([{ entry: x.uuid }, { content: x.contentUuid }]);
    // deleting the model removes it from the collection
    await call(ctx, "models.delete", { modelType: "Person", uuid: person.uuid });
    expect((await call(ctx, "collections.get", { collection: uuid })).collection?.items).toHaveLength(2);
    expect((await call(ctx, "collections.get", { collection: "00000000-0000-4000-8000-000000000000" })).collection).toBeNull();
    expect((await hostError(() => call(ctx, "collections.add", { collection: "00000000-0000-4000-8000-000000000000", items: [] }))).code).toBe("SDX3008");
  });
});

describe("sidecars and custom metadata", () => {
  it("writes and reads the extension's own sidecars", async () => {
    const x = await entry("other/x.txt");
    expect((await call(ctx, "sidecars.read", { contentUuid: x.contentUuid, kind: "notes" })).data).toBeNull();
    await call(ctx, "sidecars.write", { contentUuid: x.contentUuid, kind: "notes", data: { words: 2 } });
    await call(ctx, "sidecars.write", { contentUuid: x.contentUuid, kind: "notes", data: { words: 3 } });
    expect((await call(ctx, "sidecars.read", { contentUuid: x.contentUuid, kind: "notes" })).data).toEqual({ words: 3 });
  });

  it("sets only the extension's own key in custom_data", async () => {
    const x = await entry("other/x.txt");
    library.db.prepare("INSERT INTO user_metadata (uuid, entry_uuid, custom_data, created_at, updated_at) VALUES (?, ?, '{\"someone.else\":1}', '', '')").run(uuidToBlob("11111111-1111-4111-8111-111111111111"), uuidToBlob(x.uuid));
    await call(ctx, "metadata.setCustom", { target: { entry: x.uuid }, data: { seen: true } });
    const row = () => JSON.parse((library.db.prepare("SELECT custom_data FROM user_metadata WHERE entry_uuid = ?").get(uuidToBlob(x.uuid)) as { custom_data: string }).custom_data) as unknown;
    expect(row()).toEqual({ "someone.else": 1, "org.example.notes": { seen: true } });
    await call(ctx, "metadata.setCustom", { target: { entry: x.uuid }, data: null });
    expect(row()).toEqual({ "someone.else": 1 });
  });
});

describe("lifetimes", () => {
  it("content-scoped models survive the removal of every entry; entry-scoped ones go with their entry", async () => {
    const dir = tempDir("sdx-gone-");
    writeTree(dir, { "keep/one.txt": "unique bytes 42", "keep/two.txt": "unique bytes 42" });
    const { locationUuid } = await indexLocation(library, dir, { media: false });
    const found = await call(ctx, "entries.query", { limit: 10, location: { device: library.deviceUuid, path: dir } });
    expect(found.entries.map((x) => x.locationUuid)).toEqual([locationUuid, locationUuid]);
    const content = found.entries[0].contentUuid;
    const note = await call(ctx, "models.create", { modelType: "Note", scope: { content }, data: { words: 3 }, blobs: {} });
    const edit = await call(ctx, "models.create", { modelType: "EditState", scope: { entry: found.entries[1].uuid }, data: { state: "x" }, blobs: {} });
    await call(ctx, "tags.add", { target: { entry: found.entries[1].uuid }, tag: "#entry-tag" });
    fs.rmSync(path.join(dir, "keep"), { recursive: true });
    const summary = await indexLocation(library, dir, { media: false });
    expect(summary.deleted).toBe(2);
    expect((await call(ctx, "entries.query", { limit: 10, contentUuid: content })).entries).toEqual([]);
    expect((await call(ctx, "models.get", { modelType: "Note", by: { content } })).model?.uuid).toBe(note.uuid);
    expect((await call(ctx, "models.get", { modelType: "EditState", by: { uuid: edit.uuid } })).model).toBeNull();
    // the extension still sees the content through its own model
    await call(ctx, "tags.add", { target: { content }, tag: "#orphan" });
    expect((await call(ctx, "tags.list", { target: { content } })).tags).toEqual(["#orphan"]);
  });
});

describe("previews and the audit log", () => {
  it("refuses mutations during an action preview (SDX3015), and audits every mutation", async () => {
    const preview = { ...ctx, phase: "preview" as const };
    const x = await entry("other/x.txt");
    expect((await hostError(() => call(preview, "tags.add", { target: { entry: x.uuid }, tag: "#p" }))).code).toBe("SDX3015");
    expect((await hostError(() => call(preview, "models.create", { modelType: "Person", scope: { standalone: true }, data: { photoCount: 1 }, blobs: {} }))).code).toBe("SDX3015");
    const errors = readAudit(library, { who: ctx.extensionId, result: "error" }).map((a) => a.op);
    expect(errors).toEqual(expect.arrayContaining(["tags.add", "models.create"]));
    const ok = new Set(readAudit(library, { who: ctx.extensionId, result: "ok" }).map((a) => a.op));
    for (const op of ["tags.add", "tags.remove", "collections.create", "collections.add", "sidecars.write", "metadata.setCustom", "models.create", "models.delete"]) expect(ok).toContain(op);
  });
});
