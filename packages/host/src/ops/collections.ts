/**
 * collections.*: named collections of entries, content and models (the spec's polymorphic
 * `collection_items`). Creating and adding need write_collections and items the extension can
 * see; reading a collection shows only the items the extension can see.
 */
import { publish, type OpContext, type OpHandlers } from "./context.js";
import { resolveTarget, targetVisible, type ResolvedTarget, type TargetRef } from "./library-targets.js";
import { requireNotPreview } from "./access.js";
import { notFound } from "../errors.js";
import { addCollectionItems, collectionByUuid, collectionIdByUuid, collectionItems, insertCollection } from "../store/collections-store.js";
import { blobToUuid, newUuid, uuidToBlob } from "../store/uuid.js";

function addItems(ctx: OpContext, collectionId: number, items: ResolvedTarget[]): number {
  return addCollectionItems(ctx.library, collectionId, items.map((item) => ({ kind: item.kind, uuid: item.blob })));
}

function collectionId(ctx: OpContext, uuid: string): number {
  const id = collectionIdByUuid(ctx.library, uuidToBlob(uuid));
  if (id === undefined) throw notFound(`collection ${uuid}`);
  return id;
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
      const existing = ctx.writeUuid ? collectionIdByUuid(ctx.library, uuidToBlob(uuid)) : undefined;
      if (existing !== undefined) {
        addItems(ctx, existing, items);
        return;
      }
      const id = insertCollection(ctx.library, uuidToBlob(uuid), request.name, now);
      const added = addItems(ctx, id, items);
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
    const row = collectionByUuid(ctx.library, uuidToBlob(request.collection));
    if (!row) return { collection: null };
    const items: TargetRef[] = collectionItems(ctx.library, row.id).map((item): TargetRef => {
      if (item.kind === "entry") return { entry: blobToUuid(item.uuid) };
      if (item.kind === "content") return { content: blobToUuid(item.uuid) };
      return { model: blobToUuid(item.uuid) };
    });
    return { collection: { uuid: request.collection, name: row.name, items: items.filter((item) => targetVisible(ctx, item)) } };
  },
};
