/**
 * sidecars.*: derived data per content and kind ("exif", "thumbnail", "ocr", or an extension's
 * own kinds). Reading needs read_sidecars for the kind, writing write_sidecars; both need content
 * the extension can see. A sidecar belongs to its writer: core's and another extension's
 * sidecars cannot be overwritten, and another extension's sidecars read as absent.
 */
import { publish, type OpHandlers } from "./context.js";
import { toStoredJson } from "./models.js";
import { requireNotPreview, requireVisibleContent } from "./access.js";
import { permissionDenied } from "../errors.js";
import { CORE_WRITER, sidecarOf, sidecarWriter, writeSidecar } from "../store/sidecars-store.js";

export { CORE_WRITER } from "../store/sidecars-store.js";

export const sidecarOps: OpHandlers = {
  "sidecars.read": (ctx, request) => {
    ctx.grants.requireReadSidecar(request.kind);
    const content = requireVisibleContent(ctx, request.contentUuid);
    const row = sidecarOf(ctx.library, content, request.kind);
    if (!row) return { data: null };
    if (row.written_by !== CORE_WRITER && row.written_by !== ctx.extensionId) {
      publish(ctx, { type: "access_denied", op: "sidecars.read", target: `content ${request.contentUuid} ${request.kind}`, detail: { reason: "sidecar of another extension" } });
      return { data: null };
    }
    return { data: JSON.parse(row.data) as unknown };
  },

  "sidecars.write": (ctx, request) => {
    requireNotPreview(ctx, "sidecars.write");
    ctx.grants.requireWriteSidecar(request.kind);
    const content = requireVisibleContent(ctx, request.contentUuid);
    const target = `content ${request.contentUuid} ${request.kind}`;
    ctx.library.transaction(() => {
      const writer = sidecarWriter(ctx.library, content, request.kind);
      if (writer !== undefined && writer !== ctx.extensionId) {
        throw permissionDenied("write_sidecars", `${ctx.extensionId} may not overwrite the "${request.kind}" sidecar of content ${request.contentUuid}: it was written by ${writer === CORE_WRITER ? "the core" : "another extension"}`, target);
      }
      const now = new Date().toISOString();
      writeSidecar(ctx.library, content, request.kind, toStoredJson(request.data ?? null), ctx.extensionId, now);
      publish(ctx, { type: "sidecar_written", contentUuid: request.contentUuid, kind: request.kind });
    });
    return null;
  },
};
