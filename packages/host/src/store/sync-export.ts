/**
 * What the sync builds batches from: the current state of shared things (a model with its blob
 * references, a collection's name, a device's report), the content identities they refer to, and
 * the bytes of blobs and bundles a peer asks for by hash. Only what is shared is ever read here:
 * blob bytes are served only when a shared model links them.
 */
import { readFileSync } from "node:fs";
import type { Library } from "./library.js";
import { storedSettings } from "./settings.js";
import { blobToUuid, uuidToBlob } from "./uuid.js";

export interface SyncedModelState {
  extensionId: string;
  modelType: string;
  scope: { content: string } | { standalone: true };
  createdAt: string;
  version: string;
  dataJson: string;
  blobs: Record<string, { hash: string; type: string; compression: "zstd" | null; size: number }>;
}

/** A shared model's state, or undefined when the row is gone or device-owned. */
export function sharedModelState(library: Library, uuid: string): SyncedModelState | undefined {
  const blob = uuidToBlob(uuid);
  const row = library
    .stmt(`SELECT m.extension_id, m.model_type, m.data, m.content_identity_uuid, m.created_at, v.version
           FROM models m LEFT JOIN model_versions v ON v.model_uuid = m.uuid WHERE m.uuid = ? AND m.sync_strategy = 1 AND m.entry_uuid IS NULL`)
    .get(blob) as { extension_id: string; model_type: string; data: string; content_identity_uuid: Buffer | null; created_at: string; version: string | null } | undefined;
  if (!row) return undefined;
  const blobs: SyncedModelState["blobs"] = {};
  const links = library
    .stmt(`SELECT mb.blob_key, b.blob_hash, b.blob_type, b.compression, b.size_bytes FROM model_blobs mb JOIN metadata_blobs b ON b.id = mb.blob_id WHERE mb.model_uuid = ?`)
    .all(blob) as Array<{ blob_key: string; blob_hash: string; blob_type: string; compression: string | null; size_bytes: number }>;
  for (const l of links) blobs[l.blob_key] = { hash: l.blob_hash, type: l.blob_type, compression: l.compression === "zstd" ? "zstd" : null, size: l.size_bytes };
  return {
    extensionId: row.extension_id, modelType: row.model_type, createdAt: row.created_at, version: row.version ?? "",
    scope: row.content_identity_uuid ? { content: blobToUuid(row.content_identity_uuid) } : { standalone: true },
    dataJson: row.data, blobs,
  };
}

export interface ContentIdentityRow {
  uuid: string;
  hash: string;
  hashKind: string;
  size: number;
  kind: string;
  firstSeenAt: string;
}

/** The content identities among `uuids` (those this library has). */
export function contentIdentities(library: Library, uuids: readonly string[]): ContentIdentityRow[] {
  if (uuids.length === 0) return [];
  const rows = library
    .stmt(`SELECT uuid, content_hash, hash_kind, size, kind, first_seen_at FROM content_identities
           WHERE uuid IN (SELECT unhex(replace(value, '-', '')) FROM json_each(?))`)
    .all(JSON.stringify(uuids)) as Array<{ uuid: Buffer; content_hash: string; hash_kind: string; size: number; kind: string; first_seen_at: string }>;
  return rows.map((r) => ({ uuid: blobToUuid(r.uuid), hash: r.content_hash, hashKind: r.hash_kind, size: r.size, kind: r.kind, firstSeenAt: r.first_seen_at }));
}

export function collectionName(library: Library, uuid: string): string | undefined {
  return (library.stmt("SELECT name FROM collections WHERE uuid = ?").get(uuidToBlob(uuid)) as { name: string } | undefined)?.name;
}

export interface DeviceRow {
  uuid: string;
  name: string;
  isLocal: boolean;
  capabilities: string[];
  info: Record<string, unknown>;
  updatedAt: string | null;
}

