/**
 * Installing, upgrading and uninstalling an extension in a library, and its grants.
 *
 * Install checks the bundle against this host (minCoreVersion, requiredFeatures; SDX3009 with
 * what is missing), applies the extension part of its schema.sql (see extension-sql.ts), stores
 * the bundle under `<library>/extensions/<id>/<version>.sdx.wasm`, records the manifest and the
 * user's grants, all in one transaction. Re-installing another version upgrades in place: rows
 * of changed model versions that validate against the new schema are migrated to it; the others
 * keep their old version and are refused on read (see ops/models.ts).
 */
import fs from "node:fs";
import path from "node:path";
import semver from "semver";
import type { LoadedBundle } from "@sdx/bundle-format";
import { parseManifest, type Manifest } from "@sdx/sdk/manifest";
import { writeAudit } from "../store/audit.js";
import { validationFailed, sdxError, SdxError } from "../store/errors.js";
import type { Library } from "../store/library.js";
import { deleteModel } from "../store/models-store.js";
import { canonicalPath } from "../store/paths.js";
import type { Grant } from "./grants.js";
import { ModelValidators } from "./validators.js";
import { extensionSchema, type SchemaObject } from "./extension-sql.js";

/** The core version this host implements (the spec's Core v2.0). */
export const HOST_CORE_VERSION = "2.0.0";

/**
 * Features this host provides: ONNX models (ai/), EXIF and thumbnails (indexer/), OCR (ocr/, run
 * by the indexer), durable jobs (jobs/), actions (actions/), agents with hooks and memory (agents/,
 * memory/), vector search (sqlite-vec, memory/associative.ts). Not yet: "sync" (writes are stamped
 * for sync, nothing syncs). A host embedding more passes its own list to install.
 */
export const HOST_FEATURES: readonly string[] = ["ai_models", "exif_extraction", "ocr", "thumbnails", "jobs", "actions", "agents", "vector_search"];

/** What install needs of a bundle (a `LoadedBundle` from `readBundle`, already verified). */
export type InstallableBundle = Pick<LoadedBundle, "manifest" | "schemaSql" | "bytes" | "hash">;

export interface GrantInput {
  /** Index in `manifest.permissions`. */
  permission: number;
  /** Absolute paths the permission is limited to; `[]` = the whole library. */
  scope: string[];
}

export interface InstallOptions {
  grants: GrantInput[];
  /** Features of the host doing the install (default `HOST_FEATURES`). */
  features?: readonly string[];
}

export interface InstalledExtension {
  id: string;
  version: string;
  manifest: Manifest;
  bundlePath: string;
  bundleHash: string;
  grants: Grant[];
  /** The version this install replaced, or null for a first install. */
  previousVersion: string | null;
  /** Per model type whose version changed: rows moved to the new version and rows left behind. */
  migratedModels: Record<string, { migrated: number; refused: number }>;
}

export interface InstalledSummary {
  id: string;
  name: string;
  version: string;
  bundlePath: string;
  bundleHash: string;
  installedAt: string;
  updatedAt: string;
}

function incompatible(message: string, data: unknown): SdxError {
  return sdxError("SDX3009", message, data);
}

/** SDX3009 when the host cannot run this manifest. */
export function checkCompatibility(manifest: Manifest, features: readonly string[] = HOST_FEATURES): void {
  if (!semver.gte(HOST_CORE_VERSION, manifest.minCoreVersion)) {
    throw incompatible(`${manifest.id} ${manifest.version} needs core ${manifest.minCoreVersion} or newer; this host implements core ${HOST_CORE_VERSION}`, {
      minCoreVersion: manifest.minCoreVersion, hostCoreVersion: HOST_CORE_VERSION,
    });
  }
  const missing = manifest.requiredFeatures.filter((f) => !features.includes(f));
  if (missing.length > 0) {
    throw incompatible(`${manifest.id} ${manifest.version} requires features this host does not have: ${missing.join(", ")} (it has: ${features.join(", ")})`, { missing });
  }
}

/** Validates grant inputs against the manifest and canonicalizes their scope paths. */
export function resolveGrants(manifest: Manifest, inputs: GrantInput[]): Grant[] {
  const seen = new Set<number>();
  return inputs.map((input) => {
    const permission = manifest.permissions[input.permission];
    if (!Number.isInteger(input.permission) || !permission) {
      throw validationFailed(`grant for permission #${input.permission}: ${manifest.id} requests ${manifest.permissions.length} permissions (0–${manifest.permissions.length - 1})`);
    }
    if (seen.has(input.permission)) throw validationFailed(`permission #${input.permission} (${permission.kind}) is granted twice`);
    seen.add(input.permission);
    for (const p of input.scope) {
      if (typeof p !== "string" || !path.isAbsolute(p)) throw validationFailed(`grant scope ${JSON.stringify(p)} is not an absolute path`);
    }
    return { index: input.permission, permission, scope: [...new Set(input.scope.map(canonicalPath))].sort() };
  });
}

