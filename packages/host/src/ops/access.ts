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
import { entriesOfContent, entryAbsolutePath, entryByUuid, type EntryRow } from "../store/entries-store.js";
import { uuidToBlob } from "../store/uuid.js";

export function requireReadableEntry(ctx: OpContext, entryUuid: string): EntryRow {
  const row = entryByUuid(ctx.library, uuidToBlob(entryUuid));
  if (!row) throw notFound(`entry ${entryUuid}`);
  ctx.grants.requireReadEntry(entryAbsolutePath(row), row.relative_path, `entry ${entryUuid}`);
  return row;
}

export function contentVisible(ctx: OpContext, contentUuid: Buffer): boolean {
  for (const row of entriesOfContent(ctx.library, contentUuid)) {
    if (ctx.grants.canReadEntry(entryAbsolutePath(row), row.relative_path)) return true;
  }
  return ctx.library.stmt("SELECT 1 FROM models WHERE extension_id = ? AND content_identity_uuid = ? LIMIT 1").get(ctx.extensionId, contentUuid) !== undefined;
}

/** The content's BLOB uuid; NotFound if it does not exist, PermissionDenied(read_entries) if not visible. */
export function requireVisibleContent(ctx: OpContext, contentUuid: string): Buffer {
  const blob = uuidToBlob(contentUuid);
  if (!ctx.library.stmt("SELECT 1 FROM content_identities WHERE uuid = ?").get(blob)) throw notFound(`content ${contentUuid}`);
  if (!contentVisible(ctx, blob)) {
    ctx.grants.requireReadEntries(`read content ${contentUuid}`);
    throw permissionDenied("read_entries", `${ctx.extensionId} may not use content ${contentUuid}: none of its entries lies inside what the user granted read_entries for`, `content ${contentUuid}`);
  }
  return blob;
}

export interface ModelRow {
  id: number;
  uuid: Buffer;
  extension_id: string;
  model_type: string;
  data: string;
  entry_uuid: Buffer | null;
  content_identity_uuid: Buffer | null;
  standalone: number;
  metadata_id: number;
  created_at: string;
  updated_at: string;
  version: string | null;
}

export const MODEL_COLUMNS = `m.id, m.uuid, m.extension_id, m.model_type, m.data, m.entry_uuid, m.content_identity_uuid,
  m.standalone, m.metadata_id, m.created_at, m.updated_at, v.version`;

/** A model of the calling extension, or NotFound (audited as denied when it belongs to another extension). */
export function requireOwnModel(ctx: OpContext, op: string, modelUuid: string, modelType?: string): ModelRow {
  const row = ctx.library
    .stmt(`SELECT ${MODEL_COLUMNS} FROM models m LEFT JOIN model_versions v ON v.model_uuid = m.uuid WHERE m.uuid = ?`)
    .get(uuidToBlob(modelUuid)) as ModelRow | undefined;
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
