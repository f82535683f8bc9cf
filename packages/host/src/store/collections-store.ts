/**
 * `collections` and `collection_items` (the spec's polymorphic membership: each item is an entry,
 * content or a model). Call the writes inside the caller's transaction. Collections are shared:
 * creating one stamps its sync row, and so does adding content or a shared model to it; entries
 * and device-owned models in a collection stay on this device.
 */
import type { Library } from "./library.js";
import { stampRow, syncKey } from "./sync-rows.js";
import { blobToUuid } from "./uuid.js";

/** What a collection item is, by UUID. */
export interface CollectionItem {
  kind: "entry" | "content" | "model";
  uuid: Buffer;
}

const ITEM_COLUMN: Record<CollectionItem["kind"], string> = { entry: "entry_uuid", content: "content_uuid", model: "model_uuid" };

/** The collection with this UUID, if there is one. */
export function collectionByUuid(library: Library, uuid: Buffer): { id: number; name: string } | undefined {
  return library.stmt("SELECT id, name FROM collections WHERE uuid = ?").get(uuid) as { id: number; name: string } | undefined;
}

/** The id of the collection with this UUID, if there is one. */
export function collectionIdByUuid(library: Library, uuid: Buffer): number | undefined {
  const row = library.stmt("SELECT id FROM collections WHERE uuid = ?").get(uuid) as { id: number } | undefined;
  return row?.id;
}

/** Creates an empty collection; returns its id. */
export function insertCollection(library: Library, uuid: Buffer, name: string, now: string): number {
  const id = insertCollectionRow(library, uuid, name, now);
  stampRow(library, "collection", blobToUuid(uuid), ["@", "name"], library.hlc.now(), false);
  return id;
}

/** The collection row alone (what `insertCollection` and an applied sync record share). */
export function insertCollectionRow(library: Library, uuid: Buffer, name: string, now: string): number {
  return Number(library.stmt("INSERT INTO collections (uuid, name, created_at, updated_at) VALUES (?, ?, ?, ?)").run(uuid, name, now, now).lastInsertRowid);
}

/** Whether an item is shared (content, or a shared model): only those are synced. */
function sharedItem(library: Library, item: CollectionItem): boolean {
  if (item.kind === "content") return true;
  if (item.kind === "entry") return false;
  return library.stmt("SELECT 1 FROM models WHERE uuid = ? AND sync_strategy = 1").get(item.uuid) !== undefined;
}

/** Adds the items not in the collection yet and stamps it as changed; returns how many were added. */
export function addCollectionItems(library: Library, collectionId: number, items: readonly CollectionItem[]): number {
  const now = new Date().toISOString();
  let added = 0;
  let collection: string | null = null;
  for (const item of items) {
    if (!insertCollectionItem(library, collectionId, item, now)) continue;
    added += 1;
    if (!sharedItem(library, item)) continue;
    collection ??= blobToUuid((library.stmt("SELECT uuid FROM collections WHERE id = ?").get(collectionId) as { uuid: Buffer }).uuid);
    stampRow(library, "collection_item", syncKey.collectionItem(collection, item.kind as "content" | "model", blobToUuid(item.uuid)), ["@"], library.hlc.now(), false);
  }
  library.stmt("UPDATE collections SET updated_at = ? WHERE id = ?").run(now, collectionId);
  return added;
}

/** Adds one item unless it is in the collection; false when it was. */
export function insertCollectionItem(library: Library, collectionId: number, item: CollectionItem, now: string): boolean {
  const column = ITEM_COLUMN[item.kind];
  if (library.stmt(`SELECT 1 FROM collection_items WHERE collection_id = ? AND ${column} = ?`).get(collectionId, item.uuid)) return false;
  library.stmt(`INSERT INTO collection_items (collection_id, ${column}, added_at) VALUES (?, ?, ?)`).run(collectionId, item.uuid, now);
  return true;
}

/** Removes one item; false when it was not in the collection. */
export function deleteCollectionItem(library: Library, collectionId: number, item: CollectionItem): boolean {
  return library.stmt(`DELETE FROM collection_items WHERE collection_id = ? AND ${ITEM_COLUMN[item.kind]} = ?`).run(collectionId, item.uuid).changes > 0;
}

/** The collection's items in the order they were added. */
export function collectionItems(library: Library, collectionId: number): CollectionItem[] {
  const rows = library
    .stmt("SELECT entry_uuid, content_uuid, model_uuid FROM collection_items WHERE collection_id = ? ORDER BY id")
    .all(collectionId) as Array<{ entry_uuid: Buffer | null; content_uuid: Buffer | null; model_uuid: Buffer | null }>;
  return rows.map((r): CollectionItem => {
    if (r.entry_uuid) return { kind: "entry", uuid: r.entry_uuid };
    if (r.content_uuid) return { kind: "content", uuid: r.content_uuid };
    return { kind: "model", uuid: r.model_uuid as Buffer };
  });
}
