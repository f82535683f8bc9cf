/**
 * `collections` and `collection_items` (the spec's polymorphic membership: each item is an entry,
 * content or a model). Call the writes inside the caller's transaction.
 */
import type { Library } from "./library.js";

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
  const result = library.stmt("INSERT INTO collections (uuid, name, created_at, updated_at) VALUES (?, ?, ?, ?)").run(uuid, name, now, now);
  return Number(result.lastInsertRowid);
}

/** Adds the items not in the collection yet and stamps it as changed; returns how many were added. */
export function addCollectionItems(library: Library, collectionId: number, items: readonly CollectionItem[]): number {
  const now = new Date().toISOString();
  let added = 0;
  for (const item of items) {
    const column = ITEM_COLUMN[item.kind];
    if (library.stmt(`SELECT 1 FROM collection_items WHERE collection_id = ? AND ${column} = ?`).get(collectionId, item.uuid)) continue;
    library.stmt(`INSERT INTO collection_items (collection_id, ${column}, added_at) VALUES (?, ?, ?)`).run(collectionId, item.uuid, now);
    added += 1;
  }
  library.stmt("UPDATE collections SET updated_at = ? WHERE id = ?").run(now, collectionId);
  return added;
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
