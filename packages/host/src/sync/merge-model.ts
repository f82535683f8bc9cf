/**
 * Merging one synced model into this library: last writer wins per field (docs/devices.md#merge-rules).
 * Each top-level inline field (`d.<name>`), each blob field (`b.<key>`), the version (`v`) and the
 * model's existence (`@`) is a register with its own HLC; an incoming register replaces the local
 * one only when its HLC is greater. A model exists when the newest `@` says so: a delete wins over
 * every older write, a later create (the same content-scoped model made again) over the delete.
 *
 * Input: a parsed record, the library's sync row and model row for it. Output: the model's rows
 * and its sync row as they should be, written in the caller's transaction. Must not: write a
 * register that did not win, or accept data the installed schema refuses (the batch is refused).
 */
import { hlcDevice, hlcIso } from "../store/hlc.js";
import type { Library } from "../store/library.js";
import type { PreparedBlob } from "../store/blobs.js";
import { deleteModel, deleteModelRow, insertModelRow, updateModelRow, type RowStamp } from "../store/models-store.js";
import { localModelState, otherModelOnContent, storedBlob } from "../store/sync-import.js";
import { newestClock, putSyncRow, stampRow, syncRow, type Clocks } from "../store/sync-rows.js";
import { blobToUuid, uuidToBlob } from "../store/uuid.js";
import { refused, type MergeContext, type MergeOutcome } from "./merge-context.js";
import type { BlobRef, SyncRecord } from "./wire.js";

type ModelRecord = Extract<SyncRecord, { entity: "model" }>;

/** The registers of `incoming` newer than the local ones. */
export function winners(local: Clocks | undefined, incoming: Clocks): string[] {
  return Object.keys(incoming).filter((field) => incoming[field]! > (local?.[field] ?? ""));
}

/** JSON text of a data object with its top-level fields in name order (the same bytes on every device). */
export function canonicalData(data: Record<string, unknown>): string {
  return JSON.stringify(Object.fromEntries(Object.entries(data).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
}

function prepared(ctx: MergeContext, ref: BlobRef): PreparedBlob {
  const bytes = ctx.blobData.get(ref.hash);
  if (bytes) return { hash: ref.hash, data: bytes, blobType: ref.type, sizeBytes: ref.size, compression: ref.compression };
  const held = storedBlob(ctx.library, ref.hash);
  if (!held) throw refused(`the blob ${ref.hash} of a model was neither sent nor held here`);
  return { hash: ref.hash, ...held };
}

function stampOf(clocks: Clocks, createdAt: string): RowStamp {
  const newest = newestClock(clocks);
  return { hlc: newest, device: uuidToBlob(hlcDevice(newest)), createdAt, updatedAt: hlcIso(newest) };
}

export function mergeModel(ctx: MergeContext, record: ModelRecord): MergeOutcome {
  const { library } = ctx;
  const local = syncRow(library, "model", record.key);
  const state = localModelState(library, record.key);
  if (state && (state.syncStrategy !== 1 || state.entryUuid)) throw refused(`model ${record.key} is device-owned here`);
  const won = winners(local?.clocks, record.clocks);
  if (won.length === 0) return "unchanged";
  const merged: Clocks = { ...local?.clocks };
  for (const field of won) merged[field] = record.clocks[field]!;
  const deleted = won.includes("@") ? record.deleted : local ? local.deleted : record.deleted;

  if (deleted) {
    if (state) deleteModelRow(library, uuidToBlob(record.key), state.metadataId);
    putSyncRow(library, "model", record.key, merged, true);
    return "applied";
  }
  const value = record.value;
  // The sender deleted it and we re-created it since: none of its fields can be newer than ours.
  if (!value) return "unchanged";
  if (state && (state.extensionId !== value.extensionId || state.modelType !== value.modelType)) throw refused(`model ${record.key} is a ${state.modelType} of ${state.extensionId} here`);
  ctx.checkModel(value, record.key);

  const incoming = JSON.parse(value.dataJson) as unknown;
  if (incoming === null || typeof incoming !== "object" || Array.isArray(incoming)) throw refused(`model ${record.key}: its data is not an object`);
  const incomingData = incoming as Record<string, unknown>;
  const blobs = new Map<string, PreparedBlob | null>();
  let data: Record<string, unknown>;
  if (state) {
    data = JSON.parse(state.dataJson) as Record<string, unknown>;
    for (const field of won) {
      if (field.startsWith("d.")) {
        const name = field.slice(2);
        if (Object.prototype.hasOwnProperty.call(incomingData, name)) data[name] = incomingData[name];
        else delete data[name];
      } else if (field.startsWith("b.")) {
        const ref = value.blobs[field.slice(2)];
        blobs.set(field.slice(2), ref ? prepared(ctx, ref) : null);
      }
    }
  } else {
    // Created here now (or again, after a delete the incoming create is newer than): all of it.
    data = incomingData;
    for (const [key, ref] of Object.entries(value.blobs)) if (ref) blobs.set(key, prepared(ctx, ref));
  }
  const version = won.includes("v") || !state ? value.version : null;
  ctx.validate(value.extensionId, value.modelType, version ?? state?.version ?? null, data, record.key);
  const dataJson = canonicalData(data);
  const stamp = stampOf(merged, value.createdAt);

  if (state) {
    updateModelRow(library, uuidToBlob(record.key), { dataJson, version, sync: "shared", blobs }, stamp);
    putSyncRow(library, "model", record.key, merged, false);
    return "applied";
  }
  if ("content" in value.scope) {
    // Another model of this type on this content (made before content-derived UUIDs): the smaller
    // UUID is kept on every device, so the devices agree without talking about it.
    const other = otherModelOnContent(library, value.extensionId, value.modelType, value.scope.content, record.key);
    if (other) {
      if (blobToUuid(other) < record.key) {
        // Ours stays; the incoming one is deleted here, and that delete travels back to its devices.
        putSyncRow(library, "model", record.key, merged, false);
        stampRow(library, "model", record.key, ["@"], library.hlc.now(), true);
        return "applied";
      }
      deleteModel(library, other);
    }
  }
  const present = new Map([...blobs].filter((pair): pair is [string, PreparedBlob] => pair[1] !== null));
  insertModelRow(library, {
    uuid: record.key, extensionId: value.extensionId, modelType: value.modelType, version: value.version,
    scope: "content" in value.scope ? { content: uuidToBlob(value.scope.content) } : { standalone: true }, dataJson, sync: "shared", blobs: present,
  }, stamp);
  putSyncRow(library, "model", record.key, merged, false);
  return "applied";
}

/** Whether a model is gone for good here (a tombstone): what refers to it has nothing to attach to. */
export function modelTombstoned(library: Library, uuid: string): boolean {
  return syncRow(library, "model", uuid)?.deleted === true;
}
