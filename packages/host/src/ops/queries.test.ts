import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ManifestQuery } from "@sdx/sdk/manifest";
import type { OpContext } from "./context.js";
import { indexLocation } from "../core/indexer/indexer.js";
import { Library } from "../store/library.js";
import { explainQueryBatch } from "../store/named-query.js";
import { insertCoreSidecar } from "../store/sidecars-store.js";
import { resolveField, type QuerySpec } from "@sdx/sdk/query";
import { uuidToBlob } from "../store/uuid.js";
import { call, cleanupTempDirs, hostError, installTest, makeBundle, makeManifest, tempDir, writeTree } from "../store/__tests__/fixture.js";
import { installExtension } from "../extensions/install.js";
import { MAX_SCAN, namedQuery, runQuery } from "./queries.js";

afterAll(cleanupTempDirs);

const q = (name: string, spec: Omit<QuerySpec, "show"> & { show?: QuerySpec["show"] }, params: ManifestQuery["params"] = []): ManifestQuery =>
  ({ name, params, show: {}, ...spec });

const QUERIES: ManifestQuery[] = [
  q("people", { from: { kind: "models", model: "Person" }, where: [], orderBy: { field: "photoCount", direction: "desc" }, show: { title: "name" } }),
  q("named", { from: { kind: "models", model: "Person" }, where: [{ field: "name", op: "=", value: { param: "who" } }] }, [{ name: "who", schema: { type: "string" }, optional: false }]),
  q("atLeast", { from: { kind: "models", model: "Person" }, where: [{ field: "photoCount", op: ">=", value: { param: "min" } }], orderBy: { field: "photoCount", direction: "asc" } },
    [{ name: "min", schema: { type: "integer" }, optional: true }]),
  q("notes", { from: { kind: "models", model: "Note" }, where: [{ field: "tags", op: "contains", value: "red" }] }),
  q("files", { from: { kind: "entries" }, where: [], orderBy: { field: "name", direction: "asc" } }),
  q("placed", { from: { kind: "entries" }, where: [{ field: "exif.latitude", op: "!=", value: null }] }),
  q("counted", { from: { kind: "entries" }, where: [{ field: "Note.words", op: ">", value: 2 }] }),
];

// The statement the codegen emits for a queried field (codegen/test/sql.test.ts checks the emitter writes exactly this).
const INDEX_SQL = `\n-- sdx:section registrations\nCREATE INDEX IF NOT EXISTS "idx_ext_org_example_notes__Person__photoCount"
ON models(extension_id, model_type, json_extract(data, '$.photoCount'))
WHERE extension_id = 'org.example.notes' AND model_type = 'Person';\n`;

let library: Library;
let ctx: OpContext;
let other: OpContext;

beforeAll(async () => {
  library = Library.open(path.join(tempDir(), "lib"));
  const root = tempDir("sdx-files-");
  writeTree(root, { "a.txt": "one two three", "b.txt": "four five", "secret.md": "six seven eight nine", "c.txt": "ten" });
  await indexLocation(library, root, { media: false });
  ctx = await installTest(library, [{ kind: "read_entries", glob: "**/*.txt" }, { kind: "read_sidecars", kinds: ["exif"] }], { manifest: { queries: QUERIES } });
  const manifest = makeManifest({ id: "org.example.rival", queries: QUERIES });
  installExtension(library, await makeBundle(manifest), { grants: [] });
  other = { ...ctx, extensionId: "org.example.rival", manifest };
  for (let i = 0; i < 25; i++) {
    const data = i % 5 === 4 ? { photoCount: 0 } : { name: `p${i}`, photoCount: i % 7 };
    await call(ctx, "models.create", { modelType: "Person", scope: { standalone: true }, data, blobs: {} });
  }
  await call(other, "models.create", { modelType: "Person", scope: { standalone: true }, data: { name: "rival's", photoCount: 99 }, blobs: {} });
});

const run = (c: OpContext, name: string, params: Record<string, unknown> = {}, page: { limit?: number; cursor?: string | null } = {}) =>
  call(c, "queries.run", { name, params, ...page });

