/**
 * metadata.setCustom: the extension's own key in `user_metadata.custom_data` of content or an
 * entry (`custom_data["<extension id>"] = data`; `null` removes the key). Other extensions' keys
 * are untouched. Needs write_custom_metadata and a target the extension can see.
 */
import { publish, type OpHandlers } from "./context.js";
import { toStoredJson } from "./models.js";
import { metadataIdOf, resolveTarget } from "./library-targets.js";
import { requireNotPreview } from "./access.js";
import { setCustomData } from "../store/metadata-store.js";

export const metadataOps: OpHandlers = {
  "metadata.setCustom": (ctx, request) => {
    requireNotPreview(ctx, "metadata.setCustom");
    ctx.grants.requireWriteCustomMetadata();
    const target = resolveTarget(ctx, "metadata.setCustom", request.target);
    ctx.library.transaction(() => {
      const metadataId = metadataIdOf(ctx, target, true) as number;
      setCustomData(ctx.library, metadataId, ctx.extensionId, request.data === null || request.data === undefined ? null : toStoredJson(request.data));
      publish(ctx, { type: "custom_metadata_set", target: target.label });
    });
    return null;
  },
};
