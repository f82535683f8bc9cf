/**
 * Applies a batch a peer sent (docs/devices.md#applying-a-batch). Input: the authenticated peer and
 * its parsed batch. Output: the library with the batch merged and the peer's position moved to the
 * batch's end, in one transaction; or nothing changed and SDX3045 with the reason, written to the
 * audit log (who = sync).
 *
 * Before the transaction: the envelope (from the peer, for this device), every content identity's
 * UUID derived again from its hash, every blob's bytes hashed again, every clock no further ahead
 * of this machine's clock than `MAX_CLOCK_DRIFT_MS`. In it: the position check (the batch starts
 * where this library stands with the peer: a replayed or reordered batch is refused), then the
 * records, content identities first, models before what refers to them.
 */
import { blake3 } from "hash-wasm";
import { readBundle, type LoadedBundle } from "@sdx/bundle-format";
import { SdxError } from "../errors.js";
import { writeAudit } from "../store/audit.js";
import { insertContentIdentity } from "../store/entries-store.js";
import { MAX_CLOCK_DRIFT_MS } from "../store/hlc.js";
import type { Library } from "../store/library.js";
import { advanceReceivedSeq, parkRecord, peerRow, pendingRecords, unparkRecord } from "../store/sync-peers.js";
import { contentUuidFor, uuidToBlob } from "../store/uuid.js";
import { MergeContext, refused, type MergeOutcome } from "./merge-context.js";
import { mergeModel } from "./merge-model.js";
import { mergeCollection, mergeCollectionItem, mergeDevice, mergeTagLink } from "./merge-links.js";
import { mergeMemory } from "./memory-records.js";
import { mergeExtension } from "./merge-extension.js";
import { pruneBundleFiles } from "../extensions/install.js";
import { recordSchema, type SyncBatch, type SyncRecord } from "./wire.js";

export interface ApplyOutcome {
  fromSeq: number;
  toSeq: number;
  applied: number;
  unchanged: number;
  parked: number;
  /** Extensions the batch installed, upgraded or uninstalled here. */
  extensions: string[];
  /** Extensions whose settings the batch changed here. */
  settings: string[];
}

/** Things before what refers to them. */
const ORDER: Record<SyncRecord["entity"], number> = {
  device: 0, extension: 0, model: 1, collection: 2, tag_link: 3, collection_item: 4, memory_working: 5, memory_event: 5, memory_item: 5, memory_edge: 6,
};

function merge(ctx: MergeContext, record: SyncRecord, bundles: ReadonlyMap<string, LoadedBundle> = new Map()): MergeOutcome {
  switch (record.entity) {
    case "extension": return mergeExtension(ctx, record, bundles);
    case "model": return mergeModel(ctx, record);
    case "tag_link": return mergeTagLink(ctx, record);
    case "collection": return mergeCollection(ctx, record);
    case "collection_item": return mergeCollectionItem(ctx, record);
    case "device": return mergeDevice(ctx, record);
    case "memory_working":
    case "memory_event":
    case "memory_item":
    case "memory_edge":
      return mergeMemory(ctx, record);
  }
  return "unchanged";
}

