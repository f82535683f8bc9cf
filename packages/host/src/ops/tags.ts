/**
 * tags.*: tags on content (seen by every entry with that content), on entries and on models.
 * Adding and removing need write_tags and a target the extension can see; listing needs only the
 * latter. An entry's list includes its content's tags.
 */
import { publish, type OpHandlers } from "./context.js";
import { metadataIdOf, resolveTarget, touchMetadata } from "./library-targets.js";
import { requireNotPreview } from "./access.js";
import { contentMetadataIdOfEntry } from "../store/metadata-store.js";
import { ensureTag, linkTag, tagNamesOf, unlinkTag } from "../store/tags-store.js";

export const tagOps: OpHandlers = {
  "tags.add": (ctx, request) => {
    requireNotPreview(ctx, "tags.add");
    ctx.grants.requireWriteTags();
    const target = resolveTarget(ctx, "tags.add", request.target);
    ctx.library.transaction(() => {
      const now = new Date().toISOString();
      const tagId = ensureTag(ctx.library, request.tag, now);
      const metadataId = metadataIdOf(ctx, target, true) as number;
      const added = linkTag(ctx.library, tagId, metadataId, now);
      if (added) touchMetadata(ctx, metadataId);
      publish(ctx, { type: "tag_added", target: target.label, tag: request.tag, changed: added });
    });
    return null;
  },

  "tags.remove": (ctx, request) => {
    requireNotPreview(ctx, "tags.remove");
    ctx.grants.requireWriteTags();
    const target = resolveTarget(ctx, "tags.remove", request.target);
    ctx.library.transaction(() => {
      const metadataId = metadataIdOf(ctx, target, false);
      let removed = false;
      if (metadataId !== null) {
        removed = unlinkTag(ctx.library, metadataId, request.tag);
        if (removed) touchMetadata(ctx, metadataId);
      }
      publish(ctx, { type: "tag_removed", target: target.label, tag: request.tag, changed: removed });
    });
    return null;
  },

  "tags.list": (ctx, request) => {
    const target = resolveTarget(ctx, "tags.list", request.target);
    const ids: number[] = [];
    const own = metadataIdOf(ctx, target, false);
    if (own !== null) ids.push(own);
    if (target.kind === "entry") {
      const content = contentMetadataIdOfEntry(ctx.library, target.blob);
      if (content !== undefined) ids.push(content);
    }
    if (ids.length === 0) return { tags: [] };
    return { tags: tagNamesOf(ctx.library, ids) };
  },
};
