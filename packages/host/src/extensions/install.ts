/**
 * Installing, upgrading and uninstalling an extension in a library, and its grants.
 *
 * Install checks the bundle against this host (minCoreVersion, requiredFeatures; SDX3009 with
 * what is missing) and against what is installed (author.ts: the key the id is bound to, SDX3030;
 * no downgrade, SDX3031), applies the extension part of its schema.sql (see extension-sql.ts),
 * records the manifest, the signer and the user's grants, all in one transaction, and only then
 * puts the bundle at `<library>/extensions/<id>/<version>.sdx.wasm` (so a refused bundle never
 * replaces the installed file). Re-installing another version upgrades in place: rows of changed
 * model versions that validate against the new schema are migrated to it; the others keep their
 * old version and are refused on read (see ops/models.ts).
 */
import fs from "node:fs";
import path from "node:path";
// The two functions, not the package: its index loads 45 modules (~50 ms at every host start).
import semverGte from "semver/functions/gte.js";
import semverLt from "semver/functions/lt.js";
import type { LoadedBundle } from "@sdx/bundle-format";
import { parseManifest, type Manifest } from "@sdx/sdk/manifest";
import { writeAudit } from "../store/audit.js";
import { validationFailed, sdxError, SdxError } from "../store/errors.js";
import type { Library } from "../store/library.js";
import {
  createSchemaObjects, deleteExtensionRows, dropSchemaObjects, grantRows, installedRow, listExtensionRows, modelsNotAtVersion, previousInstall,
  purgeExtensionData, replaceGrantRows, replaceModelTypes, schemaObjectsOf, setModelVersion, unbindAuthor, upsertExtension,
} from "../store/extensions-store.js";
import { checkAuthor, type AuthorOutcome } from "./author.js";
import { canonicalPath } from "../store/paths.js";
import { stampRow } from "../store/sync-rows.js";
import type { Grant } from "./grants.js";
import { ModelValidators } from "./validators.js";
import { extensionSchema } from "./extension-sql.js";

/** The core version this host implements (the spec's Core v2.0). */
export const HOST_CORE_VERSION = "2.0.0";

/**
 * Features this host provides: ONNX models (ai/), EXIF and thumbnails (indexer/), OCR (ocr/, run
 * by the indexer), durable jobs (jobs/), actions (actions/), agents with hooks and memory (agents/,
 * memory/), vector search (sqlite-vec, memory/associative.ts), sync between devices and tasks on
 * another device (sync/). A host embedding more passes its own list to install.
 */
export const HOST_FEATURES: readonly string[] = ["ai_models", "exif_extraction", "ocr", "thumbnails", "jobs", "actions", "agents", "vector_search", "sync"];

/** What install needs of a bundle (a `LoadedBundle` from `readBundle`, already verified; no `signature`: unsigned). */
export type InstallableBundle = Pick<LoadedBundle, "manifest" | "schemaSql" | "bytes" | "hash"> & Partial<Pick<LoadedBundle, "signature">>;

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
  /** Install even though the bundle is not signed by the key the id is bound to (rebinds it; `--replace-author`). */
  replaceAuthor?: boolean;
  /** Install even though a higher version is installed (`--allow-downgrade`). */
  allowDowngrade?: boolean;
  /** Record the install for sync (default true; false for an install a sync applied, which records its own clocks). Grants are never synced: each device's user consents to them. */
  stamp?: boolean;
  /**
   * Leave the previous version's bundle file (a sync installs inside the batch's transaction, which
   * may still roll back; it calls `pruneBundleFiles` after the commit).
   */
  keepFiles?: boolean;
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
  /** Who signed it and what that changed about the key the id is bound to. */
  author: AuthorOutcome;
}

export interface InstalledSummary {
  id: string;
  name: string;
  version: string;
  bundlePath: string;
  bundleHash: string;
  /** Fingerprint of the key that signed the installed bundle; null when unsigned. */
  signedBy: string | null;
  installedAt: string;
  updatedAt: string;
}

function incompatible(message: string, data: unknown): SdxError {
  return sdxError("SDX3009", message, data);
}

