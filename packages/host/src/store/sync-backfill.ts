/**
 * A library written before sync existed (schema < 4) has shared data and no `sync_rows`: this
 * gives every shared thing its row once, right after the migration, with the HLC the row already
 * carries (`hlc_timestamp`), or a fresh stamp where the table has none (collections), so the first
 * sync ships all of it. Runs in one transaction.
 */
import { modelField, stampRow, syncKey, type SyncStore } from "./sync-rows.js";
import { blobToUuid } from "./uuid.js";

export function backfillSyncRows(library: SyncStore): void {
  library.transaction(() => {
    const models = library.stmt("SELECT uuid, data, hlc_timestamp FROM models WHERE sync_strategy = 1 ORDER BY id").all() as Array<{ uuid: Buffer; data: string; hlc_timestamp: string | null }>;
    for (const m of models) {
      const blobs = library.stmt("SELECT blob_key FROM model_blobs WHERE model_uuid = ?").all(m.uuid) as Array<{ blob_key: string }>;
      const fields = ["@", "v", ...Object.keys(JSON.parse(m.data) as object).map(modelField.data), ...blobs.map((b) => modelField.blob(b.blob_key))];
      stampRow(library, "model", blobToUuid(m.uuid), fields, m.hlc_timestamp ?? library.hlc.now(), false);
    }
    const links = library
      .stmt(`SELECT t.name, tl.hlc_timestamp, um.content_identity_uuid AS content, m.uuid AS model
             FROM tag_links tl JOIN tags t ON t.id = tl.tag_id JOIN user_metadata um ON um.id = tl.metadata_id
             LEFT JOIN models m ON m.metadata_id = um.id
             WHERE um.content_identity_uuid IS NOT NULL OR m.sync_strategy = 1 ORDER BY tl.rowid`)
      .all() as Array<{ name: string; hlc_timestamp: string | null; content: Buffer | null; model: Buffer | null }>;
    for (const l of links) {
      const key = l.content ? syncKey.tagLink("content", blobToUuid(l.content), l.name) : syncKey.tagLink("model", blobToUuid(l.model!), l.name);
      stampRow(library, "tag_link", key, ["@"], l.hlc_timestamp ?? library.hlc.now(), false);
    }
    const collections = library.stmt("SELECT id, uuid FROM collections ORDER BY id").all() as Array<{ id: number; uuid: Buffer }>;
    for (const c of collections) {
      const uuid = blobToUuid(c.uuid);
      stampRow(library, "collection", uuid, ["@", "name"], library.hlc.now(), false);
      const items = library
        .stmt(`SELECT ci.content_uuid, ci.model_uuid FROM collection_items ci LEFT JOIN models m ON m.uuid = ci.model_uuid
               WHERE ci.collection_id = ? AND (ci.content_uuid IS NOT NULL OR m.sync_strategy = 1) ORDER BY ci.id`)
        .all(c.id) as Array<{ content_uuid: Buffer | null; model_uuid: Buffer | null }>;
      for (const i of items) {
        const key = i.content_uuid ? syncKey.collectionItem(uuid, "content", blobToUuid(i.content_uuid)) : syncKey.collectionItem(uuid, "model", blobToUuid(i.model_uuid!));
        stampRow(library, "collection_item", key, ["@"], library.hlc.now(), false);
      }
    }
  });
}
