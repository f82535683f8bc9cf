/**
 * The writes of an applied sync record that no local op makes (local ops are in their own store
 * modules, which the sync reuses for the rest): a model's state as merging needs it, renaming and
 * deleting a collection. Call them inside the transaction applying the batch.
 */
import type { Library } from "./library.js";
import { uuidToBlob } from "./uuid.js";

export interface LocalModelState {
  extensionId: string;
  modelType: string;
  dataJson: string;
  syncStrategy: number;
  version: string | null;
  metadataId: number;
  contentUuid: Buffer | null;
  entryUuid: Buffer | null;
  blobHashes: Record<string, string>;
}

/** A model row as the merge needs it, or undefined. */
export function localModelState(library: Library, uuid: string): LocalModelState | undefined {
  const blob = uuidToBlob(uuid);
  const row = library
    .stmt(`SELECT m.extension_id, m.model_type, m.data, m.sync_strategy, m.metadata_id, m.content_identity_uuid, m.entry_uuid, v.version
           FROM models m LEFT JOIN model_versions v ON v.model_uuid = m.uuid WHERE m.uuid = ?`)
    .get(blob) as { extension_id: string; model_type: string; data: string; sync_strategy: number; metadata_id: number; content_identity_uuid: Buffer | null; entry_uuid: Buffer | null; version: string | null } | undefined;
  if (!row) return undefined;
  const links = library.stmt("SELECT mb.blob_key, b.blob_hash FROM model_blobs mb JOIN metadata_blobs b ON b.id = mb.blob_id WHERE mb.model_uuid = ?").all(blob) as Array<{ blob_key: string; blob_hash: string }>;
  return {
    extensionId: row.extension_id, modelType: row.model_type, dataJson: row.data, syncStrategy: row.sync_strategy, version: row.version, metadataId: row.metadata_id,
    contentUuid: row.content_identity_uuid, entryUuid: row.entry_uuid, blobHashes: Object.fromEntries(links.map((l) => [l.blob_key, l.blob_hash])),
  };
}

/** The UUID of another model of the extension and type on this content (the one-per-content rule), if any. */
export function otherModelOnContent(library: Library, extensionId: string, modelType: string, content: string, uuid: string): Buffer | undefined {
  const row = library
    .stmt("SELECT uuid FROM models WHERE extension_id = ? AND model_type = ? AND content_identity_uuid = ? AND uuid != ?")
    .get(extensionId, modelType, uuidToBlob(content), uuidToBlob(uuid)) as { uuid: Buffer } | undefined;
  return row?.uuid;
}

/** The stored bytes and form of a blob this library holds, to link it again. */
export function storedBlob(library: Library, hash: string): { data: Buffer; blobType: string; sizeBytes: number; compression: "zstd" | null } | undefined {
  const row = library.stmt("SELECT blob_data, blob_type, size_bytes, compression FROM metadata_blobs WHERE blob_hash = ?").get(hash) as
    | { blob_data: Buffer; blob_type: string; size_bytes: number; compression: string | null } | undefined;
  return row && { data: row.blob_data, blobType: row.blob_type, sizeBytes: row.size_bytes, compression: row.compression === "zstd" ? "zstd" : null };
}

/** A model's registration, as installed here: its scope and sync strategy (undefined: unknown type). */
export function registeredModelType(library: Library, extensionId: string, modelType: string): { scope: string; sync: string } | undefined {
  return library.stmt("SELECT scope, sync_strategy AS sync FROM extension_model_types WHERE extension_id = ? AND model_type = ? LIMIT 1").get(extensionId, modelType) as
    | { scope: string; sync: string } | undefined;
}

export function modelMetadataId(library: Library, uuid: string): number | undefined {
  return (library.stmt("SELECT metadata_id FROM models WHERE uuid = ?").get(uuidToBlob(uuid)) as { metadata_id: number } | undefined)?.metadata_id;
}

export function renameCollection(library: Library, id: number, name: string, at: string): void {
  library.stmt("UPDATE collections SET name = ?, updated_at = ? WHERE id = ?").run(name, at, id);
}

export function deleteCollectionRow(library: Library, id: number): void {
  library.stmt("DELETE FROM collections WHERE id = ?").run(id);
}
