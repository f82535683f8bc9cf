/**
 * models.*: an extension's own models, in the spec's `models` table.
 *
 * - Scope must match the model's declared scope; content/entry scopes need the content/entry to
 *   be visible to the extension (its read_entries grants).
 * - One content-scoped (or entry-scoped) model per (extension, model type, content|entry):
 *   creating it again updates that row (data replaced, listed blob fields replaced) and returns
 *   its existing UUID. This keeps re-running a job idempotent.
 * - Data and every blob value are validated against the manifest's schemas before anything is
 *   written; all writes of one call happen in one transaction.
 * - Versions: each row records the model version that wrote it. Installing a new version
 *   migrates rows whose data validates against the new schema and leaves the others at their old
 *   version; such a row is refused on read (`models.get` fails with SDX3002, `models.query` skips
 *   it) until the extension rewrites it with `models.update`.
 */
import type { ManifestModel } from "@sdx/sdk/manifest";
import type { WireModel } from "@sdx/sdk/protocol";
import { publish, type OpContext, type OpHandlers, type OpParsedRequest } from "./context.js";
import { requireOwnModel, requireNotPreview, requireReadableEntry, requireVisibleContent } from "./access.js";
import { decodeStoredBlob, prepareBlob, type PreparedBlob } from "../store/blobs.js";
import { validationFailed, SdxError } from "../errors.js";
import { countModels, queryModels, type ModelQuery } from "../store/model-query.js";
import {
  deleteModel, findModel, insertModel, isModelOf, modelBlobRows, modelExists, scopedModelUuid, updateModel, type ModelRow, type ModelScopeBlob,
} from "../store/models-store.js";
import { blobToUuid, contentModelUuid, newUuid, uuidToBlob } from "../store/uuid.js";

/** JSON text of inline data; typed arrays (if a schema allows them inline) are stored as plain arrays. */
export function toStoredJson(data: unknown): string {
  // Top-level fields in name order: two devices that merged the same fields store the same bytes.
  if (data !== null && typeof data === "object" && !Array.isArray(data) && !ArrayBuffer.isView(data)) {
    const record = data as Record<string, unknown>;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(record).sort()) sorted[key] = record[key];
    data = sorted;
  }
  // The replacer is a call back into JavaScript per value: only when something needs it.
  if (!needsReplacer(data, 0)) return JSON.stringify(data);
  return JSON.stringify(data, (_key, value: unknown) => {
    if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return Array.from(value as unknown as ArrayLike<number>);
    if (typeof value === "bigint") return value.toString();
    return value;
  });
}

/** Whether a value holds a typed array or a bigint (deep or odd values: assume so). */
function needsReplacer(value: unknown, depth: number): boolean {
  if (typeof value === "bigint") return true;
  if (value === null || typeof value !== "object") return false;
  if (depth > 32 || ArrayBuffer.isView(value)) return true;
  if (Array.isArray(value)) return value.some((item) => needsReplacer(item, depth + 1));
  for (const key in value) if (needsReplacer((value as Record<string, unknown>)[key], depth + 1)) return true;
  return false;
}

function resolveScope(ctx: OpContext, model: ManifestModel, scope: OpParsedRequest<"models.create">["scope"]): { blob: ModelScopeBlob; label: string } {
  const declared = model.scope;
  if ("content" in scope && declared === "content") return { blob: { content: requireVisibleContent(ctx, scope.content) }, label: `content ${scope.content}` };
  if ("entry" in scope && declared === "entry") return { blob: { entry: requireReadableEntry(ctx, scope.entry).uuid }, label: `entry ${scope.entry}` };
  if ("standalone" in scope && declared === "standalone") return { blob: { standalone: true }, label: "standalone" };
  const use = declared === "content" ? "createModelForContent" : declared === "entry" ? "createModelForEntry" : "createModel";
  throw validationFailed(`${model.name} is a ${declared}-scoped model: create it with ${use}`);
}

