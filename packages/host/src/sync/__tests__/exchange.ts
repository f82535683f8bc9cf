/** Test support: pair two libraries by hand and move batches between them without a network. */
import type { Library } from "../../store/library.js";
import { upsertPeer, upsertRemoteDevice, peerRow } from "../../store/sync-peers.js";
import { applyBatch, type ApplyOutcome } from "../apply.js";
import { blobHashesOf, buildBatch, missingHashes } from "../batch.js";
import { shippedBytes } from "../session.js";
import type { SyncBatch } from "../wire.js";

export function pairByHand(a: Library, b: Library): void {
  const now = new Date().toISOString();
  for (const [self, other] of [[a, b], [b, a]] as const) {
    upsertRemoteDevice(self, { uuid: other.deviceUuid, name: `device ${other.deviceUuid.slice(0, 4)}`, capabilities: ["cpu"], info: {}, updatedAt: now });
    upsertPeer(self, { uuid: other.deviceUuid, publicKey: "test", url: null, pairedAt: now });
  }
}

/** The next batch `to` would pull from `from`, with the blob bytes `to` lacks. */
export function nextBatch(from: Library, to: Library, limit = 500): SyncBatch {
  const after = peerRow(to, from.deviceUuid)!.receivedSeq;
  const batch = buildBatch(from, to.deviceUuid, after, limit);
  batch.blobData = shippedBytes(from, missingHashes(to, blobHashesOf(batch)));
  return batch;
}

/** Pulls everything `to` has not seen of `from`; returns the outcomes of the batches. */
export async function pull(from: Library, to: Library, limit = 500): Promise<ApplyOutcome[]> {
  const outcomes: ApplyOutcome[] = [];
  for (;;) {
    const batch = nextBatch(from, to, limit);
    outcomes.push(await applyBatch(to, from.deviceUuid, batch));
    if (!batch.more) return outcomes;
  }
}

export async function syncBoth(a: Library, b: Library): Promise<void> {
  await pull(a, b);
  await pull(b, a);
}

/** The shared state of a library as comparable text: models (data bytes, version, blob hashes), tags, collections. */
export function sharedSnapshot(library: Library): string {
  const db = library.db;
  const models = db.prepare(`SELECT hex(m.uuid) AS uuid, m.extension_id, m.model_type, m.data, v.version, hex(m.content_identity_uuid) AS content,
      (SELECT group_concat(blob_key || '=' || b.blob_hash, ',') FROM (SELECT mb.blob_key, b.blob_hash FROM model_blobs mb JOIN metadata_blobs b ON b.id = mb.blob_id
        WHERE mb.model_uuid = m.uuid ORDER BY mb.blob_key) b) AS blobs
    FROM models m LEFT JOIN model_versions v ON v.model_uuid = m.uuid WHERE m.sync_strategy = 1 ORDER BY m.uuid`).all();
  const tags = db.prepare(`SELECT CASE WHEN um.content_identity_uuid IS NOT NULL THEN hex(um.content_identity_uuid) ELSE 'model:' || hex(m.uuid) END AS target, t.name FROM tag_links tl
      JOIN tags t ON t.id = tl.tag_id JOIN user_metadata um ON um.id = tl.metadata_id LEFT JOIN models m ON m.metadata_id = um.id
      WHERE um.content_identity_uuid IS NOT NULL OR m.sync_strategy = 1 ORDER BY 1, 2`).all();
  const collections = db.prepare(`SELECT hex(c.uuid) AS uuid, c.name, (SELECT group_concat(x, ',') FROM (SELECT CASE WHEN content_uuid IS NOT NULL THEN hex(content_uuid) ELSE 'model:' || hex(model_uuid) END AS x
      FROM collection_items WHERE collection_id = c.id AND entry_uuid IS NULL ORDER BY 1)) AS items FROM collections c ORDER BY c.uuid`).all();
  return JSON.stringify({ models, tags, collections }, null, 1);
}