describe("named queries over models", () => {
  it("orders, shapes rows for the UI, and pages by keyset with no row twice or missing", async () => {
    const all = await run(ctx, "people", {}, { limit: 1000 });
    expect(all.rows).toHaveLength(25);
    expect(all.nextCursor).toBeNull();
    const counts = all.rows.map((r) => r.data.photoCount as number);
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
    expect(all.rows[0]).toMatchObject({ kind: "model", modelType: "Person", title: "p6", data: { name: "p6", photoCount: 6 } });
    expect(all.rows.find((r) => r.data.name === undefined)?.title).toMatch(/^Person [0-9a-f]{8}$/);

    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await run(ctx, "people", {}, { limit: 7, cursor });
      expect(page.rows.length).toBeLessThanOrEqual(7);
      paged.push(...page.rows.map((r) => r.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(paged).toEqual(all.rows.map((r) => r.id));
  });

  it("binds parameters: an injection attempt is a value that matches nothing", async () => {
    expect((await run(ctx, "named", { who: "p3" })).rows.map((r) => r.title)).toEqual(["p3"]);
    expect((await run(ctx, "named", { who: "x' OR 1=1 --" })).rows).toEqual([]);
    expect((await run(ctx, "named", { who: "p1\" OR \"1\"=\"1" })).rows).toEqual([]);
    expect((await run(ctx, "people", {}, { limit: 1000 })).rows).toHaveLength(25); // nothing was dropped or changed
  });

  it("drops the filters of optional parameters left out, and refuses bad parameters (SDX3055)", async () => {
    expect((await run(ctx, "atLeast")).rows).toHaveLength(25);
    expect((await run(ctx, "atLeast", { min: 5 })).rows.map((r) => r.data.photoCount)).toEqual([5, 5, 6, 6, 6]);
    expect(await hostError(() => run(ctx, "atLeast", { min: "5; DROP TABLE models" }))).toMatchObject({ code: "SDX3055", message: expect.stringContaining('parameter "min" must be "integer"') });
    expect(await hostError(() => run(ctx, "named"))).toMatchObject({ code: "SDX3055", message: expect.stringContaining('"who" is missing') });
    expect(await hostError(() => run(ctx, "named", { who: "a", extra: 1 }))).toMatchObject({ code: "SDX3055", message: expect.stringContaining('no parameter "extra"') });
    expect(await hostError(() => run(ctx, "nope"))).toMatchObject({ code: "SDX3055", message: expect.stringContaining("declares no query") });
    expect(await hostError(() => run(ctx, "people", {}, { cursor: "bm90IGEgY3Vyc29y" }))).toMatchObject({ code: "SDX3055", message: expect.stringContaining("cursor") });
    // The CLI and the preview call runQuery without the op's schema: a page size is checked there too.
    const people = namedQuery(ctx, "people");
    for (const limit of [Number.NaN, 0, 2.5, 1001]) {
      expect(await hostError(async () => runQuery(ctx, { ...people, values: {}, limit }))).toMatchObject({ code: "SDX3055", message: expect.stringContaining("limit must be") });
    }
  });

  it("reads only the calling extension's models", async () => {
    const mine = (await run(ctx, "people", {}, { limit: 1000 })).rows;
    expect(mine.some((r) => r.data.name === "rival's")).toBe(false);
    const theirs = (await run(other, "people", {}, { limit: 1000 })).rows;
    expect(theirs.map((r) => r.data.name)).toEqual(["rival's"]);
    // A spec naming a model type the extension does not declare is refused before any SQL.
    const foreign = { ...ctx, manifest: makeManifest({ queries: [q("steal", { from: { kind: "models", model: "Secret" }, where: [] })] }) };
    expect(await hostError(() => run(foreign, "steal"))).toMatchObject({ code: "SDX3055", message: expect.stringContaining("no model Secret") });
  });

  it("looks inside array fields with contains", async () => {
    const found = await call(ctx, "entries.query", { limit: 10 });
    await call(ctx, "models.create", { modelType: "Note", scope: { content: found.entries[0]!.contentUuid }, data: { words: 3, tags: ["red", "blue"] }, blobs: {} });
    await call(ctx, "models.create", { modelType: "Note", scope: { content: found.entries[1]!.contentUuid }, data: { words: 2, tags: ["blue"] }, blobs: {} });
    const rows = (await run(ctx, "notes")).rows;
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ kind: "model", contentUuid: found.entries[0]!.contentUuid, title: found.entries[0]!.name });
    // entries joined by content to the extension's content-scoped model
    expect((await run(ctx, "counted")).rows.map((r) => r.title)).toEqual([found.entries[0]!.name]);
  });
});

describe("named queries over entries", () => {
  it("return only entries inside the read_entries grant", async () => {
    const rows = (await run(ctx, "files")).rows;
    expect(rows.map((r) => r.title)).toEqual(["a.txt", "b.txt", "c.txt"]);
    expect(rows[0]).toMatchObject({ kind: "entry", data: { name: "a.txt", kind: expect.any(String) } });
  });

  it("filter on a granted sidecar kind, and are refused a kind that was not granted", async () => {
    const found = await call(ctx, "entries.query", { limit: 10 });
    const [first] = found.entries;
    insertCoreSidecar(library, uuidToBlob(first!.contentUuid), "exif", JSON.stringify({ latitude: 48.85, longitude: 2.35, DateTimeOriginal: "2021:06:01 10:00:00" }), new Date().toISOString());
    const rows = (await run(ctx, "placed")).rows;
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ title: first!.name, location: { latitude: 48.85, longitude: 2.35 }, date: "2021-06-01T10:00:00" });
    const ungranted = await installTest(library, [{ kind: "read_entries", glob: "**/*" }, { kind: "read_sidecars", kinds: ["exif"] }], {
      id: "org.example.nogps", grants: [{ permission: 0, scope: [] }], manifest: { queries: QUERIES },
    });
    expect(await hostError(() => run(ungranted, "placed"))).toMatchObject({ code: "SDX3001" });
  });
});

