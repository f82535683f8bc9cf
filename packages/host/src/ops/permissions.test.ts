/**
 * The permission matrix: every library op × granted / not granted (requested but refused by the
 * user, or never requested) / out of scope, each denial audited; then an adversarial extension.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ManifestPermission } from "@sdx/sdk/manifest";
import type { OpName, OpRequest } from "@sdx/sdk/protocol";
import type { OpContext } from "./context.js";
import { indexLocation } from "../core/indexer/indexer.js";
import { installExtension } from "../extensions/install.js";
import { createLibraryOpContext } from "./library-context.js";
import { readAudit } from "../store/audit.js";
import type { Library } from "../store/library.js";
import { uuidToBlob } from "../store/uuid.js";
import { call, cleanupTempDirs, hostError, installTest, makeBundle, makeManifest, openLibrary, tempDir, writeTree } from "../store/__tests__/fixture.js";

afterAll(cleanupTempDirs);

const PERMISSIONS: ManifestPermission[] = [
  { kind: "read_entries", glob: "**/*.txt" },
  { kind: "read_sidecars", kinds: ["exif", "notes"] },
  { kind: "write_sidecars", kinds: ["notes"] },
  { kind: "write_tags" },
  { kind: "write_collections" },
  { kind: "write_custom_metadata" },
];

let library: Library;
let root: string;
let outside: string;
let granted: OpContext;
let refused: OpContext; // requested everything, the user granted nothing
let unrequested: OpContext; // requested nothing
const e: Record<string, { uuid: string; content: string }> = {};

beforeAll(async () => {
  library = openLibrary();
  root = tempDir("sdx-perm-");
  outside = tempDir("sdx-outside-");
  writeTree(root, { "in/a.txt": "in scope", "in/pic.jpg": "text named jpg", "in/swap.txt": "will become a symlink", "out/c.txt": "out of scope" });
  writeTree(outside, { "secret.txt": "top secret" });
  await indexLocation(library, root, { media: false });
  granted = await installTest(library, PERMISSIONS, { id: "org.example.granted", scope: [path.join(root, "in")] });
  refused = await installTest(library, PERMISSIONS, { id: "org.example.refused", grants: [] });
  unrequested = await installTest(library, [], { id: "org.example.unrequested" });
  const rows = library.db.prepare("SELECT e.uuid, e.relative_path, e.content_identity_uuid FROM entries e WHERE e.is_dir = 0").all() as Array<{ uuid: Buffer; relative_path: string; content_identity_uuid: Buffer }>;
  const { blobToUuid } = await import("../store/uuid.js");
  for (const r of rows) e[r.relative_path] = { uuid: blobToUuid(r.uuid), content: blobToUuid(r.content_identity_uuid) };
  // a sidecar the granted extension may read
  library.db.prepare("INSERT INTO sidecars (content_uuid, kind, data, written_by, created_at, updated_at) VALUES (?, 'exif', '{\"Make\":\"X\"}', 'core', '', '')").run(uuidToBlob(e["in/a.txt"].content));
});

