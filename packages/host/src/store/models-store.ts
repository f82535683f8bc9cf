/**
 * The `models` table and what hangs off a model: its own `user_metadata` row (for tags and
 * collections), its version (`model_versions`) and its blob links (`model_blobs`, with the
 * reference counts). Reads return `ModelRow`s (with the version); writes are synchronous: call
 * them inside a transaction, after blobs were prepared. Every write stamps the sync fields: HLC
 * timestamp, device uuid, sync strategy; a shared model's write also stamps the clocks of the
 * fields it changed in `sync_rows` (sync-rows.ts: `@` its existence, `v` its version, `d.<name>`
 * each top-level inline field, `b.<key>` each blob field). (`models.query`'s filters are model-query.ts.)
 */
import type { Library } from "./library.js";
import { releaseBlob, storeBlob, type PreparedBlob } from "./blobs.js";
import { hlcIso } from "./hlc.js";
import { modelField, stampRow } from "./sync-rows.js";
import { blobToUuid, newUuidBlob, uuidToBlob } from "./uuid.js";

/** `models.sync_strategy`: 0 device-owned, 1 shared (the spec's encoding). */
export function syncStrategyCode(sync: "shared" | "device_owned"): 0 | 1 {
  return sync === "shared" ? 1 : 0;
}

export type ModelScopeBlob = { content: Buffer } | { entry: Buffer } | { standalone: true };

export interface NewModel {
  uuid: string;
  extensionId: string;
  modelType: string;
  version: string;
  scope: ModelScopeBlob;
  dataJson: string;
  sync: "shared" | "device_owned";
  blobs: ReadonlyMap<string, PreparedBlob>;
}

/** A model row with the version that wrote it (`null` for rows from before versions were recorded). */
export interface ModelRow {
  id: number;
  uuid: Buffer;
  extension_id: string;
  model_type: string;
  data: string;
  entry_uuid: Buffer | null;
  content_identity_uuid: Buffer | null;
  standalone: number;
  metadata_id: number;
  created_at: string;
  updated_at: string;
  version: string | null;
}

/** The columns of a `ModelRow`, from `models m LEFT JOIN model_versions v ON v.model_uuid = m.uuid`. */
export const MODEL_COLUMNS = `m.id, m.uuid, m.extension_id, m.model_type, m.data, m.entry_uuid, m.content_identity_uuid,
  m.standalone, m.metadata_id, m.created_at, m.updated_at, v.version`;

/** A model by UUID, of any extension (the caller decides who may see it). */
export function modelByUuid(library: Library, uuid: Buffer): ModelRow | undefined {
  return library
    .stmt(`SELECT ${MODEL_COLUMNS} FROM models m LEFT JOIN model_versions v ON v.model_uuid = m.uuid WHERE m.uuid = ?`)
    .get(uuid) as ModelRow | undefined;
}

/** Where `findModel` looks a model up: by its UUID, or by the content or entry it is scoped to. */
export type ModelKey = { uuid: Buffer } | { content: Buffer } | { entry: Buffer };

// Built once: the statement cache is keyed by the SQL text, and a hot lookup should not rebuild it.
const findModelBy = (column: string): string => `SELECT ${MODEL_COLUMNS} FROM models m LEFT JOIN model_versions v ON v.model_uuid = m.uuid
           WHERE ${column} = ? AND m.extension_id = ? AND m.model_type = ? LIMIT 1`;
const FIND_MODEL = { uuid: findModelBy("m.uuid"), content: findModelBy("m.content_identity_uuid"), entry: findModelBy("m.entry_uuid") };

/** The extension's model of a type by UUID, content or entry (the first one, if several). */
export function findModel(library: Library, extensionId: string, modelType: string, by: ModelKey): ModelRow | undefined {
  const [sql, key] = "uuid" in by ? [FIND_MODEL.uuid, by.uuid] : "content" in by ? [FIND_MODEL.content, by.content] : [FIND_MODEL.entry, by.entry];
  return library.stmt(sql).get(key, extensionId, modelType) as ModelRow | undefined;
}

/** The UUID of the extension's model of a type scoped to this content or entry (there is at most one). */
export function scopedModelUuid(library: Library, extensionId: string, modelType: string, scope: { content: Buffer } | { entry: Buffer }): Buffer | undefined {
  const row = library
    .stmt(`SELECT uuid FROM models WHERE extension_id = ? AND model_type = ? AND ${"content" in scope ? "content_identity_uuid" : "entry_uuid"} = ?`)
    .get(extensionId, modelType, "content" in scope ? scope.content : scope.entry) as { uuid: Buffer } | undefined;
  return row?.uuid;
}

