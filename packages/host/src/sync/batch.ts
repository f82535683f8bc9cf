/**
 * Builds the batch a peer asks for: the shared things whose sync rows changed after its position
 * in this library's order of changes, as records (each thing's clocks and current state), with the
 * content identities they refer to. Input: the library, the peer, its position, a page size.
 * Output: a `SyncBatch`. Must not: read anything device-owned (entries, device-owned models, their
 * blobs), or send a thing back to the device that wrote all of it.
 */
import { hlcDevice } from "../store/hlc.js";
import type { Library } from "../store/library.js";
import {
  collectionName, contentIdentities, deviceRow, extensionState, heldBlobHashes, installedBundleHashes, sharedModelState,
} from "../store/sync-export.js";
import { lastSeq, rowsChangedSince, syncRow, type SyncRow } from "../store/sync-rows.js";
import { parseCollectionItemKey, parseTagLinkKey } from "./keys.js";
import { memoryRecord } from "./memory-records.js";
import { SYNC_PROTOCOL_VERSION, type SyncBatch, type SyncRecord } from "./wire.js";

/** A thing whose every clock was written by `peer` is what `peer` sent: it has it. */
function writtenBy(row: SyncRow, peer: string): boolean {
  return Object.values(row.clocks).every((hlc) => hlcDevice(hlc) === peer);
}

function toRecord(library: Library, row: SyncRow, contents: Set<string>): SyncRecord | null {
  const base = { key: row.key, clocks: row.clocks, deleted: row.deleted };
  switch (row.entity) {
    case "model": {
      if (row.deleted) return { entity: "model", ...base };
      const state = sharedModelState(library, row.key);
      if (!state) return null; // became device-owned (a new version of its type): it no longer leaves
      if ("content" in state.scope) contents.add(state.scope.content);
      return { entity: "model", ...base, value: state };
    }
    case "tag_link": {
      const parsed = parseTagLinkKey(row.key);
      if (!parsed) return null;
      if (parsed.target === "content") contents.add(parsed.uuid);
      return { entity: "tag_link", ...base, value: parsed };
    }
    case "collection": {
      const name = row.deleted ? undefined : collectionName(library, row.key);
      return name === undefined ? { entity: "collection", ...base } : { entity: "collection", ...base, value: { name } };
    }
    case "collection_item": {
      const parsed = parseCollectionItemKey(row.key);
      if (!parsed) return null;
      if (parsed.kind === "content") contents.add(parsed.uuid);
      return { entity: "collection_item", ...base, value: parsed };
    }
    case "memory_working":
    case "memory_event":
    case "memory_item":
    case "memory_edge":
      return memoryRecord(library, row);
    case "extension": {
      const state = row.deleted ? undefined : extensionState(library, row.key);
      return state ? { entity: "extension", ...base, value: state } : { entity: "extension", ...base };
    }
    case "device": {
      const device = deviceRow(library, row.key);
      return device ? { entity: "device", ...base, value: { name: device.name, capabilities: device.capabilities, info: device.info } } : null;
    }
    default:
      return null;
  }
}

/** The page of changes after `after` for `peer` (at most `limit` rows looked at). */
export function buildBatch(library: Library, peer: string, after: number, limit: number): SyncBatch {
  const rows = rowsChangedSince(library, after, limit);
  const toSeq = rows.length > 0 ? rows[rows.length - 1]!.seq : after;
  const contents = new Set<string>();
  const records: SyncRecord[] = [];
  for (const row of rows) {
    if (writtenBy(row, peer)) continue;
    const record = toRecord(library, row, contents);
    if (record) records.push(record);
  }
  // The install of every extension the batch has data of travels with it, so the receiver can
  // check (and install) the extension first, whenever it last changed.
  const extensions = new Set(records.flatMap((r) => (r.entity === "model" && r.value ? [r.value.extensionId] : r.entity.startsWith("memory_") && "value" in r && r.value && "extensionId" in r.value ? [r.value.extensionId] : [])));
  for (const r of records) if (r.entity === "extension") extensions.delete(r.key);
  for (const id of extensions) {
    const row = syncRow(library, "extension", id);
    if (!row || writtenBy(row, peer)) continue;
    const record = toRecord(library, row, contents);
    if (record) records.unshift(record);
  }
  return {
    version: SYNC_PROTOCOL_VERSION,
    from: library.deviceUuid,
    to: peer,
    fromSeq: after,
    toSeq,
    more: toSeq < lastSeq(library),
    records,
    contents: contentIdentities(library, [...contents]),
    blobData: {},
  };
}

/** The blob and bundle hashes the records of a batch refer to. */
export function blobHashesOf(batch: Pick<SyncBatch, "records">): string[] {
  const hashes = new Set<string>();
  for (const record of batch.records) {
    if (record.entity === "extension" && record.value) hashes.add(record.value.bundleHash);
    if (record.entity !== "model" || !record.value) continue;
    for (const ref of Object.values(record.value.blobs)) if (ref) hashes.add(ref.hash);
  }
  return [...hashes];
}

/** Which of these blob and bundle hashes this library lacks. */
export function missingHashes(library: Library, hashes: readonly string[]): string[] {
  const blobs = heldBlobHashes(library, hashes);
  const bundles = installedBundleHashes(library, hashes);
  return hashes.filter((h) => !blobs.has(h) && !bundles.has(h));
}
