/**
 * Installed extensions in `library.db`: their rows (`extensions`: manifest, bundle, the views and
 * indexes their schema.sql created), the key each id is bound to (`extension_authors`), their
 * grants (`extension_grants`), their model type
 * registrations (`extension_model_types`), the model rows an upgrade migrates, what an uninstall
 * purges, and the scratch database an extension's schema.sql is tried in first.
 *
 * Plain rows in, plain rows out: what a grant or a manifest means is extensions/' business.
 * Call the writers inside the caller's transaction (install, uninstall, grant updates).
 */
import type { ManifestPermission } from "@sdx/sdk/manifest";
import type { Library } from "./library.js";
import { migrate } from "./migrations.js";
import { deleteModel } from "./models-store.js";
import { MEMORY, openSqlite } from "./sqlite.js";

/** A row of `extension_model_types`. */
export interface ModelTypeRow {
  extension_id: string;
  model_type: string;
  version: string;
  scope: string;
  sync_strategy: string;
  json_schema: string;
  blob_fields: string;
}

/** A view or index an extension's schema.sql created (kept to drop it on upgrade and uninstall). */
export interface SchemaObject {
  type: "view" | "index";
  name: string;
  sql: string;
}

/** A grant as stored: the manifest permission as granted, and its scope (canonical paths; [] = whole library). */
export interface StoredGrant {
  index: number;
  permission: ManifestPermission;
  scope: string[];
}

// --- extensions ---------------------------------------------------------------------------------

/** What loading an installed extension needs; undefined when it is not installed. */
export function installedRow(library: Library, id: string): { manifest: string; bundle_path: string; bundle_hash: string; version: string; signed_by: string | null } | undefined {
  return library.stmt("SELECT manifest, bundle_path, bundle_hash, version, signed_by FROM extensions WHERE id = ?").get(id) as
    | { manifest: string; bundle_path: string; bundle_hash: string; version: string; signed_by: string | null }
    | undefined;
}

/** The stored manifest (JSON text) of an installed extension. */
export function storedManifestJson(library: Library, id: string): string | undefined {
  const row = library.stmt("SELECT manifest FROM extensions WHERE id = ?").get(id) as { manifest: string } | undefined;
  return row?.manifest;
}

/** What an install replaces: the previous version, its schema objects (JSON) and bundle path. */
export function previousInstall(library: Library, id: string): { version: string; schema_objects: string; bundle_path: string } | undefined {
  return library.stmt("SELECT version, schema_objects, bundle_path FROM extensions WHERE id = ?").get(id) as
    | { version: string; schema_objects: string; bundle_path: string }
    | undefined;
}

/** The schema objects (JSON) of an installed extension; undefined when it is not installed. */
export function schemaObjectsOf(library: Library, id: string): string | undefined {
  const row = library.stmt("SELECT schema_objects FROM extensions WHERE id = ?").get(id) as { schema_objects: string } | undefined;
  return row?.schema_objects;
}

export interface ExtensionListRow {
  id: string; version: string; manifest: string; bundle_path: string; bundle_hash: string; signed_by: string | null; installed_at: string; updated_at: string;
}

export function listExtensionRows(library: Library): ExtensionListRow[] {
  return library.stmt("SELECT id, version, manifest, bundle_path, bundle_hash, signed_by, installed_at, updated_at FROM extensions ORDER BY id").all() as ExtensionListRow[];
}

export function upsertExtension(
  library: Library,
  row: { id: string; version: string; manifestJson: string; bundleHash: string; bundlePath: string; schemaObjects: readonly SchemaObject[]; signedBy: string | null; now: string },
): void {
  library
    .stmt(
      `INSERT INTO extensions (id, version, manifest, bundle_hash, bundle_path, schema_objects, signed_by, installed_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET version = excluded.version, manifest = excluded.manifest, bundle_hash = excluded.bundle_hash,
         bundle_path = excluded.bundle_path, schema_objects = excluded.schema_objects, signed_by = excluded.signed_by, updated_at = excluded.updated_at`,
    )
    .run(row.id, row.version, row.manifestJson, row.bundleHash, row.bundlePath, JSON.stringify(row.schemaObjects), row.signedBy, row.now, row.now);
}