function writeGrants(library: Library, id: string, grants: Grant[]): void {
  library.stmt("DELETE FROM extension_grants WHERE extension_id = ?").run(id);
  const now = new Date().toISOString();
  for (const g of grants) {
    library
      .stmt("INSERT INTO extension_grants (extension_id, permission_index, permission, scope, granted_at) VALUES (?, ?, ?, ?, ?)")
      .run(id, g.index, JSON.stringify(g.permission), JSON.stringify(g.scope), now);
  }
}

function dropObjects(library: Library, objectsJson: string): void {
  for (const object of JSON.parse(objectsJson) as SchemaObject[]) {
    // Names come from sqlite_master of our own scratch run; quote them as identifiers.
    library.db.exec(`DROP ${object.type === "view" ? "VIEW" : "INDEX"} IF EXISTS "${object.name.replace(/"/g, '""')}"`);
  }
}

/** Moves rows of changed model versions to the new version when their data still validates. */
function migrateModelRows(library: Library, manifest: Manifest): InstalledExtension["migratedModels"] {
  const validators = ModelValidators.fromManifest(manifest);
  const out: InstalledExtension["migratedModels"] = {};
  for (const model of manifest.models) {
    const rows = library
      .stmt(`SELECT m.uuid, m.data FROM models m LEFT JOIN model_versions v ON v.model_uuid = m.uuid
             WHERE m.extension_id = ? AND m.model_type = ? AND (v.version IS NULL OR v.version != ?)`)
      .all(manifest.id, model.name, model.version) as Array<{ uuid: Buffer; data: string }>;
    if (rows.length === 0) continue;
    const counts = { migrated: 0, refused: 0 };
    for (const row of rows) {
      try {
        validators.validateData(model.name, JSON.parse(row.data));
      } catch {
        counts.refused += 1;
        continue;
      }
      library.stmt("INSERT INTO model_versions (model_uuid, version) VALUES (?, ?) ON CONFLICT (model_uuid) DO UPDATE SET version = excluded.version").run(row.uuid, model.version);
      counts.migrated += 1;
    }
    out[model.name] = counts;
  }
  return out;
}

