/**
 * Merging the synced things that are not models (docs/devices.md#merge-rules): a tag on content or on
 * a model, a collection (its existence and its name), an item of a collection, and a device's report
 * of itself. Each is last-writer-wins per register. A tag or item whose target is not here yet is
 * parked (`sync_pending`) and applied when the target arrives; one whose target was deleted is moot.
 */
import { contentExists } from "../store/entries-store.js";
import { insertMetadataRow, metadataIdOf } from "../store/metadata-store.js";
import { ensureTag, insertTagLink, deleteTagLink } from "../store/tags-store.js";
import { collectionIdByUuid, deleteCollectionItem, insertCollectionItem, insertCollectionRow } from "../store/collections-store.js";
import { deleteCollectionRow, modelMetadataId, renameCollection } from "../store/sync-import.js";
import { upsertRemoteDevice } from "../store/sync-peers.js";
import { hlcDevice, hlcIso } from "../store/hlc.js";
import { newestClock, putSyncRow, syncRow, type Clocks } from "../store/sync-rows.js";
import { uuidToBlob } from "../store/uuid.js";
import { refused, type MergeContext, type MergeOutcome } from "./merge-context.js";
import { modelTombstoned, winners } from "./merge-model.js";
import { parseCollectionItemKey, parseTagLinkKey, } from "./keys.js";
import type { SyncRecord } from "./wire.js";

type RecordOf<E extends SyncRecord["entity"]> = Extract<SyncRecord, { entity: E }>;

function merged(local: Clocks | undefined, incoming: Clocks, won: readonly string[]): Clocks {
  const out: Clocks = { ...local };
  for (const field of won) out[field] = incoming[field]!;
  return out;
}

/** Where a target stands here: present, gone for good, or not arrived yet. */
function targetState(ctx: MergeContext, kind: "content" | "model", uuid: string): "present" | "gone" | "missing" {
  if (kind === "content") return contentExists(ctx.library, uuidToBlob(uuid)) ? "present" : "missing";
  if (modelMetadataId(ctx.library, uuid) !== undefined) return "present";
  return modelTombstoned(ctx.library, uuid) ? "gone" : "missing";
}

export function mergeTagLink(ctx: MergeContext, record: RecordOf<"tag_link">): MergeOutcome {
  const parsed = parseTagLinkKey(record.key);
  if (!parsed || parsed.target !== record.value.target || parsed.uuid !== record.value.uuid || parsed.tag !== record.value.tag) {
    throw refused(`tag record ${JSON.stringify(record.key)} does not match its value`);
  }
  const local = syncRow(ctx.library, "tag_link", record.key);
  const won = winners(local?.clocks, record.clocks);
  if (!won.includes("@")) return "unchanged";
  const target = targetState(ctx, parsed.target, parsed.uuid);
  if (target === "missing") return "parked";
  if (target === "present") {
    const at = hlcIso(record.clocks["@"]!);
    const metadataId = parsed.target === "content"
      ? metadataIdOf(ctx.library, { kind: "content", uuid: uuidToBlob(parsed.uuid) }) ?? (record.deleted ? undefined : insertMetadataRow(ctx.library, { kind: "content", uuid: uuidToBlob(parsed.uuid) }))
      : modelMetadataId(ctx.library, parsed.uuid);
    if (metadataId !== undefined) {
      if (record.deleted) deleteTagLink(ctx.library, metadataId, parsed.tag);
      else insertTagLink(ctx.library, ensureTag(ctx.library, parsed.tag, at), metadataId, at, record.clocks["@"]!);
    }
  }
  putSyncRow(ctx.library, "tag_link", record.key, merged(local?.clocks, record.clocks, won), record.deleted);
  return "applied";
}

export function mergeCollection(ctx: MergeContext, record: RecordOf<"collection">): MergeOutcome {
  const local = syncRow(ctx.library, "collection", record.key);
  const won = winners(local?.clocks, record.clocks);
  if (won.length === 0) return "unchanged";
  const clocks = merged(local?.clocks, record.clocks, won);
  const deleted = won.includes("@") ? record.deleted : local ? local.deleted : record.deleted;
  const id = collectionIdByUuid(ctx.library, uuidToBlob(record.key));
  const at = hlcIso(newestClock(clocks));
  if (deleted) {
    if (id !== undefined) deleteCollectionRow(ctx.library, id);
  } else if (record.value) {
    if (id === undefined) insertCollectionRow(ctx.library, uuidToBlob(record.key), record.value.name, at);
    else if (won.includes("name")) renameCollection(ctx.library, id, record.value.name, at);
  } else if (id === undefined) {
    return "unchanged"; // deleted where it came from, re-created here since: nothing of it is newer
  }
  putSyncRow(ctx.library, "collection", record.key, clocks, deleted);
  return "applied";
}

export function mergeCollectionItem(ctx: MergeContext, record: RecordOf<"collection_item">): MergeOutcome {
  const parsed = parseCollectionItemKey(record.key);
  const value = record.value;
  if (!parsed || parsed.collection !== value.collection || parsed.kind !== value.kind || parsed.uuid !== value.uuid) {
    throw refused(`collection item record ${JSON.stringify(record.key)} does not match its value`);
  }
  const local = syncRow(ctx.library, "collection_item", record.key);
  const won = winners(local?.clocks, record.clocks);
  if (!won.includes("@")) return "unchanged";
  const collectionId = collectionIdByUuid(ctx.library, uuidToBlob(value.collection));
  const collectionGone = syncRow(ctx.library, "collection", value.collection)?.deleted === true;
  const target = targetState(ctx, value.kind, value.uuid);
  if ((collectionId === undefined && !collectionGone) || target === "missing") return "parked";
  if (collectionId !== undefined && target === "present") {
    const item = { kind: value.kind, uuid: uuidToBlob(value.uuid) };
    if (record.deleted) deleteCollectionItem(ctx.library, collectionId, item);
    else insertCollectionItem(ctx.library, collectionId, item, hlcIso(record.clocks["@"]!));
  }
  putSyncRow(ctx.library, "collection_item", record.key, merged(local?.clocks, record.clocks, won), record.deleted);
  return "applied";
}

/** A device's report of itself: only the device itself writes it (every clock is its own). */
export function mergeDevice(ctx: MergeContext, record: RecordOf<"device">): MergeOutcome {
  if (Object.values(record.clocks).some((hlc) => hlcDevice(hlc) !== record.key)) throw refused(`device ${record.key}'s report was written by another device`);
  if (record.key === ctx.library.deviceUuid) return "unchanged";
  const local = syncRow(ctx.library, "device", record.key);
  const won = winners(local?.clocks, record.clocks);
  if (won.length === 0) return "unchanged";
  const clocks = merged(local?.clocks, record.clocks, won);
  upsertRemoteDevice(ctx.library, { uuid: record.key, ...record.value, updatedAt: hlcIso(newestClock(clocks)) });
  putSyncRow(ctx.library, "device", record.key, clocks, false);
  return "applied";
}