/** Whether a model with this UUID exists (of any extension). */
export function modelExists(library: Library, uuid: Buffer): boolean {
  return library.stmt("SELECT 1 FROM models WHERE uuid = ?").get(uuid) !== undefined;
}

/** Whether the model with this UUID exists and belongs to the extension. */
export function isModelOf(library: Library, uuid: Buffer, extensionId: string): boolean {
  return library.stmt("SELECT 1 FROM models WHERE uuid = ? AND extension_id = ?").get(uuid, extensionId) !== undefined;
}

/** Whether the extension holds a model scoped to this content. */
export function hasModelOnContent(library: Library, extensionId: string, contentUuid: Buffer): boolean {
  return library.stmt("SELECT 1 FROM models WHERE extension_id = ? AND content_identity_uuid = ? LIMIT 1").get(extensionId, contentUuid) !== undefined;
}

/** Creates the model's own user_metadata row (neither entry- nor content-scoped). */
function insertModelMetadata(library: Library, now: string, hlc: string): number {
  const result = library
    .stmt("INSERT INTO user_metadata (uuid, custom_data, hlc_timestamp, created_at, updated_at) VALUES (?, '{}', ?, ?, ?)")
    .run(newUuidBlob(), hlc, now, now);
  return Number(result.lastInsertRowid);
}

/** When and by whom a row was written: a local write's own stamp, or the winning clock of a synced one. */
export interface RowStamp {
  hlc: string;
  device: Buffer;
  createdAt: string;
  updatedAt: string;
}

export function insertModel(library: Library, model: NewModel): void {
  const hlc = library.hlc.now();
  const now = hlcIso(hlc);
  insertModelRow(library, model, { hlc, device: library.deviceUuidBlob, createdAt: now, updatedAt: now });
  if (model.sync === "shared") {
    const fields = ["@", "v", ...Object.keys(JSON.parse(model.dataJson) as object).map(modelField.data), ...[...model.blobs.keys()].map(modelField.blob)];
    stampRow(library, "model", model.uuid, fields, hlc, false);
  }
}

