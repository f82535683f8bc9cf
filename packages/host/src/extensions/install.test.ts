import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readBundle, writeBundle } from "@sdx/bundle-format";
import { CORE_SCHEMA_ADDITIONS_SQL } from "@sdx/sdk/core-schema";
import { getInstalled, grantsFor, HOST_CORE_VERSION, installExtension, listInstalled, uninstallExtension, updateGrants } from "./install.js";
import { REGISTRATIONS_MARKER } from "./extension-sql.js";
import { createLibraryOpContext } from "../ops/library-context.js";
import { readAudit } from "../store/audit.js";
import { call, cleanupTempDirs, hostError, makeBundle, makeManifest, noteModel, openLibrary, tempDir } from "../store/__tests__/fixture.js";

afterAll(cleanupTempDirs);

const schemaWith = (extra: string) => `${CORE_SCHEMA_ADDITIONS_SQL}\n${REGISTRATIONS_MARKER}\n${extra}`;

describe("install", () => {
  it("installs a real bundle: stores it, records manifest, registrations, views and grants", async () => {
    const library = openLibrary();
    const manifest = makeManifest({ permissions: [{ kind: "read_entries", glob: "**/*.txt" }, { kind: "write_tags" }] });
    const sql = schemaWith(`
INSERT INTO extension_model_types VALUES ('org.example.notes', 'Note', '1.0.0', 'content', 'shared', '{}', '[]');
CREATE VIEW IF NOT EXISTS "org.example.notes__Note" AS SELECT uuid, json_extract(data, '$.words') AS words FROM models WHERE extension_id = 'org.example.notes' AND model_type = 'Note';
CREATE INDEX IF NOT EXISTS "org.example.notes__Note_words" ON models(json_extract(data, '$.words')) WHERE extension_id = 'org.example.notes' AND model_type = 'Note';`);
    const bytes = await writeBundle({ manifestJson: JSON.stringify(manifest), guestJs: "globalThis.x = 1;", schemaSql: sql, uiManifestJson: null, prompts: {}, assets: {}, kernels: null });
    const bundle = await readBundle(bytes);
    const scope = tempDir();
    const installed = installExtension(library, bundle, { grants: [{ permission: 0, scope: [scope] }] });
    expect(installed.bundlePath).toBe(path.join(library.dir, "extensions", "org.example.notes", "0.1.0.sdx.wasm"));
    expect(Buffer.compare(fs.readFileSync(installed.bundlePath), Buffer.from(bytes))).toBe(0);
    expect(getInstalled(library, "org.example.notes")).toMatchObject({ version: "0.1.0", bundleHash: bundle.hash, manifest: { id: "org.example.notes" } });
    expect(listInstalled(library)).toEqual([expect.objectContaining({ id: "org.example.notes", name: "Notes", version: "0.1.0" })]);
    expect(grantsFor(library, "org.example.notes")).toEqual([{ index: 0, permission: { kind: "read_entries", glob: "**/*.txt" }, scope: [scope] }]);
    const types = library.db.prepare("SELECT model_type, version, scope FROM extension_model_types ORDER BY model_type").all();
    expect(types).toEqual([
      { model_type: "EditState", version: "1.0.0", scope: "entry" },
      { model_type: "Note", version: "1.0.0", scope: "content" },
      { model_type: "Person", version: "1.0.0", scope: "standalone" },
    ]);
    const objects = library.db.prepare("SELECT type, name FROM sqlite_master WHERE name LIKE 'org.example.notes__%' ORDER BY name").all();
    expect(objects).toEqual([{ type: "view", name: "org.example.notes__Note" }, { type: "index", name: "org.example.notes__Note_words" }]);

    const ctx = createLibraryOpContext(library, "org.example.notes");
    await call(ctx, "models.create", { modelType: "Person", scope: { standalone: true }, data: { photoCount: 1 }, blobs: {} });
    uninstallExtension(library, "org.example.notes");
    expect(library.db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name LIKE 'org.example.notes__%'").get()).toEqual({ n: 0 });
    expect(fs.existsSync(installed.bundlePath)).toBe(false);
    expect(getInstalled(library, "org.example.notes")).toBeNull();
    expect(library.db.prepare("SELECT count(*) AS n FROM models").get()).toEqual({ n: 1 }); // kept without purge
    expect(readAudit(library, { who: "host" }).map((a) => a.op)).toEqual(["install", "uninstall"]);
  });

  it("refuses an extension this host cannot run (SDX3009)", async () => {
    const library = openLibrary();
    const newer = await hostError(async () => installExtension(library, await makeBundle(makeManifest({ minCoreVersion: "2.1.0" })), { grants: [] }));
    expect(newer.code).toBe("SDX3009");
    expect(newer.message).toBe(`org.example.notes 0.1.0 needs core 2.1.0 or newer; this host implements core ${HOST_CORE_VERSION}`);
    const features = await hostError(async () => installExtension(library, await makeBundle(makeManifest({ requiredFeatures: ["sync", "exif_extraction", "teleport"] })), { grants: [] }));
    expect(features.code).toBe("SDX3009");
    expect(features.message).toMatch(/requires features this host does not have: teleport \(/); // it has sync
    expect(listInstalled(library)).toEqual([]);
  });

  it("validates grants: index, duplicates, absolute scope", async () => {
    const library = openLibrary();
    const bundle = await makeBundle(makeManifest({ permissions: [{ kind: "write_tags" }] }));
    expect((await hostError(() => installExtension(library, bundle, { grants: [{ permission: 3, scope: [] }] }))).message).toMatch(/permission #3/);
    expect((await hostError(() => installExtension(library, bundle, { grants: [{ permission: 0, scope: [] }, { permission: 0, scope: [] }] }))).message).toMatch(/granted twice/);
    expect((await hostError(() => installExtension(library, bundle, { grants: [{ permission: 0, scope: ["relative/path"] }] }))).message).toMatch(/not an absolute path/);
    installExtension(library, bundle, { grants: [] });
    expect(updateGrants(library, "org.example.notes", [{ permission: 0, scope: [] }])).toHaveLength(1);
    expect(createLibraryOpContext(library, "org.example.notes").grants.has("write_tags")).toBe(true);
  });

  it("upgrades: rows valid under the new schema migrate, others are refused on read", async () => {
    const library = openLibrary();
    installExtension(library, await makeBundle(makeManifest()), { grants: [] });
    const v1 = createLibraryOpContext(library, "org.example.notes");
    const ok = await call(v1, "models.create", { modelType: "Person", scope: { standalone: true }, data: { name: "Kim", photoCount: 1 }, blobs: {} });
    const old = await call(v1, "models.create", { modelType: "Person", scope: { standalone: true }, data: { photoCount: 2 }, blobs: {} });
    // v2 makes `name` required
    const person = makeManifest().models.find((m) => m.name === "Person")!;
    const v2Person = { ...person, version: "2.0.0", schema: { ...person.schema, required: ["photoCount", "name"] } };
    const upgraded = installExtension(library, await makeBundle(makeManifest({ version: "0.2.0", models: [noteModel, v2Person] })), { grants: [] });
    expect(upgraded.previousVersion).toBe("0.1.0");
    expect(upgraded.migratedModels).toEqual({ Person: { migrated: 1, refused: 1 } });
    expect(fs.existsSync(path.join(library.dir, "extensions", "org.example.notes", "0.1.0.sdx.wasm"))).toBe(false);
    const v2 = createLibraryOpContext(library, "org.example.notes");
    expect((await call(v2, "models.get", { modelType: "Person", by: { uuid: ok.uuid } })).model?.version).toBe("2.0.0");
    expect((await hostError(() => call(v2, "models.get", { modelType: "Person", by: { uuid: old.uuid } }))).message).toMatch(/stored by version 1\.0\.0.*version 2\.0\.0's schema/);
    expect((await call(v2, "models.query", { modelType: "Person", filters: [], inlineOnly: true })).models.map((m) => m.uuid)).toEqual([ok.uuid]);
    await call(v2, "models.update", { modelType: "Person", uuid: old.uuid, data: { name: "Fixed", photoCount: 2 }, blobs: {} });
    expect((await call(v2, "models.get", { modelType: "Person", by: { uuid: old.uuid } })).model?.version).toBe("2.0.0");
  });

  it("purges an extension's data on request", async () => {
    const library = openLibrary();
    installExtension(library, await makeBundle(makeManifest()), { grants: [] });
    const ctx = createLibraryOpContext(library, "org.example.notes");
    await call(ctx, "models.create", { modelType: "Person", scope: { standalone: true }, data: { photoCount: 1 }, blobs: { raw: new Float32Array([1, 2]) } });
    uninstallExtension(library, "org.example.notes", { purge: true });
    for (const table of ["models", "metadata_blobs", "model_blobs", "model_versions", "user_metadata"]) {
      expect(library.db.prepare(`SELECT count(*) AS n FROM ${table}`).get()).toEqual({ n: 0 });
    }
    expect((await hostError(() => uninstallExtension(library, "org.example.notes"))).code).toBe("SDX3010");
  });
});
