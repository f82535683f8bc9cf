/**
 * Access to the library's objects from one extension's point of view. Handlers call these before
 * touching anything, so every op applies the same rules:
 *
 * - an entry is visible when the extension's read_entries grants cover it (glob and scope);
 * - content is visible when a visible entry points at it, or the extension already holds a model
 *   on it (content-scoped models outlive their entries);
 * - a model is visible only to the extension that created it. Another extension's model is
 *   reported as not found (its existence is not revealed) and the attempt is audited as denied.
 */
import { publish, type OpContext } from "./context.js";
import { markReported, notFound, permissionDenied, sdxError } from "../errors.js";
import { contentExists, entryAbsolutePath, entryByUuid, entryPathsOfContent, type EntryRow } from "../store/entries-store.js";
import { hasModelOnContent, modelByUuid, type ModelRow } from "../store/models-store.js";
import { uuidToBlob } from "../store/uuid.js";

export function requireReadableEntry(ctx: OpContext, entryUuid: string): EntryRow {
  const row = entryByUuid(ctx.library, uuidToBlob(entryUuid));
  if (!row) throw notFound(`entry ${entryUuid}`);
  ctx.grants.requireReadEntry(entryAbsolutePath(row), row.relative_path, `entry ${entryUuid}`);
  return row;
}

function hasVisibleEntry(ctx: OpContext, contentUuid: Buffer): boolean {
  for (const row of entryPathsOfContent(ctx.library, contentUuid)) {
    if (ctx.grants.canReadEntry(entryAbsolutePath(row), row.relative_path)) return true;
  }
  return false;
}

export function contentVisible(ctx: OpContext, contentUuid: Buffer): boolean {
  return hasVisibleEntry(ctx, contentUuid) || hasModelOnContent(ctx.library, ctx.extensionId, contentUuid);
}

/** The content's BLOB uuid; NotFound if it does not exist, PermissionDenied(read_entries) if not visible. */
export function requireVisibleContent(ctx: OpContext, contentUuid: string): Buffer {
  const blob = uuidToBlob(contentUuid);
  // A visible entry proves the content exists (entries reference it): one query on the usual path.
  if (hasVisibleEntry(ctx, blob)) return blob;
  if (!contentExists(ctx.library, blob)) throw notFound(`content ${contentUuid}`);
  if (!hasModelOnContent(ctx.library, ctx.extensionId, blob)) {
    ctx.grants.requireReadEntries(`read content ${contentUuid}`);
    throw permissionDenied("read_entries", `${ctx.extensionId} may not use content ${contentUuid}: none of its entries lies inside what the user granted read_entries for`, `content ${contentUuid}`);
  }
  return blob;
}

/** A model of the calling extension, or NotFound (audited as denied when it belongs to another extension). */
export function requireOwnModel(ctx: OpContext, op: string, modelUuid: string, modelType?: string): ModelRow {
  const row = modelByUuid(ctx.library, uuidToBlob(modelUuid));
  const missing = () => notFound(modelType ? `${modelType} model ${modelUuid}` : `model ${modelUuid}`);
  if (row && row.extension_id !== ctx.extensionId) {
    publish(ctx, { type: "access_denied", op, target: `model ${modelUuid}`, detail: { reason: "model of another extension" } });
    throw markReported(missing());
  }
  if (!row || (modelType !== undefined && row.model_type !== modelType)) throw missing();
  return row;
}

/** Mutations are not allowed while an action is previewing (the guest records them as planned changes). */
export function requireNotPreview(ctx: OpContext, op: string): void {
  if (ctx.phase === "preview") {
    throw sdxError("SDX3015", `${op} changes the library and cannot run during an action preview`);
  }
}