/** The model's rows alone (what `insertModel` and an applied sync record share). */
export function insertModelRow(library: Library, model: NewModel, stamp: RowStamp): void {
  const metadataId = insertModelMetadata(library, stamp.createdAt, stamp.hlc);
  const uuid = uuidToBlob(model.uuid);
  const scope = model.scope;
  library
    .stmt(
      `INSERT INTO models (uuid, extension_id, model_type, data, entry_uuid, content_identity_uuid, standalone, metadata_id,
                           sync_strategy, hlc_timestamp, device_uuid, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      uuid, model.extensionId, model.modelType, model.dataJson,
      "entry" in scope ? scope.entry : null, "content" in scope ? scope.content : null, "standalone" in scope ? 1 : 0,
      metadataId, syncStrategyCode(model.sync), stamp.hlc, stamp.device, stamp.createdAt, stamp.updatedAt,
    );
  library.stmt("INSERT INTO model_versions (model_uuid, version) VALUES (?, ?)").run(uuid, model.version);
  for (const [key, blob] of model.blobs) linkBlob(library, uuid, key, blob);
}

function linkBlob(library: Library, modelUuid: Buffer, key: string, blob: PreparedBlob): void {
  const blobId = storeBlob(library, blob);
  library.stmt("INSERT INTO model_blobs (model_uuid, blob_key, blob_id) VALUES (?, ?, ?)").run(modelUuid, key, blobId);
}

export interface ModelUpdate {
  dataJson: string;
  version: string;
  sync: "shared" | "device_owned";
  /** Blob fields to replace; `null` removes the field. Fields not listed keep their blob. */
  blobs: ReadonlyMap<string, PreparedBlob | null>;
}

/** Top-level fields whose value differs between two data objects (JSON text), or that one lacks. */
function changedFields(before: string, after: string): string[] {
  const a = JSON.parse(before) as Record<string, unknown>;
  const b = JSON.parse(after) as Record<string, unknown>;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter((k) => !(k in a) || !(k in b) || JSON.stringify(a[k]) !== JSON.stringify(b[k]));
}

export function updateModel(library: Library, uuidString: string, update: ModelUpdate): void {
  const uuid = uuidToBlob(uuidString);
  const hlc = library.hlc.now();
  const before = library.stmt("SELECT data FROM models WHERE uuid = ?").get(uuid) as { data: string } | undefined;
  updateModelRow(library, uuid, update, { hlc, device: library.deviceUuidBlob, createdAt: "", updatedAt: hlcIso(hlc) });
  if (update.sync === "shared") {
    const fields = [...changedFields(before?.data ?? "{}", update.dataJson).map(modelField.data), ...[...update.blobs.keys()].map(modelField.blob), "v"];
    stampRow(library, "model", uuidString, fields, hlc);
  }
}

/**
 * The model's rows alone (what `updateModel` and an applied sync record share): data, version
 * (unless `null`: a synced record whose version lost keeps the row's), the listed blob fields.
 */
export function updateModelRow(library: Library, uuid: Buffer, update: Omit<ModelUpdate, "version"> & { version: string | null }, stamp: RowStamp): void {
  library
    .stmt("UPDATE models SET data = ?, sync_strategy = ?, hlc_timestamp = ?, device_uuid = ?, updated_at = ? WHERE uuid = ?")
    .run(update.dataJson, syncStrategyCode(update.sync), stamp.hlc, stamp.device, stamp.updatedAt, uuid);
  if (update.version !== null) {
    library.stmt("INSERT INTO model_versions (model_uuid, version) VALUES (?, ?) ON CONFLICT (model_uuid) DO UPDATE SET version = excluded.version").run(uuid, update.version);
  }
  for (const [key, blob] of update.blobs) {
    const old = library.stmt("SELECT blob_id FROM model_blobs WHERE model_uuid = ? AND blob_key = ?").get(uuid, key) as { blob_id: number } | undefined;
    if (blob === null) {
      if (old) {
        library.stmt("DELETE FROM model_blobs WHERE model_uuid = ? AND blob_key = ?").run(uuid, key);
        releaseBlob(library, old.blob_id);
      }
      continue;
    }
    // Store (or share) the new blob before releasing the old one, so an unchanged value never
    // drops to zero references in between.
    const blobId = storeBlob(library, blob);
    if (old) {
      library.stmt("UPDATE model_blobs SET blob_id = ? WHERE model_uuid = ? AND blob_key = ?").run(blobId, uuid, key);
      releaseBlob(library, old.blob_id);
    } else {
      library.stmt("INSERT INTO model_blobs (model_uuid, blob_key, blob_id) VALUES (?, ?, ?)").run(uuid, key, blobId);
    }
  }
}

/** Deletes a model with its blob links, collection memberships, tags and its user_metadata row. */
export function deleteModel(library: Library, uuid: Buffer): void {
  const row = library.stmt("SELECT metadata_id, sync_strategy FROM models WHERE uuid = ?").get(uuid) as { metadata_id: number; sync_strategy: number } | undefined;
  if (!row) return;
  if (row.sync_strategy === 1) stampRow(library, "model", blobToUuid(uuid), ["@"], library.hlc.now(), true);
  deleteModelRow(library, uuid, row.metadata_id);
}

/** Deletes the model's rows (what `deleteModel` and an applied tombstone share). */
export function deleteModelRow(library: Library, uuid: Buffer, metadataId: number): void {
  const links = library.stmt("SELECT blob_id FROM model_blobs WHERE model_uuid = ?").all(uuid) as Array<{ blob_id: number }>;
  library.stmt("DELETE FROM model_blobs WHERE model_uuid = ?").run(uuid);
  for (const link of links) releaseBlob(library, link.blob_id);
  library.stmt("DELETE FROM collection_items WHERE model_uuid = ?").run(uuid);
  library.stmt("DELETE FROM models WHERE uuid = ?").run(uuid);
  deleteMetadataRow(library, metadataId);
}

/** Deletes a user_metadata row with its tag links (cascade) and blob links. */
export function deleteMetadataRow(library: Library, metadataId: number): void {
  const links = library.stmt("SELECT blob_id FROM user_metadata_blobs WHERE metadata_id = ?").all(metadataId) as Array<{ blob_id: number }>;
  library.stmt("DELETE FROM user_metadata_blobs WHERE metadata_id = ?").run(metadataId);
  for (const link of links) releaseBlob(library, link.blob_id);
  library.stmt("DELETE FROM user_metadata WHERE id = ?").run(metadataId);
}

export interface BlobLinkRow {
  blob_key: string;
  blob_data: Buffer;
  blob_type: string;
  compression: string | null;
}

/** Blob rows of one model for the given fields (the only read of `metadata_blobs` for models). */
export function modelBlobRows(library: Library, uuid: Buffer, keys: readonly string[]): BlobLinkRow[] {
  if (keys.length === 0) return [];
  return library
    .stmt(
      `SELECT mb.blob_key, b.blob_data, b.blob_type, b.compression
       FROM model_blobs mb JOIN metadata_blobs b ON b.id = mb.blob_id
       WHERE mb.model_uuid = ? AND mb.blob_key IN (SELECT value FROM json_each(?))`,
    )
    .all(uuid, JSON.stringify(keys)) as BlobLinkRow[];
}