const toDevice = (r: { uuid: Buffer; name: string; is_local: number; capabilities: string; info: string; updated_at: string | null }): DeviceRow => ({
  uuid: blobToUuid(r.uuid), name: r.name, isLocal: r.is_local === 1, capabilities: JSON.parse(r.capabilities) as string[],
  info: JSON.parse(r.info) as Record<string, unknown>, updatedAt: r.updated_at,
});

export function deviceRow(library: Library, uuid: string): DeviceRow | undefined {
  const row = library.stmt("SELECT uuid, name, is_local, capabilities, info, updated_at FROM devices WHERE uuid = ?").get(uuidToBlob(uuid)) as Parameters<typeof toDevice>[0] | undefined;
  return row && toDevice(row);
}

/** Every device the library knows, this one first. */
export function allDevices(library: Library): DeviceRow[] {
  return (library.stmt("SELECT uuid, name, is_local, capabilities, info, updated_at FROM devices ORDER BY is_local DESC, name, uuid").all() as Array<Parameters<typeof toDevice>[0]>).map(toDevice);
}

/** Which of these blob hashes this library holds. */
export function heldBlobHashes(library: Library, hashes: readonly string[]): Set<string> {
  if (hashes.length === 0) return new Set();
  const rows = library.stmt("SELECT blob_hash FROM metadata_blobs WHERE blob_hash IN (SELECT value FROM json_each(?))").all(JSON.stringify(hashes)) as Array<{ blob_hash: string }>;
  return new Set(rows.map((r) => r.blob_hash));
}

/** The stored bytes of blobs linked to a shared model, by hash (others are never served). */
export function sharedBlobBytes(library: Library, hashes: readonly string[]): Map<string, Buffer> {
  if (hashes.length === 0) return new Map();
  const rows = library
    .stmt(`SELECT b.blob_hash, b.blob_data FROM metadata_blobs b WHERE b.blob_hash IN (SELECT value FROM json_each(?))
           AND EXISTS (SELECT 1 FROM model_blobs mb JOIN models m ON m.uuid = mb.model_uuid WHERE mb.blob_id = b.id AND m.sync_strategy = 1)`)
    .all(JSON.stringify(hashes)) as Array<{ blob_hash: string; blob_data: Buffer }>;
  return new Map(rows.map((r) => [r.blob_hash, r.blob_data]));
}

/** An installed extension as sync ships it (never its grants: each device's user consents to them). */
export interface ExtensionState {
  version: string;
  bundleHash: string;
  /** Stored settings, JSON text by name. */
  settings: Record<string, string>;
}

/** The state of an installed extension; undefined when it is not installed. */
export function extensionState(library: Library, id: string): ExtensionState | undefined {
  const row = library.stmt("SELECT version, bundle_hash FROM extensions WHERE id = ?").get(id) as { version: string; bundle_hash: string } | undefined;
  if (!row) return undefined;
  return { version: row.version, bundleHash: row.bundle_hash, settings: storedSettings(library, id) };
}

/** Which of these hashes are bundles of extensions installed here. */
export function installedBundleHashes(library: Library, hashes: readonly string[]): Set<string> {
  if (hashes.length === 0) return new Set();
  const rows = library.stmt("SELECT bundle_hash FROM extensions WHERE bundle_hash IN (SELECT value FROM json_each(?))").all(JSON.stringify(hashes)) as Array<{ bundle_hash: string }>;
  return new Set(rows.map((r) => r.bundle_hash));
}

/** The bytes of installed bundles by hash (a peer installing the same extension asks for them). */
export function installedBundleBytes(library: Library, hashes: readonly string[]): Map<string, Buffer> {
  if (hashes.length === 0) return new Map();
  const rows = library.stmt("SELECT bundle_hash, bundle_path FROM extensions WHERE bundle_hash IN (SELECT value FROM json_each(?))").all(JSON.stringify(hashes)) as Array<{ bundle_hash: string; bundle_path: string }>;
  const out = new Map<string, Buffer>();
  for (const r of rows) {
    try {
      out.set(r.bundle_hash, readFileSync(r.bundle_path));
    } catch {
      // a bundle missing on disk: the peer gets nothing for it and refuses the batch
    }
  }
  return out;
}
