/**
 * Rows of associative memory: `agent_memory_assoc_items` (payloads, stamped for sync), their
 * vectors in the per-dimension vec0 table (rowid = item id), the kNN query over one (extension,
 * field) partition, and the directed edges `agent_memory_assoc_edges`. Validation, limits and
 * errors are core/memory/associative.ts's; call the writers inside `MemoryStore.transaction`.
 */
import type { MemoryStore } from "./store.js";
import { stampRow, syncKey } from "../sync-rows.js";
import { blobToUuid } from "../uuid.js";

function vectorBlob(vector: Float32Array): Buffer {
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
}

/** Stores an item (its UUID chosen by the caller) and its vector, in `vecTable` (from `MemoryStore.vecTable`). */
export function insertAssocItem(
  store: MemoryStore, vecTable: string, extensionId: string, field: { name: string; sync: string; syncVectors: boolean },
  item: { uuid: Buffer; vector: Float32Array; payloadJson: string },
): void {
  const { hlc, device } = store.stamp();
  const info = store.stmt(`INSERT INTO agent_memory_assoc_items (uuid, extension_id, field, dimension, payload, sync, sync_vectors, hlc, device_uuid) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
    .run(item.uuid, extensionId, field.name, item.vector.length, item.payloadJson, field.sync, field.syncVectors ? 1 : 0, hlc, device);
  // vec0 wants an INTEGER rowid; better-sqlite3 binds JS numbers as REAL, so pass a bigint.
  store.stmt(`INSERT INTO ${vecTable} (rowid, extension_id, field, embedding) VALUES (?, ?, ?, ?)`)
    .run(BigInt(info.lastInsertRowid), extensionId, field.name, vectorBlob(item.vector));
  if (field.sync === "shared") stampRow(store.library, "memory_item", blobToUuid(item.uuid), ["@"], hlc, false);
}

/**
 * An item a sync brought (kept once: items never change), with its vector when it travelled
 * (`vecTable` set); without one, similarity queries do not find it on this device.
 */
export function putAssocItem(
  store: MemoryStore, vecTable: string | null, item: { uuid: Buffer; extensionId: string; field: string; dimension: number; payloadJson: string; syncVectors: boolean; vector: Float32Array | null },
  hlc: string, device: Buffer,
): void {
  const info = store.stmt(`INSERT INTO agent_memory_assoc_items (uuid, extension_id, field, dimension, payload, sync, sync_vectors, hlc, device_uuid) VALUES (?, ?, ?, ?, ?, 'shared', ?, ?, ?)
    ON CONFLICT (uuid) DO NOTHING`).run(item.uuid, item.extensionId, item.field, item.dimension, item.payloadJson, item.syncVectors ? 1 : 0, hlc, device);
  if (info.changes === 1 && vecTable && item.vector) {
    store.stmt(`INSERT INTO ${vecTable} (rowid, extension_id, field, embedding) VALUES (?, ?, ?, ?)`).run(BigInt(info.lastInsertRowid), item.extensionId, item.field, vectorBlob(item.vector));
  }
}

/** An item's row and, when it syncs its vector, the vector (for a sync batch). */
export function assocItemForSync(store: MemoryStore, uuid: Buffer): { extensionId: string; field: string; dimension: number; payloadJson: string; syncVectors: boolean; vector: Float32Array<ArrayBuffer> | null } | undefined {
  const row = store.stmt("SELECT id, extension_id, field, dimension, payload, sync_vectors FROM agent_memory_assoc_items WHERE uuid = ? AND sync = 'shared'").get(uuid) as
    | { id: number; extension_id: string; field: string; dimension: number; payload: string; sync_vectors: number } | undefined;
  if (!row) return undefined;
  let vector: Float32Array<ArrayBuffer> | null = null;
  if (row.sync_vectors === 1 && store.vectorIndexAvailable) {
    const vec = store.stmt(`SELECT embedding FROM ${store.vecTable(row.dimension)} WHERE rowid = ?`).get(BigInt(row.id)) as { embedding: Buffer } | undefined;
    if (vec) vector = new Float32Array(vec.embedding.buffer.slice(vec.embedding.byteOffset, vec.embedding.byteOffset + vec.embedding.byteLength) as ArrayBuffer);
  }
  return { extensionId: row.extension_id, field: row.field, dimension: row.dimension, payloadJson: row.payload, syncVectors: row.sync_vectors === 1, vector };
}

/** The k nearest items of the partition by cosine distance, nearest first, ties by insertion order. */
export function nearestAssocItems(
  store: MemoryStore, vecTable: string, extensionId: string, field: string, vector: Float32Array, k: number,
): Array<{ uuid: Buffer; distance: number; payload: string }> {
  return store.stmt(`SELECT i.uuid AS uuid, v.distance AS distance, i.payload AS payload
      FROM (SELECT rowid, distance FROM ${vecTable} WHERE embedding MATCH ? AND k = ? AND extension_id = ? AND field = ?) v
      JOIN agent_memory_assoc_items i ON i.id = v.rowid
      WHERE i.extension_id = ? AND i.field = ?
      ORDER BY v.distance, i.id`)
    .all(vectorBlob(vector), k, extensionId, field, extensionId, field) as Array<{ uuid: Buffer; distance: number; payload: string }>;
}

/** Sets the weight of the directed edge (re-linking replaces it). */
export function upsertAssocEdge(
  store: MemoryStore, extensionId: string, field: { name: string; sync: string }, from: Buffer, to: Buffer, weight: number,
): void {
  const { hlc, device } = store.stamp();
  putAssocEdge(store, extensionId, field, from, to, weight, hlc, device);
  if (field.sync === "shared") stampRow(store.library, "memory_edge", syncKey.memoryEdge(extensionId, field.name, blobToUuid(from), blobToUuid(to)), ["weight"], hlc, false);
}

/** The edge row alone (what `upsertAssocEdge` and an applied sync record share). */
export function putAssocEdge(store: MemoryStore, extensionId: string, field: { name: string; sync: string }, from: Buffer, to: Buffer, weight: number, hlc: string, device: Buffer): void {
  store.stmt(`INSERT INTO agent_memory_assoc_edges (extension_id, field, from_uuid, to_uuid, weight, sync, hlc, device_uuid) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (extension_id, field, from_uuid, to_uuid) DO UPDATE SET weight = excluded.weight, sync = excluded.sync, hlc = excluded.hlc, device_uuid = excluded.device_uuid`)
    .run(extensionId, field.name, from, to, weight, field.sync, hlc, device);
}

/** Outgoing edges of an item, heaviest first, with the target's payload. */
export function assocNeighbours(store: MemoryStore, extensionId: string, field: string, from: Buffer): Array<{ uuid: Buffer; weight: number; payload: string }> {
  return store.stmt(`SELECT i.uuid AS uuid, e.weight AS weight, i.payload AS payload
      FROM agent_memory_assoc_edges e
      JOIN agent_memory_assoc_items i ON i.uuid = e.to_uuid AND i.extension_id = e.extension_id AND i.field = e.field
      WHERE e.extension_id = ? AND e.field = ? AND e.from_uuid = ?
      ORDER BY e.weight DESC, i.id`)
    .all(extensionId, field, from) as Array<{ uuid: Buffer; weight: number; payload: string }>;
}

/** Whether the item belongs to this extension's field. */
export function assocItemExists(store: MemoryStore, extensionId: string, field: string, uuid: Buffer): boolean {
  return store.stmt("SELECT 1 FROM agent_memory_assoc_items WHERE uuid = ? AND extension_id = ? AND field = ?").get(uuid, extensionId, field) !== undefined;
}

/** A shared edge's weight (for a sync batch). */
export function edgeForSync(store: MemoryStore, extensionId: string, field: string, from: Buffer, to: Buffer): number | undefined {
  const row = store.stmt("SELECT weight FROM agent_memory_assoc_edges WHERE extension_id = ? AND field = ? AND from_uuid = ? AND to_uuid = ? AND sync = 'shared'").get(extensionId, field, from, to) as { weight: number } | undefined;
  return row?.weight;
}