// --- authors ------------------------------------------------------------------------------------

/** The key an extension id is bound to (`extension_authors`). */
export interface AuthorBinding {
  fingerprint: string;
  /** Raw Ed25519 public key, base64. */
  publicKey: string;
  boundAt: string;
}

export function authorBinding(library: Library, extensionId: string): AuthorBinding | undefined {
  const row = library.stmt("SELECT key_fingerprint, public_key, bound_at FROM extension_authors WHERE extension_id = ?").get(extensionId) as
    | { key_fingerprint: string; public_key: string; bound_at: string }
    | undefined;
  return row && { fingerprint: row.key_fingerprint, publicKey: row.public_key, boundAt: row.bound_at };
}

/** Binds `extensionId` to a key (a first signed install, or `--replace-author`). */
export function bindAuthor(library: Library, extensionId: string, key: { fingerprint: string; publicKey: string }, now: string): void {
  library
    .stmt(
      `INSERT INTO extension_authors (extension_id, key_fingerprint, public_key, bound_at, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (extension_id) DO UPDATE SET key_fingerprint = excluded.key_fingerprint, public_key = excluded.public_key, updated_at = excluded.updated_at`,
    )
    .run(extensionId, key.fingerprint, key.publicKey, now, now);
}

export function unbindAuthor(library: Library, extensionId: string): void {
  library.stmt("DELETE FROM extension_authors WHERE extension_id = ?").run(extensionId);
}

/** Deletes the extension's registrations, grants and row (not its data; see `purgeExtensionData`). */
export function deleteExtensionRows(library: Library, id: string): void {
  library.stmt("DELETE FROM extension_model_types WHERE extension_id = ?").run(id);
  library.stmt("DELETE FROM extension_grants WHERE extension_id = ?").run(id);
  library.stmt("DELETE FROM extensions WHERE id = ?").run(id);
}

/** Deletes the extension's models (with blobs, tags, collection items), sidecars and custom metadata. */
export function purgeExtensionData(library: Library, id: string): void {
  const models = library.stmt("SELECT uuid FROM models WHERE extension_id = ?").all(id) as Array<{ uuid: Buffer }>;
  for (const m of models) deleteModel(library, m.uuid);
  library.stmt("DELETE FROM sidecars WHERE written_by = ?").run(id);
  library.stmt("UPDATE user_metadata SET custom_data = json_remove(custom_data, ?) WHERE json_type(custom_data, ?) IS NOT NULL").run(`$."${id}"`, `$."${id}"`);
}

// --- schema objects and model types -------------------------------------------------------------

/** Drops the views and indexes listed in `objectsJson` (a stored `schema_objects` value). */
export function dropSchemaObjects(library: Library, objectsJson: string): void {
  for (const object of JSON.parse(objectsJson) as SchemaObject[]) {
    // Names come from sqlite_master of our own scratch run; quote them as identifiers.
    library.db.exec(`DROP ${object.type === "view" ? "VIEW" : "INDEX"} IF EXISTS "${object.name.replace(/"/g, '""')}"`);
  }
}

/** Creates views and indexes whose SQL came out of `runInScratchLibrary` (checked there). */
export function createSchemaObjects(library: Library, objects: readonly SchemaObject[]): void {
  for (const object of objects) library.db.exec(object.sql);
}

export function replaceModelTypes(library: Library, extensionId: string, rows: readonly ModelTypeRow[]): void {
  library.stmt("DELETE FROM extension_model_types WHERE extension_id = ?").run(extensionId);
  for (const r of rows) {
    library
      .stmt("INSERT INTO extension_model_types (extension_id, model_type, version, scope, sync_strategy, json_schema, blob_fields) VALUES (?, ?, ?, ?, ?, ?, ?)")
      .run(r.extension_id, r.model_type, r.version, r.scope, r.sync_strategy, r.json_schema, r.blob_fields);
  }
}

