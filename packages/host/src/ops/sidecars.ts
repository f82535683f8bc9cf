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

/** Writer of the sidecars the indexer produces. */
export const CORE_WRITER = "core";

export const sidecarOps: OpHandlers = {
  "sidecars.read": (ctx, request) => {
    ctx.grants.requireReadSidecar(request.kind);
    const content = requireVisibleContent(ctx, request.contentUuid);
    const row = ctx.library.stmt("SELECT data, written_by FROM sidecars WHERE content_uuid = ? AND kind = ?").get(content, request.kind) as
      | { data: string; written_by: string }
      | undefined;
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
      const row = ctx.library.stmt("SELECT written_by FROM sidecars WHERE content_uuid = ? AND kind = ?").get(content, request.kind) as { written_by: string } | undefined;
      if (row && row.written_by !== ctx.extensionId) {
        throw permissionDenied("write_sidecars", `${ctx.extensionId} may not overwrite the "${request.kind}" sidecar of content ${request.contentUuid}: it was written by ${row.written_by === CORE_WRITER ? "the core" : "another extension"}`, target);
      }
      const now = new Date().toISOString();
      ctx.library
        .stmt(
          `INSERT INTO sidecars (content_uuid, kind, data, written_by, hlc_timestamp, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (content_uuid, kind) DO UPDATE SET data = excluded.data, hlc_timestamp = excluded.hlc_timestamp, updated_at = excluded.updated_at`,
        )
        .run(content, request.kind, toStoredJson(request.data ?? null), ctx.extensionId, ctx.library.hlc.now(), now, now);
      publish(ctx, { type: "sidecar_written", contentUuid: request.contentUuid, kind: request.kind });
    });
    return null;
  },
};