async function prepareBlobs(ctx: OpContext, model: ManifestModel, blobs: Record<string, unknown>): Promise<Map<string, PreparedBlob | null>> {
  const out = new Map<string, PreparedBlob | null>();
  for (const [field, value] of Object.entries(blobs)) {
    const options = ctx.validators.blobField(model.name, field);
    if (!options) {
      throw validationFailed(`${model.name} has no blob field "${field}" (its blob fields: ${model.blobFields.map((b) => b.name).join(", ") || "none"})`);
    }
    if (value === null || value === undefined) {
      out.set(field, null); // removes the field's blob
      continue;
    }
    ctx.validators.validateBlob(model.name, field, value);
    out.set(field, await prepareBlob(value, { compression: options.compression, quantize: options.quantize }));
  }
  return out;
}

function scopeOf(row: ModelRow): WireModel["scope"] {
  if (row.content_identity_uuid) return { content: blobToUuid(row.content_identity_uuid) };
  if (row.entry_uuid) return { entry: blobToUuid(row.entry_uuid) };
  return { standalone: true };
}

/** Rows written by another version of the model must still validate against the current schema. */
function checkRowVersion(ctx: OpContext, model: ManifestModel, row: ModelRow, data: unknown): void {
  if (row.version === null || row.version === model.version) return;
  try {
    ctx.validators.validateData(model.name, data);
  } catch (error) {
    if (!(error instanceof SdxError)) throw error;
    throw validationFailed(
      `${model.name} ${blobToUuid(row.uuid)} was stored by version ${row.version} and does not match version ${model.version}'s schema; rewrite it with updateModel (${error.message})`,
    );
  }
}

/** The wire form; loads the given blob fields (none for inline-only reads). */
async function toWire(ctx: OpContext, model: ManifestModel, row: ModelRow, blobFields: readonly string[]): Promise<WireModel> {
  const data = JSON.parse(row.data) as Record<string, unknown>;
  checkRowVersion(ctx, model, row, data);
  const blobs: Record<string, unknown> = {};
  for (const blobRow of modelBlobRows(ctx.library, row.uuid, blobFields)) blobs[blobRow.blob_key] = await decodeStoredBlob(blobRow);
  return {
    uuid: blobToUuid(row.uuid), modelType: row.model_type, version: row.version ?? model.version, scope: scopeOf(row),
    data, blobs, createdAt: row.created_at, updatedAt: row.updated_at,
  };
}

/** Blob fields loaded with the model: the non-lazy ones. Lazy ones only through models.loadBlob. */
function eagerBlobFields(model: ManifestModel): string[] {
  return model.blobFields.filter((b) => !b.lazy).map((b) => b.name);
}