export function installExtension(library: Library, bundle: InstallableBundle, options: InstallOptions): InstalledExtension {
  const parsed = parseManifest(bundle.manifest);
  if (!parsed.ok) throw validationFailed("the bundle's manifest is invalid", parsed.issues);
  const manifest = parsed.manifest;
  checkCompatibility(manifest, options.features);
  const grants = resolveGrants(manifest, options.grants);
  const schema = extensionSchema(manifest, bundle.schemaSql);

  const dir = path.join(library.extensionsDir(), manifest.id);
  const bundlePath = path.join(dir, `${manifest.version}.sdx.wasm`);
  fs.mkdirSync(dir, { recursive: true });
  const temporary = `${bundlePath}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, bundle.bytes);
  fs.renameSync(temporary, bundlePath);

  const installed = library.transaction(() => {
    const previous = library.stmt("SELECT version, schema_objects, bundle_path FROM extensions WHERE id = ?").get(manifest.id) as
      | { version: string; schema_objects: string; bundle_path: string }
      | undefined;
    if (previous) dropObjects(library, previous.schema_objects);
    for (const object of schema.objects) library.db.exec(object.sql);
    library.stmt("DELETE FROM extension_model_types WHERE extension_id = ?").run(manifest.id);
    for (const r of schema.registrations) {
      library
        .stmt("INSERT INTO extension_model_types (extension_id, model_type, version, scope, sync_strategy, json_schema, blob_fields) VALUES (?, ?, ?, ?, ?, ?, ?)")
        .run(r.extension_id, r.model_type, r.version, r.scope, r.sync_strategy, r.json_schema, r.blob_fields);
    }
    const now = new Date().toISOString();
    library
      .stmt(
        `INSERT INTO extensions (id, version, manifest, bundle_hash, bundle_path, schema_objects, installed_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET version = excluded.version, manifest = excluded.manifest, bundle_hash = excluded.bundle_hash,
           bundle_path = excluded.bundle_path, schema_objects = excluded.schema_objects, updated_at = excluded.updated_at`,
      )
      .run(manifest.id, manifest.version, JSON.stringify(manifest), bundle.hash, bundlePath, JSON.stringify(schema.objects), now, now);
    writeGrants(library, manifest.id, grants);
    const migratedModels = migrateModelRows(library, manifest);
    writeAudit(library, "host", "install", manifest.id, "ok", { version: manifest.version, previous: previous?.version ?? null, grants: grants.map((g) => ({ permission: g.permission.kind, scope: g.scope })) });
    const result: InstalledExtension = { id: manifest.id, version: manifest.version, manifest, bundlePath, bundleHash: bundle.hash, grants, previousVersion: previous?.version ?? null, migratedModels };
    return { result, oldBundle: previous && previous.bundle_path !== bundlePath ? previous.bundle_path : null };
  });
  if (installed.oldBundle) fs.rmSync(installed.oldBundle, { force: true });
  return installed.result;
}

export interface UninstallOptions {
  /** Also delete the extension's models (with blobs, tags, collection items), sidecars and custom metadata. Default: keep them. */
  purge?: boolean;
}

export function uninstallExtension(library: Library, id: string, options: UninstallOptions = {}): void {
  library.transaction(() => {
    const row = library.stmt("SELECT schema_objects FROM extensions WHERE id = ?").get(id) as { schema_objects: string } | undefined;
    if (!row) throw sdxError("SDX3010", `extension ${id} is not installed in the library at ${library.dir}`);
    dropObjects(library, row.schema_objects);
    library.stmt("DELETE FROM extension_model_types WHERE extension_id = ?").run(id);
    library.stmt("DELETE FROM extension_grants WHERE extension_id = ?").run(id);
    library.stmt("DELETE FROM extensions WHERE id = ?").run(id);
    if (options.purge) {
      const models = library.stmt("SELECT uuid FROM models WHERE extension_id = ?").all(id) as Array<{ uuid: Buffer }>;
      for (const m of models) deleteModel(library, m.uuid);
      library.stmt("DELETE FROM sidecars WHERE written_by = ?").run(id);
      library.stmt("UPDATE user_metadata SET custom_data = json_remove(custom_data, ?) WHERE json_type(custom_data, ?) IS NOT NULL").run(`$."${id}"`, `$."${id}"`);
    }
    writeAudit(library, "host", "uninstall", id, "ok", { purge: options.purge ?? false });
  });
  fs.rmSync(path.join(library.extensionsDir(), id), { recursive: true, force: true });
}

export function listInstalled(library: Library): InstalledSummary[] {
  const rows = library.stmt("SELECT id, version, manifest, bundle_path, bundle_hash, installed_at, updated_at FROM extensions ORDER BY id").all() as Array<{
    id: string; version: string; manifest: string; bundle_path: string; bundle_hash: string; installed_at: string; updated_at: string;
  }>;
  return rows.map((r) => ({
    id: r.id, name: (JSON.parse(r.manifest) as { name: string }).name, version: r.version,
    bundlePath: r.bundle_path, bundleHash: r.bundle_hash, installedAt: r.installed_at, updatedAt: r.updated_at,
  }));
}

export function getInstalled(library: Library, id: string): { manifest: Manifest; bundlePath: string; bundleHash: string; version: string } | null {
  const row = library.stmt("SELECT manifest, bundle_path, bundle_hash, version FROM extensions WHERE id = ?").get(id) as
    | { manifest: string; bundle_path: string; bundle_hash: string; version: string }
    | undefined;
  if (!row) return null;
  const parsed = parseManifest(JSON.parse(row.manifest));
  if (!parsed.ok) throw validationFailed(`the stored manifest of ${id} is invalid`, parsed.issues);
  return { manifest: parsed.manifest, bundlePath: row.bundle_path, bundleHash: row.bundle_hash, version: row.version };
}

export function grantsFor(library: Library, id: string): Grant[] {
  const rows = library.stmt("SELECT permission_index, permission, scope FROM extension_grants WHERE extension_id = ? ORDER BY permission_index").all(id) as Array<{
    permission_index: number; permission: string; scope: string;
  }>;
  return rows.map((r) => ({ index: r.permission_index, permission: JSON.parse(r.permission) as Grant["permission"], scope: JSON.parse(r.scope) as string[] }));
}

/** Replaces the extension's grants (what `sdx grants` changes). */
export function updateGrants(library: Library, id: string, inputs: GrantInput[]): Grant[] {
  const installed = getInstalled(library, id);
  if (!installed) throw sdxError("SDX3010", `extension ${id} is not installed in the library at ${library.dir}`);
  const grants = resolveGrants(installed.manifest, inputs);
  library.transaction(() => {
    writeGrants(library, id, grants);
    writeAudit(library, "host", "grants.update", id, "ok", grants.map((g) => ({ permission: g.permission.kind, scope: g.scope })));
  });
  return grants;
}
