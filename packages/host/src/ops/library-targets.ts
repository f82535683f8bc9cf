/**
 * Things tags, collections and custom metadata attach to (content, entries, models), resolved
 * with the extension's visibility rules, and the `user_metadata` row each one hangs off:
 * content and entries get one on first use (content-scoped, so every entry with that content
 * sees its tags), a model has its own from creation.
 */
import type { OpContext } from "./context.js";
import { contentVisible, requireOwnModel, requireReadableEntry, requireVisibleContent } from "./access.js";
import { entryAbsolutePath, entryByUuid } from "../store/entries-store.js";
import { insertMetadataRow, metadataIdOf as storedMetadataIdOf, touchMetadata as touchMetadataRow } from "../store/metadata-store.js";
import { isModelOf } from "../store/models-store.js";
import { uuidToBlob } from "../store/uuid.js";

export type TargetRef = { content: string } | { entry: string } | { model: string };

export interface ResolvedTarget {
  kind: "content" | "entry" | "model";
  uuid: string;
  blob: Buffer;
  label: string;
  /** For models: their user_metadata row. */
  metadataId?: number;
}

/** Resolves a target the extension may use, or throws NotFound / PermissionDenied. */
export function resolveTarget(ctx: OpContext, op: string, target: TargetRef): ResolvedTarget {
  if ("content" in target) return { kind: "content", uuid: target.content, blob: requireVisibleContent(ctx, target.content), label: `content ${target.content}` };
  if ("entry" in target) return { kind: "entry", uuid: target.entry, blob: requireReadableEntry(ctx, target.entry).uuid, label: `entry ${target.entry}` };
  const model = requireOwnModel(ctx, op, target.model);
  return { kind: "model", uuid: target.model, blob: model.uuid, label: `model ${target.model}`, metadataId: model.metadata_id };
}

/** Whether the target is visible, without throwing or auditing (for filtering lists). */
export function targetVisible(ctx: OpContext, target: TargetRef): boolean {
  if ("content" in target) return contentVisible(ctx, uuidToBlob(target.content));
  if ("entry" in target) {
    const row = entryByUuid(ctx.library, uuidToBlob(target.entry));
    return row !== undefined && ctx.grants.canReadEntry(entryAbsolutePath(row), row.relative_path);
  }
  return isModelOf(ctx.library, uuidToBlob(target.model), ctx.extensionId);
}

/** The target's user_metadata id; creates the row for content/entries when `create` (inside a transaction). */
export function metadataIdOf(ctx: OpContext, target: ResolvedTarget, create: boolean): number | null {
  if (target.kind === "model") return target.metadataId ?? null;
  const owner = { kind: target.kind, uuid: target.blob };
  const id = storedMetadataIdOf(ctx.library, owner);
  if (id !== undefined) return id;
  if (!create) return null;
  return insertMetadataRow(ctx.library, owner);
}

/** Stamps a user_metadata row as changed (sync needs the HLC of every write). */
export function touchMetadata(ctx: OpContext, metadataId: number): void {
  touchMetadataRow(ctx.library, metadataId);
}