/** SDX3009 when the host cannot run this manifest. */
export function checkCompatibility(manifest: Manifest, features: readonly string[] = HOST_FEATURES): void {
  if (!semverGte(HOST_CORE_VERSION, manifest.minCoreVersion)) {
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

/** Moves rows of changed model versions to the new version when their data still validates. */
function migrateModelRows(library: Library, manifest: Manifest): InstalledExtension["migratedModels"] {
  const validators = ModelValidators.fromManifest(manifest);
  const out: InstalledExtension["migratedModels"] = {};
  for (const model of manifest.models) {
    const rows = modelsNotAtVersion(library, manifest.id, model.name, model.version);
    if (rows.length === 0) continue;
    const counts = { migrated: 0, refused: 0 };
    for (const row of rows) {
      try {
        validators.validateData(model.name, JSON.parse(row.data));
      } catch {
        counts.refused += 1;
        continue;
      }
      setModelVersion(library, row.uuid, model.version);
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
  const signer = bundle.signature ?? null;

  const dir = path.join(library.extensionsDir(), manifest.id);
  const bundlePath = path.join(dir, `${manifest.version}.sdx.wasm`);
  fs.mkdirSync(dir, { recursive: true });
  // Written aside and moved into place after the commit: a refused or failed install leaves the installed bundle as it was.
  const temporary = `${bundlePath}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, bundle.bytes);
  let installed: { result: InstalledExtension; oldBundle: string | null };
  try {
    installed = library.transaction(() => {
      const previous = previousInstall(library, manifest.id);
      if (previous && !options.allowDowngrade && semverLt(manifest.version, previous.version)) {
        throw sdxError("SDX3031", `${manifest.id} ${previous.version} is installed; ${manifest.version} is older. Installing an older version can lose data and bring back fixed bugs: pass --allow-downgrade if you mean it`,
          { installed: previous.version, version: manifest.version });
      }
      const now = new Date().toISOString();
      const author = checkAuthor(library, manifest.id, signer, { replace: options.replaceAuthor === true, now });
      if (previous) dropSchemaObjects(library, previous.schema_objects);
      createSchemaObjects(library, schema.objects);
      replaceModelTypes(library, manifest.id, schema.registrations);
      upsertExtension(library, {
        id: manifest.id, version: manifest.version, manifestJson: JSON.stringify(manifest), bundleHash: bundle.hash, bundlePath, schemaObjects: schema.objects,
        signedBy: signer?.fingerprint ?? null, now,
      });
      replaceGrantRows(library, manifest.id, grants);
      if (options.stamp !== false) stampRow(library, "extension", manifest.id, ["@", "bundle"], library.hlc.now(), false);
      const migratedModels = migrateModelRows(library, manifest);
      writeAudit(library, "host", "install", manifest.id, "ok", {
        version: manifest.version, previous: previous?.version ?? null, signedBy: author.signedBy, author: author.change,
        grants: grants.map((g) => ({ permission: g.permission.kind, scope: g.scope })),
      });
      const result: InstalledExtension = {
        id: manifest.id, version: manifest.version, manifest, bundlePath, bundleHash: bundle.hash, grants, previousVersion: previous?.version ?? null, migratedModels, author,
      };
      return { result, oldBundle: previous && previous.bundle_path !== bundlePath ? previous.bundle_path : null };
    });
  } catch (error) {
    fs.rmSync(temporary, { force: true });
    throw error;
  }
  fs.renameSync(temporary, bundlePath);
  if (installed.oldBundle && !options.keepFiles) fs.rmSync(installed.oldBundle, { force: true });
  return installed.result;
}

export interface UninstallOptions {
  /** Also delete the extension's models (with blobs, tags, collection items), sidecars and custom metadata. Default: keep them. */
  purge?: boolean;
  /** Record the uninstall for sync (default true). */
  stamp?: boolean;
  /** Leave the bundle files (see `InstallOptions.keepFiles`). */
  keepFiles?: boolean;
}

export function uninstallExtension(library: Library, id: string, options: UninstallOptions = {}): void {
  library.transaction(() => {
    const objects = schemaObjectsOf(library, id);
    if (objects === undefined) throw sdxError("SDX3010", `extension ${id} is not installed in the library at ${library.dir}`);
    dropSchemaObjects(library, objects);
    deleteExtensionRows(library, id);
    // The id stays bound to its author while its models stay: another key must not inherit them.
    if (options.purge) {
      purgeExtensionData(library, id);
      unbindAuthor(library, id);
    }
    if (options.stamp !== false) stampRow(library, "extension", id, ["@"], library.hlc.now(), true);
    writeAudit(library, "host", "uninstall", id, "ok", { purge: options.purge ?? false });
  });
  if (!options.keepFiles) fs.rmSync(path.join(library.extensionsDir(), id), { recursive: true, force: true });
}

/** Removes an extension's bundle files other than the installed one (all of them when it is not installed). */
export function pruneBundleFiles(library: Library, id: string): void {
  const dir = path.join(library.extensionsDir(), id);
  const current = installedRow(library, id)?.bundle_path;
  if (!fs.existsSync(dir)) return;
  for (const name of fs.readdirSync(dir)) {
    // `.tmp`: an install in progress (it moves its file into place after its commit).
    if ((!current || name !== path.basename(current)) && !name.endsWith(".tmp")) fs.rmSync(path.join(dir, name), { recursive: true, force: true });
  }
  if (!current && fs.readdirSync(dir).length === 0) fs.rmdirSync(dir);
}

export function listInstalled(library: Library): InstalledSummary[] {
  return listExtensionRows(library).map((r) => ({
    id: r.id, name: (JSON.parse(r.manifest) as { name: string }).name, version: r.version,
    bundlePath: r.bundle_path, bundleHash: r.bundle_hash, signedBy: r.signed_by, installedAt: r.installed_at, updatedAt: r.updated_at,
  }));
}

export function getInstalled(library: Library, id: string): { manifest: Manifest; bundlePath: string; bundleHash: string; version: string; signedBy: string | null } | null {
  const row = installedRow(library, id);
  if (!row) return null;
  const parsed = parseManifest(JSON.parse(row.manifest));
  if (!parsed.ok) throw validationFailed(`the stored manifest of ${id} is invalid`, parsed.issues);
  return { manifest: parsed.manifest, bundlePath: row.bundle_path, bundleHash: row.bundle_hash, version: row.version, signedBy: row.signed_by };
}

export function grantsFor(library: Library, id: string): Grant[] {
  return grantRows(library, id);
}

/** Replaces the extension's grants (what `sdx grants` changes). */
export function updateGrants(library: Library, id: string, inputs: GrantInput[]): Grant[] {
  const installed = getInstalled(library, id);
  if (!installed) throw sdxError("SDX3010", `extension ${id} is not installed in the library at ${library.dir}`);
  const grants = resolveGrants(installed.manifest, inputs);
  library.transaction(() => {
    replaceGrantRows(library, id, grants);
    writeAudit(library, "host", "grants.update", id, "ok", grants.map((g) => ({ permission: g.permission.kind, scope: g.scope })));
  });
  return grants;
}
