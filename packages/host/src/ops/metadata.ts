/**
 * metadata.setCustom: the extension's own key in `user_metadata.custom_data` of content or an
 * entry (`custom_data["<extension id>"] = data`; `null` removes the key). Other extensions' keys
 * are untouched. Needs write_custom_metadata and a target the extension can see.
 */
import { publish, type OpHandlers } from "./context.js";
import { toStoredJson } from "./models.js";
import { metadataIdOf, resolveTarget } from "./library-targets.js";
import { requireNotPreview } from "./access.js";

export const metadataOps: OpHandlers = {
  "metadata.setCustom": (ctx, request) => {
    requireNotPreview(ctx, "metadata.setCustom");
    ctx.grants.requireWriteCustomMetadata();
    const target = resolveTarget(ctx, "metadata.setCustom", request.target);
    // The extension id is a reverse-DNS name ([a-z0-9.-]), so the quoted JSON path is safe; it is bound anyway.
    const jsonPath = `$."${ctx.extensionId}"`;
    ctx.library.transaction(() => {
      const metadataId = metadataIdOf(ctx, target, true) as number;
      const now = new Date().toISOString();
      const hlc = ctx.library.hlc.now();
      if (request.data === null || request.data === undefined) {
        ctx.library.stmt("UPDATE user_metadata SET custom_data = json_remove(custom_data, ?), hlc_timestamp = ?, updated_at = ? WHERE id = ?").run(jsonPath, hlc, now, metadataId);
      } else {
        ctx.library
          .stmt("UPDATE user_metadata SET custom_data = json_set(custom_data, ?, json(?)), hlc_timestamp = ?, updated_at = ? WHERE id = ?")
          .run(jsonPath, toStoredJson(request.data), hlc, now, metadataId);
      }
      publish(ctx, { type: "custom_metadata_set", target: target.label });
    });
    return null;
  },
};