export const modelOps: OpHandlers = {
  "models.create": async (ctx, request) => {
    requireNotPreview(ctx, "models.create");
    const model = ctx.validators.requireModel(request.modelType);
    const scope = resolveScope(ctx, model, request.scope);
    ctx.validators.validateData(model.name, request.data);
    const blobs = await prepareBlobs(ctx, model, request.blobs);
    const dataJson = toStoredJson(request.data);
    return ctx.library.transaction(() => {
      const existing = "standalone" in scope.blob ? undefined : scopedModelUuid(ctx.library, ctx.extensionId, model.name, scope.blob);
      if (existing) {
        const uuid = blobToUuid(existing);
        updateModel(ctx.library, uuid, { dataJson, version: model.version, sync: model.sync, blobs });
        publish(ctx, { type: "model_created", modelType: model.name, uuid, scope: scope.label, upsert: true });
        return { uuid };
      }
      // Content-scoped: derived from the content (the same model on every device, see contentModelUuid).
      const uuid = "content" in request.scope ? contentModelUuid(ctx.extensionId, model.name, request.scope.content) : ctx.writeUuid ?? newUuid();
      if (ctx.writeUuid && isModelOf(ctx.library, uuidToBlob(uuid), ctx.extensionId)) {
        return { uuid }; // a repeated write of a resumed job: the row exists (see OpContext.writeUuid)
      }
      const present = new Map([...blobs].filter((pair): pair is [string, PreparedBlob] => pair[1] !== null));
      insertModel(ctx.library, { uuid, extensionId: ctx.extensionId, modelType: model.name, version: model.version, scope: scope.blob, dataJson, sync: model.sync, blobs: present });
      publish(ctx, { type: "model_created", modelType: model.name, uuid, scope: scope.label, upsert: false });
      return { uuid };
    });
  },

  "models.get": async (ctx, request) => {
    const model = ctx.validators.requireModel(request.modelType);
    const by = request.by;
    const key = "uuid" in by ? { uuid: uuidToBlob(by.uuid) } : "content" in by ? { content: uuidToBlob(by.content) } : { entry: uuidToBlob(by.entry) };
    const row = findModel(ctx.library, ctx.extensionId, model.name, key);
    return { model: row ? await toWire(ctx, model, row, eagerBlobFields(model)) : null };
  },

  "models.query": async (ctx, request) => {
    const model = ctx.validators.requireModel(request.modelType);
    const blobNames = new Set(model.blobFields.map((b) => b.name));
    const query: ModelQuery = {
      extensionId: ctx.extensionId, modelType: request.modelType, inlineFields: ctx.validators.inlineFields(model.name), blobFields: blobNames,
      filters: request.filters, contentUuid: request.contentUuid === undefined ? undefined : uuidToBlob(request.contentUuid), tag: request.tag,
      orderBy: request.orderBy, limit: request.limit, offset: request.offset,
    };
    if (request.countOnly) return { models: [], count: countModels(ctx.library, query) };
    const rows = queryModels(ctx.library, query);
    const fields = request.inlineOnly ? [] : eagerBlobFields(model);
    const models: WireModel[] = [];
    for (const row of rows) {
      try {
        models.push(await toWire(ctx, model, row, fields));
      } catch (error) {
        // A row of an incompatible older version is skipped (see the header), anything else fails.
        if (!(error instanceof SdxError && error.code === "SDX3002")) throw error;
      }
    }
    return { models };
  },

  "models.loadBlob": async (ctx, request) => {
    const row = requireOwnModel(ctx, "models.loadBlob", request.modelUuid);
    const model = ctx.validators.requireModel(row.model_type);
    if (!model.blobFields.some((b) => b.name === request.field)) {
      throw validationFailed(`${model.name} has no blob field "${request.field}" (its blob fields: ${model.blobFields.map((b) => b.name).join(", ") || "none"})`);
    }
    const [blobRow] = modelBlobRows(ctx.library, row.uuid, [request.field]);
    return { value: blobRow ? await decodeStoredBlob(blobRow) : null };
  },

  "models.update": async (ctx, request) => {
    requireNotPreview(ctx, "models.update");
    const model = ctx.validators.requireModel(request.modelType);
    requireOwnModel(ctx, "models.update", request.uuid, model.name);
    ctx.validators.validateData(model.name, request.data);
    const blobs = await prepareBlobs(ctx, model, request.blobs);
    const dataJson = toStoredJson(request.data);
    ctx.library.transaction(() => {
      updateModel(ctx.library, request.uuid, { dataJson, version: model.version, sync: model.sync, blobs });
      publish(ctx, { type: "model_updated", modelType: model.name, uuid: request.uuid, blobs: [...blobs.keys()] });
    });
    return null;
  },

  "models.delete": (ctx, request) => {
    requireNotPreview(ctx, "models.delete");
    const model = ctx.validators.requireModel(request.modelType);
    // A repeated delete of a resumed job: already gone (see OpContext.writeUuid).
    if (ctx.writeUuid && !modelExists(ctx.library, uuidToBlob(request.uuid))) return null;
    const row = requireOwnModel(ctx, "models.delete", request.uuid, model.name);
    ctx.library.transaction(() => {
      deleteModel(ctx.library, row.uuid);
      publish(ctx, { type: "model_deleted", modelType: model.name, uuid: request.uuid });
    });
    return null;
  },
};
