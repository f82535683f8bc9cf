/**
 * The library's host operations (entries, models, tags, collections, sidecars, custom metadata),
 * each wrapped so that a denial is always audited: a `PermissionDenied` (SDX3001) is written to
 * the audit log with the op and its target before it reaches the dispatcher, and a failed
 * mutation is audited as an error. Successful mutations are audited by the handlers themselves,
 * inside their transaction. `HostOpError.audited` tells the dispatcher not to audit again.
 */
import type { OpName } from "@sdx/sdk/protocol";
import type { OpContext, OpHandler, OpHandlers } from "./context.js";
import { collectionOps } from "./collections.js";
import { entryOps } from "./entries.js";
import { metadataOps } from "./metadata.js";
import { modelOps } from "./models.js";
import { sidecarOps } from "./sidecars.js";
import { tagOps } from "./tags.js";
import { isHostOpError } from "../store/errors.js";

/** Ops that change the library (audited, refused during action previews). */
export const MUTATING_LIBRARY_OPS: ReadonlySet<OpName> = new Set<OpName>([
  "models.create", "models.update", "models.delete", "tags.add", "tags.remove",
  "collections.create", "collections.add", "sidecars.write", "metadata.setCustom",
]);

/** A short description of what a request touches, for the audit log. */
function describeTarget(request: unknown): string {
  if (request === null || typeof request !== "object") return "";
  const r = request as Record<string, unknown>;
  const pick = r.target ?? r.scope ?? r.by ?? r.location ?? r.entryUuid ?? r.uuid ?? r.modelUuid ?? r.contentUuid ?? r.collection ?? r.modelType;
  const text = typeof pick === "string" ? pick : JSON.stringify(pick ?? {});
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

function audited<O extends OpName>(op: O, handler: OpHandler<O>): OpHandler<O> {
  return async (ctx: OpContext, request) => {
    try {
      return await handler(ctx, request);
    } catch (error) {
      if (isHostOpError(error) && !error.audited) {
        if (error.code === "SDX3001") {
          ctx.audit(op, error.auditTarget ?? describeTarget(request), "denied", { permission: (error.data as { permission?: string } | undefined)?.permission, message: error.message });
          error.audited = true;
        } else if (MUTATING_LIBRARY_OPS.has(op)) {
          ctx.audit(op, describeTarget(request), "error", { code: error.code, message: error.message });
          error.audited = true;
        }
      } else if (!isHostOpError(error) && MUTATING_LIBRARY_OPS.has(op)) {
        ctx.audit(op, describeTarget(request), "error", { message: (error as Error)?.message ?? String(error) });
      }
      throw error;
    }
  };
}

function wrapAll(...groups: OpHandlers[]): OpHandlers {
  const out: Record<string, unknown> = {};
  for (const group of groups) {
    for (const [op, handler] of Object.entries(group)) out[op] = audited(op as OpName, handler as OpHandler<OpName>);
  }
  return out as OpHandlers;
}

export const libraryOps: OpHandlers = wrapAll(entryOps, modelOps, tagOps, collectionOps, sidecarOps, metadataOps);
