/**
 * Actions through the Host with hand-written guests over a real indexed library: a preview
 * changes nothing (even a guest calling `__sdx_call` itself), execute applies exactly the
 * previewed changes and is audited, a stale preview is refused, undo restores the exact previous
 * state and is refused when the library changed since.
 *
 * The hand-written guest runs an action's two steps through one handler: the execute step is
 * recognisable by its argument, the preview (the SDK routes it to the `@actionExecute` method).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Host } from "../host/host.js";
import { readAudit } from "../store/audit.js";
import { guest } from "@sdx/sandbox/testing";
import { bundleBytes, job, manifest, removeTempDirs, tempDir } from "../jobs/__tests__/fixtures.js";
import { exactDump } from "../jobs/__tests__/library-dump.js";

const ALBUM = {
  name: "Album", className: "Album", version: "1.0.0", scope: "standalone" as const, sync: "shared" as const,
  schema: { type: "object", properties: { name: { type: "string" }, count: { type: "number" } }, required: ["name", "count"], additionalProperties: false },
  blobFields: [{ name: "cover", compression: "zstd" as const, lazy: false, quantize: "none" as const, schema: {} }],
};
const param = (name: string, type = "string") => ({ name, optional: false, schema: { type } });
const action = (name: string, params = [param("tag")]) => ({ name, title: name, execute: `${name}Execute`, params });

const MANIFEST = manifest({
  id: "org.test.actions",
  permissions: [{ kind: "read_entries", glob: "**/*.txt" }, { kind: "write_tags" }, { kind: "write_collections" }],
  models: [ALBUM],
  jobs: [job("retag", { params: [param("content"), param("tag"), param("remove", "boolean")] }), job("seed", { params: [param("name")] })],
  actions: [action("organize"), action("sneaky"), action("overreach"), action("lazy"), action("oneWay"), action("grouped"), action("prune")],
});

const GUEST = guest(`{
  async organize(ctx, arg) {
    if (arg && arg.changes) return handlers.apply(arg);
    const { entries } = await call("entries.query", { limit: 100 });
    const contents = [...new Set(entries.map((e) => e.contentUuid))].sort();
    const changes = contents.map((content) => ({ type: "add_tag", target: { content }, tag: arg, description: "tag it" }));
    changes.push({ type: "create_collection", name: "Album " + arg, items: contents.map((content) => ({ content })) });
    changes.push({ type: "create_model", modelType: "Album", scope: { standalone: true }, data: { name: "Album " + arg, count: contents.length } });
    return { title: "Organize " + contents.length + " files", changes, reversible: true };
  },
  async apply(preview) {
    for (const c of preview.changes) {
      if (c.type === "add_tag") await call("tags.add", { target: c.target, tag: c.tag });
      else if (c.type === "create_collection") await call("collections.create", { name: c.name, items: c.items });
      else if (c.type === "add_to_collection") await call("collections.add", { collection: c.collection, items: c.items });
      else if (c.type === "create_model") await call("models.create", { modelType: c.modelType, scope: c.scope, data: c.data, blobs: {} });
    }
  },
  async sneaky(ctx, arg) {
    const { entries } = await call("entries.query", { limit: 1 });
    try { await __sdx_call("tags.add", JSON.stringify({ target: { content: entries[0].contentUuid }, tag: "#sneaky" }), []); } catch (e) {}
    try { await call("jobs.dispatch", { job: "retag", args: [] }); } catch (e) {}
    return { title: "harmless", changes: [], reversible: true };
  },
  async overreach(ctx, arg) {
    if (!(arg && arg.changes)) return handlers.organize(ctx, arg);
    await handlers.apply(arg);
    const { entries } = await call("entries.query", { limit: 1 });
    await call("tags.add", { target: { content: entries[0].contentUuid }, tag: "#extra" });
  },
  async lazy(ctx, arg) {
    if (!(arg && arg.changes)) return handlers.organize(ctx, arg);
    await handlers.apply({ changes: arg.changes.slice(1) });
  },
  async oneWay(ctx, arg) {
    if (arg && arg.changes) return handlers.apply(arg);
    const preview = await handlers.organize(ctx, arg);
    return { ...preview, reversible: false };
  },
  async grouped(ctx, arg) {
    const { entries } = await call("entries.query", { limit: 100 });
    if (arg && arg.changes) {
      const { uuid } = await call("collections.create", { name: "Group", items: [] });
      await call("collections.add", { collection: uuid, items: entries.map((e) => ({ entry: e.uuid })) });
      return uuid;
    }
    // As the SDK's planner records it: the second change refers to the first by placeholder.
    return { title: "Group", reversible: true, changes: [
      { type: "create_collection", name: "Group", items: [] },
      { type: "add_to_collection", collection: "00000000-0000-4000-8000-000000000001", items: entries.map((e) => ({ entry: e.uuid })) },
    ] };
  },
  async seed(ctx, name) {
    const { uuid } = await call("models.create", { modelType: "Album", scope: { standalone: true }, data: { name, count: 0 }, blobs: { cover: new Float32Array([1, 2, 3]) } });
    await call("tags.add", { target: { model: uuid }, tag: "#seeded" });
    await call("collections.create", { name: "seeded " + name, items: [{ model: uuid }] });
    return uuid;
  },
  async prune(ctx, arg) {
    if (arg && arg.changes) {
      for (const c of arg.changes) await call("models.delete", { modelType: c.modelType, uuid: c.uuid });
      return;
    }
    const { models } = await call("models.query", { modelType: "Album", filters: [{ field: "name", op: "like", value: arg + "%" }], inlineOnly: true });
    return { title: "Prune", reversible: true, changes: models.map((m) => ({ type: "delete_model", modelType: "Album", uuid: m.uuid })) };
  },
  async retag(ctx, content, tag, remove) {
    await call(remove ? "tags.remove" : "tags.add", { target: { content }, tag });
  },
}`);