describe("large results and indexes", () => {
  // Sequential UUIDs keep the million inserts to seconds; each page is one bounded statement (LIMIT) however many rows match.
  it("pages a million rows without loading them", async () => {
    const big = Library.open(path.join(tempDir(), "big"));
    const bigCtx = await installTest(big, [], { manifest: { queries: QUERIES } });
    const metadata = big.db.prepare("INSERT INTO user_metadata (uuid, created_at, updated_at) VALUES (randomblob(16), 'x', 'x')").run().lastInsertRowid;
    const insert = big.db.prepare(`WITH RECURSIVE n(i) AS (SELECT ? UNION ALL SELECT i + 1 FROM n WHERE i < ?)
      INSERT INTO models (uuid, extension_id, model_type, data, standalone, metadata_id, sync_strategy, created_at, updated_at)
      SELECT unhex(printf('%032x', i)), 'org.example.notes', 'Person', json_object('photoCount', i % 1000), 1, ?, 1, 'x', 'x' FROM n`);
    // In slices, yielding between them: a worker blocked for a minute on a busy machine loses vitest's RPC.
    for (let start = 1; start <= 1_000_000; start += 100_000) {
      insert.run(start, start + 99_999, metadata);
      await new Promise((resolve) => setImmediate(resolve));
    }
    const first = await run(bigCtx, "people", {}, { limit: 1000 });
    expect(first.rows).toHaveLength(1000);
    expect(first.nextCursor).not.toBeNull();
    const second = await run(bigCtx, "people", {}, { limit: 1000, cursor: first.nextCursor });
    expect(second.rows).toHaveLength(1000);
    expect(new Set([...first.rows, ...second.rows].map((r) => r.id)).size).toBe(2000);
    expect(second.rows[0]!.data.photoCount).toBeLessThanOrEqual(first.rows.at(-1)!.data.photoCount as number);
    big.close();
  }, 180_000);

  it("scans a bounded number of entries outside the grant per call, and pages on to the granted ones", async () => {
    const walled = Library.open(path.join(tempDir(), "walled"));
    const root = tempDir("sdx-walled-");
    // More ungranted files than one call scans (MAX_SCAN), all sorting before the granted ones.
    const files: Record<string, string> = { "zz-1.txt": "granted one", "zz-2.txt": "granted two" };
    for (let i = 0; i < MAX_SCAN + 500; i++) files[`private/m${String(i).padStart(5, "0")}.md`] = `private ${i}`;
    writeTree(root, files);
    await indexLocation(walled, root, { media: false });
    const walledCtx = await installTest(walled, [{ kind: "read_entries", glob: "**/*.txt" }], { manifest: { queries: QUERIES } });

    const first = await run(walledCtx, "files", {}, { limit: 10 });
    expect(first.rows).toEqual([]); // MAX_SCAN private entries looked at, none shown
    expect(first.nextCursor).not.toBeNull();
    const titles: string[] = [];
    let cursor: string | null = first.nextCursor;
    let calls = 1;
    while (cursor) {
      const page = await run(walledCtx, "files", {}, { limit: 10, cursor });
      titles.push(...page.rows.map((r) => r.title));
      cursor = page.nextCursor;
      calls += 1;
    }
    expect(titles).toEqual(["zz-1.txt", "zz-2.txt"]);
    expect(calls).toBe(2);
    walled.close();
  }, 180_000);

  it("filters through the index the codegen emits for a queried field", async () => {
    const indexed = Library.open(path.join(tempDir(), "indexed"));
    const manifest = makeManifest({ queries: QUERIES });
    installExtension(indexed, await makeBundle(manifest, INDEX_SQL), { grants: [] });
    const spec = QUERIES[2]!;
    const plan = { extensionId: manifest.id, spec, filters: [{ filter: spec.where[0]!, field: resolveField(spec, "photoCount", manifest) as never }] };
    expect(explainQueryBatch(indexed, plan, [5]).join(" ")).toContain("idx_ext_org_example_notes__Person__photoCount");
    indexed.close();
  });
});