type Case = { op: OpName; request: () => OpRequest<OpName>; permission: string; outOfScope?: () => OpRequest<OpName> };
const A = () => e["in/a.txt"];
const C = () => e["out/c.txt"];
const CASES: Case[] = [
  { op: "entries.query", request: () => ({ limit: 10 }), permission: "read_entries", outOfScope: () => ({ limit: 10, location: { device: library.deviceUuid, path: path.join(root, "out") } }) },
  { op: "entries.get", request: () => ({ entryUuid: A().uuid }), permission: "read_entries", outOfScope: () => ({ entryUuid: C().uuid }) },
  { op: "entries.read", request: () => ({ entryUuid: A().uuid }), permission: "read_entries", outOfScope: () => ({ entryUuid: C().uuid }) },
  { op: "models.create", request: () => ({ modelType: "Note", scope: { content: A().content }, data: { words: 2 }, blobs: {} }), permission: "read_entries", outOfScope: () => ({ modelType: "Note", scope: { content: C().content }, data: { words: 2 }, blobs: {} }) },
  { op: "tags.add", request: () => ({ target: { content: A().content }, tag: "#ok" }), permission: "write_tags", outOfScope: () => ({ target: { entry: C().uuid }, tag: "#no" }) },
  { op: "tags.remove", request: () => ({ target: { content: A().content }, tag: "#ok" }), permission: "write_tags", outOfScope: () => ({ target: { content: C().content }, tag: "#no" }) },
  { op: "tags.list", request: () => ({ target: { entry: A().uuid } }), permission: "read_entries", outOfScope: () => ({ target: { entry: C().uuid } }) },
  { op: "collections.create", request: () => ({ name: "mine", items: [{ entry: A().uuid }] }), permission: "write_collections", outOfScope: () => ({ name: "theirs", items: [{ entry: C().uuid }] }) },
  { op: "sidecars.read", request: () => ({ contentUuid: A().content, kind: "exif" }), permission: "read_sidecars", outOfScope: () => ({ contentUuid: C().content, kind: "exif" }) },
  { op: "sidecars.write", request: () => ({ contentUuid: A().content, kind: "notes", data: { n: 1 } }), permission: "write_sidecars", outOfScope: () => ({ contentUuid: C().content, kind: "notes", data: {} }) },
  { op: "metadata.setCustom", request: () => ({ target: { entry: A().uuid }, data: { seen: true } }), permission: "write_custom_metadata", outOfScope: () => ({ target: { content: C().content }, data: {} }) },
];

function deniedCount(ctx: OpContext, op: string): number {
  return readAudit(library, { who: ctx.extensionId, result: "denied" }).filter((a) => a.op === op).length;
}

describe("permission matrix", () => {
  for (const c of CASES) {
    it(`${c.op}: granted works, not granted and out of scope are denied and audited`, async () => {
      await expect(call(granted, c.op, c.request())).resolves.toBeDefined();
      for (const ctx of [refused, unrequested]) {
        const before = deniedCount(ctx, c.op);
        const error = await hostError(() => call(ctx, c.op, c.request()));
        expect(error.toWire()).toMatchObject({ code: "SDX3001", name: "PermissionDenied", data: { permission: expect.any(String) } });
        // models.create and tags.list need a visible target first; the others name their own permission
        const expected = ctx === unrequested || c.permission !== "read_entries" ? [c.permission, "read_entries"] : [c.permission];
        expect(expected).toContain((error.data as { permission: string }).permission);
        expect(error.message).toMatch(ctx === refused ? /did not grant/ : /did not request/);
        expect(deniedCount(ctx, c.op)).toBe(before + 1);
      }
      if (c.outOfScope) {
        const before = deniedCount(granted, c.op);
        const error = await hostError(() => call(granted, c.op, c.outOfScope!()));
        expect(error.code).toBe("SDX3001");
        expect(error.message).toMatch(/outside|none of its entries/);
        expect(deniedCount(granted, c.op)).toBe(before + 1);
      }
    });
  }

  it("filters queries to the granted glob and scope", async () => {
    const found = await call(granted, "entries.query", { limit: 100 });
    expect(found.entries.map((x) => x.name).sort()).toEqual(["a.txt", "swap.txt"]);
    const glob = await hostError(() => call(granted, "entries.get", { entryUuid: e["in/pic.jpg"].uuid }));
    expect(glob.message).toMatch(/does not match the read_entries glob \(\*\*\/\*\.txt\)/);
  });

  it("checks sidecar kinds per permission", async () => {
    const error = await hostError(() => call(granted, "sidecars.write", { contentUuid: A().content, kind: "exif", data: {} }));
    expect(error.message).toMatch(/covers only notes/);
    expect((await hostError(() => call(granted, "sidecars.read", { contentUuid: A().content, kind: "faces" }))).code).toBe("SDX3001");
  });
});