async function checkBatch(library: Library, peer: string, batch: SyncBatch): Promise<{ newest: string; blobs: Map<string, Buffer>; bundles: Map<string, LoadedBundle> }> {
  if (batch.from !== peer) throw refused(`it says it is from ${batch.from}, but ${peer} sent it`);
  if (batch.to !== library.deviceUuid) throw refused(`it is for device ${batch.to}, not this one (${library.deviceUuid})`);
  for (const content of batch.contents) {
    if ((await contentUuidFor(content.hashKind, content.hash)) !== content.uuid) throw refused(`content ${content.uuid} is not the identity of hash ${content.hash}`);
  }
  const blobs = new Map<string, Buffer>();
  for (const [hash, bytes] of Object.entries(batch.blobData)) {
    if ((await blake3(bytes)) !== hash) throw refused(`blob bytes do not hash to ${hash}`);
    blobs.set(hash, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  }
  // Bundles are read (and verified: integrity, manifest, protocol) before anything is applied.
  const bundles = new Map<string, LoadedBundle>();
  for (const record of batch.records) {
    if (record.entity !== "extension" || !record.value || !blobs.has(record.value.bundleHash)) continue;
    try {
      bundles.set(record.value.bundleHash, await readBundle(blobs.get(record.value.bundleHash)!));
    } catch (error) {
      throw refused(`the bundle sent for ${record.key} does not verify: ${(error as Error).message}`);
    }
    blobs.delete(record.value.bundleHash);
  }
  let newest = "";
  for (const record of batch.records) {
    if (record.entity === "model" && !record.clocks["@"]) throw refused(`model ${record.key} has no existence clock`);
    if (record.entity === "extension" && (!record.clocks["@"] || (record.value && !record.clocks.bundle))) throw refused(`extension ${record.key} has no install clocks`);
    for (const hlc of Object.values(record.clocks)) {
      const ahead = library.hlc.aheadMs(hlc);
      if (ahead > MAX_CLOCK_DRIFT_MS) throw refused(`a change is stamped ${Math.round(ahead / 1000)} s ahead of this device's clock (at most ${MAX_CLOCK_DRIFT_MS / 1000} s): check the clocks`);
      if (hlc > newest) newest = hlc;
    }
  }
  return { newest, blobs, bundles };
}

function retryParked(ctx: MergeContext): void {
  for (const pending of pendingRecords(ctx.library)) {
    const parsed = recordSchema.safeParse(JSON.parse(pending.record));
    if (!parsed.success || merge(ctx, parsed.data) !== "parked") unparkRecord(ctx.library, pending.entity, pending.key);
  }
}

export async function applyBatch(library: Library, peer: string, batch: SyncBatch): Promise<ApplyOutcome> {
  const outcome: ApplyOutcome = { fromSeq: batch.fromSeq, toSeq: batch.toSeq, applied: 0, unchanged: 0, parked: 0, extensions: [], settings: [] };
  try {
    const { newest, blobs, bundles } = await checkBatch(library, peer, batch);
    const ctx = new MergeContext(library, peer, blobs, new Set(batch.contents.map((c) => c.uuid)));
    library.transaction(() => {
      const now = new Date().toISOString();
      if (!advanceReceivedSeq(library, peer, batch.fromSeq, batch.toSeq, now)) {
        const at = peerRow(library, peer)?.receivedSeq;
        throw refused(at === undefined ? `${peer} is not paired with this device`
          : `it starts after change ${batch.fromSeq} of ${peer}, but this device has its changes up to ${at} (a replayed or reordered batch)`);
      }
      if (newest) library.hlc.receiveRemote(newest);
      for (const c of batch.contents) insertContentIdentity(library, { uuid: uuidToBlob(c.uuid), hash: c.hash, hashKind: c.hashKind, size: c.size, kind: c.kind }, c.firstSeenAt);
      const records = [...batch.records].sort((a, b) => ORDER[a.entity] - ORDER[b.entity]);
      for (const record of records) {
        const result = merge(ctx, record, bundles);
        outcome[result] += 1;
        if (result === "parked") parkRecord(library, record.entity, record.key, JSON.stringify(record), peer, now);
      }
      if (outcome.applied > 0) retryParked(ctx);
      writeAudit(library, "sync", "sync.apply", peer, "ok", { fromSeq: batch.fromSeq, toSeq: batch.toSeq, applied: outcome.applied, parked: outcome.parked });
    });
    outcome.extensions = [...ctx.changedExtensions];
    outcome.settings = [...ctx.changedSettings];
    // Bundle files replaced or uninstalled go only now that the batch is committed.
    for (const id of outcome.extensions) pruneBundleFiles(library, id);
    return outcome;
  } catch (error) {
    // A refused batch rolled its installs back: bundle files it put in place go.
    for (const record of batch.records) if (record.entity === "extension") pruneBundleFiles(library, record.key);
    if (error instanceof SdxError && error.code === "SDX3045") {
      writeAudit(library, "sync", "sync.apply", peer, "denied", { reason: (error.data as { reason: string }).reason, fromSeq: batch.fromSeq, toSeq: batch.toSeq });
    }
    throw error;
  }
}