let host: Host;
let data: string;
const dump = () => exactDump(host.library.db);
const audit = (op: string) => readAudit(host.library, { who: MANIFEST.id }).filter((a) => a.op === op);

beforeAll(async () => {
  const root = tempDir();
  data = join(root, "data");
  mkdirSync(data);
  for (const [name, text] of [["a.txt", "alpha"], ["b.txt", "beta"], ["c.txt", "gamma"]]) writeFileSync(join(data, name), text);
  host = await Host.open({ libraryDir: join(root, "lib") });
  await host.install(await bundleBytes(MANIFEST, GUEST), { grants: [{ permission: 0, scope: [data] }, { permission: 1, scope: [] }, { permission: 2, scope: [] }] });
  await host.index(data);
});

afterAll(async () => {
  await host.close();
  removeTempDirs();
});

describe("actions", () => {
  it("previews without side effects, applies exactly the preview, and undo restores the previous state", async () => {
    const before = dump();
    const previewed = await host.previewAction(MANIFEST.id, "organize", { tag: "#album" });
    expect(previewed).toMatchObject({ state: "previewed", preview: { title: "Organize 3 files", reversible: true } });
    expect(previewed.preview!.changes).toHaveLength(5);
    expect(dump()).toBe(before);

    const executed = await host.executeAction(previewed.actionId);
    expect(executed).toMatchObject({ state: "executed" });
    const db = host.library.db;
    expect((db.prepare("SELECT count(*) AS n FROM tag_links tl JOIN tags t ON t.id = tl.tag_id WHERE t.name = '#album'").get() as { n: number }).n).toBe(3);
    expect(db.prepare("SELECT name FROM collections").all()).toEqual([{ name: "Album #album" }]);
    expect((db.prepare("SELECT data FROM models").all() as Array<{ data: string }>).map((r) => JSON.parse(r.data))).toEqual([{ name: "Album #album", count: 3 }]);
    expect(host.getAction(previewed.actionId)).toMatchObject({ state: "executed", undoable: true });
    expect(audit("action.preview")[0]).toMatchObject({ result: "ok", detail: { actionId: previewed.actionId, changes: 5 } });
    expect(audit("action.execute").at(-1)).toMatchObject({ result: "ok", detail: { actionId: previewed.actionId } });
    expect(audit("tags.add").length).toBeGreaterThanOrEqual(3); // the changes themselves, audited by their handlers

    expect(await host.undoAction(previewed.actionId)).toMatchObject({ state: "undone" });
    expect(dump()).toBe(before);
    expect(audit("action.undo").at(-1)).toMatchObject({ result: "ok" });
    await expect(host.undoAction(previewed.actionId)).rejects.toMatchObject({ code: "SDX3022" });
    await expect(host.executeAction(previewed.actionId)).rejects.toMatchObject({ code: "SDX3022" });
  });

  it("refuses a guest that mutates during preview by calling __sdx_call itself", async () => {
    const before = dump();
    const outcome = await host.previewAction(MANIFEST.id, "sneaky", { tag: "x" });
    expect(outcome).toMatchObject({ state: "failed", error: { code: "SDX3015", message: expect.stringContaining("jobs.dispatch, tags.add") } });
    expect(dump()).toBe(before);
    expect(host.listJobs({ extensionId: MANIFEST.id })).toHaveLength(0);
    expect(readAudit(host.library, { who: MANIFEST.id, result: "denied" }).map((a) => a.op)).toEqual(expect.arrayContaining(["tags.add", "jobs.dispatch"]));
  });

  it("refuses a stale preview (the library changed since) and applies nothing", async () => {
    const previewed = await host.previewAction(MANIFEST.id, "organize", { tag: "#stale" });
    writeFileSync(join(data, "d.txt"), "delta");
    await host.index(data); // a new file: the preview's query answers differently now
    const before = dump();
    const outcome = await host.executeAction(previewed.actionId);
    expect(outcome).toMatchObject({ state: "stale", error: { code: "SDX3016" } });
    expect(dump()).toBe(before);
    expect(audit("action.execute").at(-1)).toMatchObject({ result: "error", detail: { code: "SDX3016" } });
  });

  it("notices a change to a target the preview did not query (a tag added meanwhile)", async () => {
    const previewed = await host.previewAction(MANIFEST.id, "organize", { tag: "#target" });
    const change = previewed.preview!.changes[0] as { target: { content: string } };
    expect((await host.runJob(MANIFEST.id, "retag", { content: change.target.content, tag: "#target", remove: false })).state).toBe("completed");
    expect(await host.executeAction(previewed.actionId)).toMatchObject({ state: "stale", error: { code: "SDX3016" } });
  });

  it("fails an execute step that does more, or less, than the preview, and applies nothing", async () => {
    for (const name of ["overreach", "lazy"]) {
      const previewed = await host.previewAction(MANIFEST.id, name, { tag: `#${name}` });
      const before = dump();
      const outcome = await host.executeAction(previewed.actionId);
      expect({ name, state: outcome.state, code: outcome.error?.code }).toEqual({ name, state: "failed", code: "SDX3015" });
      expect(dump()).toBe(before);
    }
  });

  it("binds the preview's placeholder ids to what execute created", async () => {
    const previewed = await host.previewAction(MANIFEST.id, "grouped", { tag: "" });
    expect(await host.executeAction(previewed.actionId)).toMatchObject({ state: "executed" });
    const row = host.library.db.prepare("SELECT c.name, count(ci.id) AS n FROM collections c JOIN collection_items ci ON ci.collection_id = c.id WHERE c.name = 'Group'").get();
    expect(row).toEqual({ name: "Group", n: 4 });
    expect(await host.undoAction(previewed.actionId)).toMatchObject({ state: "undone" });
  });

  it("undoes deletes: the model, its blob, tags and collection membership come back", async () => {
    for (const name of ["old-1", "old-2"]) expect((await host.runJob(MANIFEST.id, "seed", { name })).state).toBe("completed");
    const before = dump();
    const previewed = await host.previewAction(MANIFEST.id, "prune", { tag: "old-" });
    expect(previewed.preview!.changes).toHaveLength(2);
    expect(await host.executeAction(previewed.actionId)).toMatchObject({ state: "executed" });
    const db = host.library.db;
    expect(db.prepare("SELECT count(*) AS n FROM models WHERE json_extract(data, '$.name') LIKE 'old-%'").get()).toEqual({ n: 0 });
    expect(db.prepare("SELECT count(*) AS n FROM collection_items WHERE model_uuid IS NOT NULL").get()).toEqual({ n: 0 });
    expect(await host.undoAction(previewed.actionId)).toMatchObject({ state: "undone" });
    expect(dump()).toBe(before);
  });

  it("refuses to undo when the library changed since, and when the action is not reversible", async () => {
    const previewed = await host.previewAction(MANIFEST.id, "organize", { tag: "#keep" });
    expect((await host.executeAction(previewed.actionId)).state).toBe("executed");
    const content = (previewed.preview!.changes[0] as { target: { content: string } }).target.content;
    await host.runJob(MANIFEST.id, "retag", { content, tag: "#keep", remove: true });
    const before = dump();
    expect(await host.undoAction(previewed.actionId)).toMatchObject({ state: "executed", error: { code: "SDX3016" } });
    expect(dump()).toBe(before);

    const oneWay = await host.previewAction(MANIFEST.id, "oneWay", { tag: "#forever" });
    expect((await host.executeAction(oneWay.actionId)).state).toBe("executed");
    await expect(host.undoAction(oneWay.actionId)).rejects.toMatchObject({ code: "SDX3022", message: expect.stringContaining("not reversible") });
  });
});
