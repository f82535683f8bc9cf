/**
 * collections.*: named collections of entries, content and models (the spec's polymorphic
 * `collection_items`). Creating and adding need write_collections and items the extension can
 * see; reading a collection shows only the items the extension can see.
 */
import { publish, type OpContext, type OpHandlers } from "./context.js";
import { resolveTarget, targetVisible, type ResolvedTarget, type TargetRef } from "./library-targets.js";
import { requireNotPreview } from "./access.js";
import { notFound } from "../errors.js";
import { blobToUuid, newUuid, uuidToBlob } from "../store/uuid.js";

function addItems(ctx: OpContext, collectionId: number, items: ResolvedTarget[]): number {
  const now = new Date().toISOString();
  let added = 0;
  for (const item of items) {
    const column = item.kind === "entry" ? "entry_uuid" : item.kind === "content" ? "content_uuid" : "model_uuid";
    if (ctx.library.stmt(`SELECT 1 FROM collection_items WHERE collection_id = ? AND ${column} = ?`).get(collectionId, item.blob)) continue;
    ctx.library.stmt(`INSERT INTO collection_items (collection_id, ${column}, added_at) VALUES (?, ?, ?)`).run(collectionId, item.blob, now);
    added += 1;
  }
  ctx.library.stmt("UPDATE collections SET updated_at = ? WHERE id = ?").run(now, collectionId);
  return added;
}

function collectionId(ctx: OpContext, uuid: string): number {
  const row = ctx.library.stmt("SELECT id FROM collections WHERE uuid = ?").get(uuidToBlob(uuid)) as { id: number } | undefined;
  if (!row) throw notFound(`collection ${uuid}`);
  return row.id;
}

export const collectionOps: OpHandlers = {
  "collections.create": (ctx, request) => {
    requireNotPreview(ctx, "collections.create");
    ctx.grants.requireWriteCollections();
    const items = request.items.map((item) => resolveTarget(ctx, "collections.create", item));
    const uuid = ctx.writeUuid ?? newUuid();
    ctx.library.transaction(() => {
      const now = new Date().toISOString();
      // A repeated write of a resumed job (see OpContext.writeUuid): the collection exists.
      const existing = ctx.writeUuid ? (ctx.library.stmt("SELECT id FROM collections WHERE uuid = ?").get(uuidToBlob(uuid)) as { id: number } | undefined) : undefined;
      if (existing) {
        addItems(ctx, existing.id, items);
        return;
      }
      const result = ctx.library.stmt("INSERT INTO collections (uuid, name, created_at, updated_at) VALUES (?, ?, ?, ?)").run(uuidToBlob(uuid), request.name, now, now);
      const added = addItems(ctx, Number(result.lastInsertRowid), items);
      publish(ctx, { type: "collection_created", uuid, name: request.name, items: added });
    });
    return { uuid };
  },

  "collections.add": (ctx, request) => {
    requireNotPreview(ctx, "collections.add");
    ctx.grants.requireWriteCollections();
    const id = collectionId(ctx, request.collection);
    const items = request.items.map((item) => resolveTarget(ctx, "collections.add", item));
    ctx.library.transaction(() => {
      const added = addItems(ctx, id, items);
      publish(ctx, { type: "collection_items_added", uuid: request.collection, items: added });
    });
    return null;
  },

  "collections.get": (ctx, request) => {
    const row = ctx.library.stmt("SELECT id, name FROM collections WHERE uuid = ?").get(uuidToBlob(request.collection)) as { id: number; name: string } | undefined;
    if (!row) return { collection: null };
    const rows = ctx.library
      .stmt("SELECT entry_uuid, content_uuid, model_uuid FROM collection_items WHERE collection_id = ? ORDER BY id")
      .all(row.id) as Array<{ entry_uuid: Buffer | null; content_uuid: Buffer | null; model_uuid: Buffer | null }>;
    const items: TargetRef[] = rows.map((r): TargetRef => {
      if (r.entry_uuid) return { entry: blobToUuid(r.entry_uuid) };
      if (r.content_uuid) return { content: blobToUuid(r.content_uuid) };
      return { model: blobToUuid(r.model_uuid as Buffer) };
    });
    return { collection: { uuid: request.collection, name: row.name, items: items.filter((item) => targetVisible(ctx, item)) } };
  },
};
