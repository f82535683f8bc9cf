/**
 * tags.*: tags on content (seen by every entry with that content), on entries and on models.
 * Adding and removing need write_tags and a target the extension can see; listing needs only the
 * latter. An entry's list includes its content's tags.
 */
import { publish, type OpHandlers } from "./context.js";
import { metadataIdOf, resolveTarget, touchMetadata } from "./library-targets.js";
import { requireNotPreview } from "./access.js";
import { newUuid, uuidToBlob } from "../store/uuid.js";

export const tagOps: OpHandlers = {
  "tags.add": (ctx, request) => {
    requireNotPreview(ctx, "tags.add");
    ctx.grants.requireWriteTags();
    const target = resolveTarget(ctx, "tags.add", request.target);
    ctx.library.transaction(() => {
      const now = new Date().toISOString();
      ctx.library.stmt("INSERT INTO tags (uuid, name, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING").run(uuidToBlob(newUuid()), request.tag, now);
      const tag = ctx.library.stmt("SELECT id FROM tags WHERE name = ?").get(request.tag) as { id: number };
      const metadataId = metadataIdOf(ctx, target, true) as number;
      const added = ctx.library
        .stmt("INSERT INTO tag_links (tag_id, metadata_id, created_at, hlc_timestamp) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING")
        .run(tag.id, metadataId, now, ctx.library.hlc.now()).changes;
      if (added) touchMetadata(ctx, metadataId);
      publish(ctx, { type: "tag_added", target: target.label, tag: request.tag, changed: added > 0 });
    });
    return null;
  },

  "tags.remove": (ctx, request) => {
    requireNotPreview(ctx, "tags.remove");
    ctx.grants.requireWriteTags();
    const target = resolveTarget(ctx, "tags.remove", request.target);
    ctx.library.transaction(() => {
      const metadataId = metadataIdOf(ctx, target, false);
      let removed = 0;
      if (metadataId !== null) {
        removed = ctx.library
          .stmt("DELETE FROM tag_links WHERE metadata_id = ? AND tag_id = (SELECT id FROM tags WHERE name = ?)")
          .run(metadataId, request.tag).changes;
        if (removed) touchMetadata(ctx, metadataId);
      }
      publish(ctx, { type: "tag_removed", target: target.label, tag: request.tag, changed: removed > 0 });
    });
    return null;
  },

  "tags.list": (ctx, request) => {
    const target = resolveTarget(ctx, "tags.list", request.target);
    const ids: number[] = [];
    const own = metadataIdOf(ctx, target, false);
    if (own !== null) ids.push(own);
    if (target.kind === "entry") {
      const content = ctx.library
        .stmt("SELECT um.id FROM entries e JOIN user_metadata um ON um.content_identity_uuid = e.content_identity_uuid WHERE e.uuid = ?")
        .get(target.blob) as { id: number } | undefined;
      if (content) ids.push(content.id);
    }
    if (ids.length === 0) return { tags: [] };
    const rows = ctx.library
      .stmt("SELECT DISTINCT t.name FROM tag_links tl JOIN tags t ON t.id = tl.tag_id WHERE tl.metadata_id IN (SELECT value FROM json_each(?)) ORDER BY t.name")
      .all(JSON.stringify(ids)) as Array<{ name: string }>;
    return { tags: rows.map((r) => r.name) };
  },
};