/** Models of a type whose stored version is not `version` (or unrecorded): what an upgrade migrates. */
export function modelsNotAtVersion(library: Library, extensionId: string, modelType: string, version: string): Array<{ uuid: Buffer; data: string }> {
  return library
    .stmt(`SELECT m.uuid, m.data FROM models m LEFT JOIN model_versions v ON v.model_uuid = m.uuid
           WHERE m.extension_id = ? AND m.model_type = ? AND (v.version IS NULL OR v.version != ?)`)
    .all(extensionId, modelType, version) as Array<{ uuid: Buffer; data: string }>;
}

export function setModelVersion(library: Library, modelUuid: Buffer, version: string): void {
  library.stmt("INSERT INTO model_versions (model_uuid, version) VALUES (?, ?) ON CONFLICT (model_uuid) DO UPDATE SET version = excluded.version").run(modelUuid, version);
}

// --- grants -------------------------------------------------------------------------------------

/** Replaces the extension's grants. */
export function replaceGrantRows(library: Library, extensionId: string, grants: readonly StoredGrant[]): void {
  library.stmt("DELETE FROM extension_grants WHERE extension_id = ?").run(extensionId);
  const now = new Date().toISOString();
  for (const g of grants) {
    library
      .stmt("INSERT INTO extension_grants (extension_id, permission_index, permission, scope, granted_at) VALUES (?, ?, ?, ?, ?)")
      .run(extensionId, g.index, JSON.stringify(g.permission), JSON.stringify(g.scope), now);
  }
}

/** The extension's grants, by permission index. */
export function grantRows(library: Library, extensionId: string): StoredGrant[] {
  const rows = library
    .stmt("SELECT permission_index, permission, scope FROM extension_grants WHERE extension_id = ? ORDER BY permission_index")
    .all(extensionId) as Array<{ permission_index: number; permission: string; scope: string }>;
  return rows.map((r) => ({ index: r.permission_index, permission: JSON.parse(r.permission) as ManifestPermission, scope: JSON.parse(r.scope) as string[] }));
}

// --- the scratch library ------------------------------------------------------------------------

/** What running an extension's SQL in a scratch library did. */
export type ScratchRun =
  | { ok: false; error: unknown }
  | {
      ok: true;
      /** Every `extension_model_types` row after the run. */
      registrations: ModelTypeRow[];
      /** Schema objects the run created, in sqlite_master order. */
      created: Array<{ type: string; name: string; sql: string }>;
      /** `type name` of objects of the core schema the run dropped. */
      dropped: string[];
    };

/**
 * Runs `sql` (text from a bundle) in a fresh in-memory database migrated to the library schema,
 * never in the library itself, and reports what it did. The scratch database keeps SQLite's
 * default pragmas; it is closed before this returns.
 */
export function runInScratchLibrary(sql: string): ScratchRun {
  const scratch = openSqlite(MEMORY, { pragmas: null, migrate: (db) => migrate(db, MEMORY) });
  try {
    const before = new Set((scratch.db.prepare("SELECT type || ' ' || name AS k FROM sqlite_master").all() as Array<{ k: string }>).map((r) => r.k));
    try {
      scratch.exec(sql);
    } catch (error) {
      return { ok: false, error };
    }
    const registrations = scratch.db.prepare("SELECT * FROM extension_model_types").all() as ModelTypeRow[];
    const created = (scratch.db.prepare("SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL").all() as Array<{ type: string; name: string; sql: string }>)
      .filter((object) => !before.has(`${object.type} ${object.name}`));
    const dropped = [...before].filter((k) => !scratch.db.prepare("SELECT 1 FROM sqlite_master WHERE type || ' ' || name = ?").get(k));
    return { ok: true, registrations, created, dropped };
  } finally {
    scratch.close();
  }
}