describe("adversarial extension", () => {
  it("cannot reach outside its scope with .. or symlinks", async () => {
    for (const p of [path.join(root, "in", "..", "out"), `${root}/in/../out/../out`, `${root}/in/../out/c.txt`]) {
      const error = await hostError(() => call(granted, "entries.query", { limit: 10, location: { device: library.deviceUuid, path: p } }));
      expect(error.code).toBe("SDX3001");
    }
    // the parent of the scope may be queried, but only what lies in the scope comes back
    const parent = await call(granted, "entries.query", { limit: 10, location: { device: library.deviceUuid, path: `${root}/in/..` } });
    expect(parent.entries.every((x) => x.path.path.startsWith(path.join(root, "in") + "/"))).toBe(true);
    fs.symlinkSync(path.join(root, "out"), path.join(root, "in", "escape"));
    expect((await hostError(() => call(granted, "entries.query", { limit: 10, location: { device: library.deviceUuid, path: path.join(root, "in", "escape") } }))).code).toBe("SDX3001");
    // a file replaced by a symlink after indexing: the read re-checks the real path
    fs.rmSync(path.join(root, "in", "swap.txt"));
    fs.symlinkSync(path.join(outside, "secret.txt"), path.join(root, "in", "swap.txt"));
    const read = await hostError(() => call(granted, "entries.read", { entryUuid: e["in/swap.txt"].uuid }));
    expect(read.code).toBe("SDX3001");
    expect(read.message).toMatch(/resolves outside its location/);
    expect(read.message).not.toContain(outside); // the link's target is not revealed
    const audit = readAudit(library, { who: granted.extensionId, result: "denied" }).filter((a) => a.op === "entries.read").at(-1);
    expect(audit?.target).toContain("secret.txt");
    fs.rmSync(path.join(root, "in", "swap.txt"));
    fs.symlinkSync(path.join(root, "out", "c.txt"), path.join(root, "in", "swap.txt")); // inside the location, outside the scope
    expect((await hostError(() => call(granted, "entries.read", { entryUuid: e["in/swap.txt"].uuid }))).message).toMatch(/outside the paths the user granted/);
  });

  it("canonicalizes granted scope paths (a symlinked scope is the real directory)", async () => {
    const alias = path.join(tempDir("sdx-alias-"), "link-to-in");
    fs.symlinkSync(path.join(root, "in"), alias);
    const ctx = await installTest(library, PERMISSIONS, { id: "org.example.alias", scope: [path.join(alias, "sub", "..")] });
    expect(ctx.grants.grants[0].scope).toEqual([path.join(root, "in")]);
    expect((await call(ctx, "entries.get", { entryUuid: A().uuid })).entry?.name).toBe("a.txt");
  });

  it("cannot see or touch another extension's models and sidecars", async () => {
    const mine = await call(granted, "models.create", { modelType: "Person", scope: { standalone: true }, data: { photoCount: 1 }, blobs: { raw: new Float32Array([1]) } });
    await call(granted, "sidecars.write", { contentUuid: A().content, kind: "notes", data: { mine: true } });
    const spy = await installTest(library, PERMISSIONS, { id: "org.example.spy", scope: [] });
    expect((await call(spy, "models.get", { modelType: "Person", by: { uuid: mine.uuid } })).model).toBeNull();
    expect((await call(spy, "models.query", { modelType: "Person", filters: [], inlineOnly: true, countOnly: true })).count).toBe(0);
    for (const attempt of [
      () => call(spy, "models.update", { modelType: "Person", uuid: mine.uuid, data: { photoCount: 9 }, blobs: {} }),
      () => call(spy, "models.delete", { modelType: "Person", uuid: mine.uuid }),
      () => call(spy, "models.loadBlob", { modelUuid: mine.uuid, field: "raw" }),
      () => call(spy, "tags.add", { target: { model: mine.uuid }, tag: "#pwned" }),
      () => call(spy, "collections.create", { name: "stolen", items: [{ model: mine.uuid }] }),
    ]) {
      expect((await hostError(attempt)).code).toBe("SDX3008");
    }
    expect(readAudit(library, { who: spy.extensionId, result: "denied" }).filter((a) => a.target === `model ${mine.uuid}`)).toHaveLength(5);
    expect((await call(spy, "sidecars.read", { contentUuid: A().content, kind: "notes" })).data).toBeNull();
    expect((await hostError(() => call(spy, "sidecars.write", { contentUuid: A().content, kind: "notes", data: { overwritten: true } }))).message).toMatch(/another extension/);
    expect((await call(granted, "sidecars.read", { contentUuid: A().content, kind: "notes" })).data).toEqual({ mine: true });
    expect((await call(granted, "models.get", { modelType: "Person", by: { uuid: mine.uuid } })).model?.data).toEqual({ photoCount: 1 });
  });

  it("gets nothing from SQL in strings", async () => {
    const tables = () => (library.db.prepare("SELECT count(*) AS n FROM sqlite_master").get() as { n: number }).n;
    const before = tables();
    const evil = "x'); DROP TABLE models; --";
    expect((await call(granted, "models.query", { modelType: "Note", filters: [{ field: "words", op: "=", value: evil }], inlineOnly: true })).models).toEqual([]);
    expect((await call(granted, "models.query", { modelType: "Note", filters: [{ field: "words", op: "in", value: [evil, 1] }], inlineOnly: true, tag: evil })).models).toEqual([]);
    expect((await hostError(() => call(granted, "models.query", { modelType: `Note' OR 1=1 --`, filters: [], inlineOnly: true }))).code).toBe("SDX3002");
    await expect(call(granted, "models.query", { modelType: "Note", filters: [{ field: "words') OR 1=1 --", op: "=", value: 1 }], inlineOnly: true })).rejects.toThrow(/identifiers/);
    await call(granted, "tags.add", { target: { content: A().content }, tag: evil });
    expect((await call(granted, "tags.list", { target: { content: A().content } })).tags).toContain(evil);
    expect((await call(granted, "entries.query", { limit: 5, glob: "**/*'; DROP TABLE entries; --" })).entries).toEqual([]);
    await call(granted, "metadata.setCustom", { target: { content: A().content }, data: { note: evil } });
    expect(tables()).toBe(before);
    expect(library.db.prepare("SELECT count(*) AS n FROM models").get()).not.toEqual({ n: 0 });
  });

  it("cannot smuggle SQL into the library through its bundle's schema.sql", async () => {
    const manifest = makeManifest({ id: "org.example.evil" });
    for (const sql of [
      "DROP TABLE models;",
      "CREATE TRIGGER t AFTER INSERT ON models BEGIN DELETE FROM models; END;",
      "CREATE TABLE stash (x);",
      "ATTACH DATABASE '/tmp/evil.db' AS evil;",
      "INSERT INTO extension_model_types VALUES ('org.example.granted', 'Note', '9.9.9', 'content', 'shared', '{}', '[]');",
      "INSERT INTO extensions VALUES ('org.example.evil', '0.1.0', '{}', '', '', '[]', '', '', NULL); INSERT INTO extension_grants VALUES ('org.example.evil', 0, '{}', '[]', ''); INSERT INTO extension_authors VALUES ('org.example.granted', 'sha256:evil', 'AAAA', '', '');",
    ]) {
      const bundle = await makeBundle(manifest, `-- core additions…\n-- sdx:section registrations\n${sql}`);
      const attempt = () => installExtension(library, bundle, { grants: [] });
      if (sql.includes("INSERT INTO extension_grants")) {
        attempt(); // runs in the scratch database only: nothing reaches the library
        expect(library.db.prepare("SELECT count(*) AS n FROM extension_grants WHERE extension_id = 'org.example.evil'").get()).toEqual({ n: 0 });
        expect(library.db.prepare("SELECT count(*) AS n FROM extension_authors").get()).toEqual({ n: 0 }); // nor a key binding for another id
      } else {
        expect(attempt).toThrow(/schema\.sql/);
      }
    }
    expect(createLibraryOpContext(library, "org.example.evil").grants.grants).toEqual([]);
  });
});
