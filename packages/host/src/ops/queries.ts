/**
 * queries.run: named queries (`@query()` methods, and the filter language of ui_manifest.json),
 * compiled to SQL by store/named-query.ts and answered page by page.
 *
 * - The spec is checked against the calling extension's manifest (`checkQuery`): a model source is
 *   one of its own models, every field is one it has, every sidecar kind one it may read.
 * - Parameters are bound, never spelled into SQL; a declared parameter left out drops the filters
 *   that use it (optional filters), an undeclared or mistyped one is SDX3055.
 * - Entries outside the read_entries grants are skipped row by row, exactly as `entries.query`
 *   does; one call scans at most `MAX_SCAN` candidate rows and answers with what it found and a
 *   cursor, so a query over a million rows is paged and never loaded whole.
 * - Each row says what it is (model or entry) with what a generic view needs: a title, a date, a
 *   place, and a thumbnail only for content the extension may see.
 */
import { checkQuery, resolveField, type QuerySpec, type QueryFilter, type ResolvedField, type QueryPage, type QueryRow, isParamRef, MAX_QUERY_LIMIT } from "@sdx/sdk/query";
import type { ManifestParam } from "@sdx/sdk/manifest";
import type { OpContext, OpHandlers } from "./context.js";
import { contentVisible } from "./access.js";
import { sdxError, SdxError } from "../errors.js";
import { entriesOfContent, entryAbsolutePath } from "../store/entries-store.js";
import { findModel } from "../store/models-store.js";
import { contentsListing, queryBatch, type QueryEntryRow, type QueryModelRow, type QueryPlan, type QueryPosition } from "../store/named-query.js";
import { CORE_WRITER, hasSidecar, sidecarOf } from "../store/sidecars-store.js";
import { blobToUuid, uuidToBlob } from "../store/uuid.js";

export const DEFAULT_PAGE = 100;
/** Candidate rows one call may look at before it answers with what it has. */
export const MAX_SCAN = 5000;
const BATCH = 250;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface QueryRequest {
  spec: QuerySpec;
  params: readonly ManifestParam[];
  values: Readonly<Record<string, unknown>>;
  limit?: number;
  cursor?: string | null;
}

const refused = (message: string) => sdxError("SDX3055", message);

/** The named query `name` of the calling extension. */
export function namedQuery(ctx: OpContext, name: string): { spec: QuerySpec; params: ManifestParam[] } {
  const query = ctx.manifest.queries.find((q) => q.name === name);
  if (!query) throw refused(`${ctx.extensionId} declares no query "${name}" (its queries: ${ctx.manifest.queries.map((q) => q.name).join(", ") || "none"})`);
  const { name: _name, label: _label, params, ...spec } = query;
  return { spec, params };
}

function typeMatches(schema: Record<string, unknown>, value: unknown): boolean {
  const types = Array.isArray(schema.type) ? (schema.type as string[]) : typeof schema.type === "string" ? [schema.type] : null;
  if (!types) return true; // a schema without a type (any JSON) takes anything
  return types.some((t) =>
    t === "string" ? typeof value === "string" : t === "number" ? typeof value === "number" && Number.isFinite(value)
      : t === "integer" ? Number.isInteger(value) : t === "boolean" ? typeof value === "boolean" : t === "null" ? value === null
        : t === "array" ? Array.isArray(value) : false);
}

function bindParams(params: readonly ManifestParam[], values: Readonly<Record<string, unknown>>): Map<string, unknown> {
  const bound = new Map<string, unknown>();
  for (const name of Object.keys(values)) {
    if (!params.some((p) => p.name === name)) throw refused(`the query has no parameter "${name}" (parameters: ${params.map((p) => p.name).join(", ") || "none"})`);
  }
  for (const param of params) {
    const value = values[param.name];
    if (value === undefined) {
      if (!param.optional) throw refused(`parameter "${param.name}" is missing`);
      continue;
    }
    if (!typeMatches(param.schema, value)) throw refused(`parameter "${param.name}" must be ${JSON.stringify(param.schema.type)}, got ${JSON.stringify(value)}`);
    bound.set(param.name, value);
  }
  return bound;
}

function encodeCursor(position: QueryPosition): string {
  return Buffer.from(JSON.stringify([position.key, position.id])).toString("base64url");
}

function decodeCursor(cursor: string | null | undefined): QueryPosition | null {
  if (cursor === null || cursor === undefined) return null;
  try {
    const value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown;
    if (Array.isArray(value) && value.length === 2 && Number.isSafeInteger(value[1]) && (value[1] as number) >= 0
      && (value[0] === null || typeof value[0] === "string" || typeof value[0] === "number")) {
      return { key: value[0] as string | number | null, id: value[1] as number };
    }
  } catch {
    // falls through to the refusal
  }
  throw refused("the cursor is not one this host returned");
}

function canReadSidecar(ctx: OpContext, kind: string): boolean {
  try {
    ctx.grants.requireReadSidecar(kind);
    return true;
  } catch (error) {
    if (error instanceof SdxError) return false;
    throw error;
  }
}

/** The plan of a checked spec; PermissionDenied when it reads a sidecar kind that was not granted. */
function plan(ctx: OpContext, spec: QuerySpec, declared: readonly ManifestParam[], bound: Map<string, unknown>): { plan: QueryPlan; values: unknown[] } {
  const problems = checkQuery(spec, ctx.manifest, declared.map((p) => p.name));
  if (problems.length) throw refused(problems.map((p) => `${p.path}: ${p.message}`).join("; "));
  const resolve = (field: string): ResolvedField => {
    const resolved = resolveField(spec, field, ctx.manifest) as ResolvedField;
    if (resolved.kind === "sidecar") ctx.grants.requireReadSidecar(resolved.sidecar);
    return resolved;
  };
  const filters: Array<{ filter: QueryFilter; field: ResolvedField }> = [];
  const values: unknown[] = [];
  for (const filter of spec.where) {
    const value = isParamRef(filter.value) ? bound.get(filter.value.param) : filter.value;
    if (isParamRef(filter.value) && !bound.has(filter.value.param)) continue; // an optional parameter left out
    if (filter.op === "in" && !Array.isArray(value)) throw refused(`${filter.field} in … needs a list`);
    filters.push({ filter, field: resolve(filter.field) });
    values.push(value);
  }
  const order = spec.orderBy ? { field: resolve(spec.orderBy.field), direction: spec.orderBy.direction } : undefined;
  for (const [key, field] of Object.entries(spec.show)) if (field !== undefined && key !== "coverFrom") resolve(field);
  return { plan: { extensionId: ctx.extensionId, spec, filters, ...(order ? { order } : {}) }, values };
}

function firstReadableEntry(ctx: OpContext, content: Buffer): { name: string; relative_path: string } | undefined {
  return entriesOfContent(ctx.library, content).find((row) => ctx.grants.canReadEntry(entryAbsolutePath(row), row.relative_path));
}

function thumbnailOf(ctx: OpContext, candidates: unknown): string | undefined {
  for (const value of Array.isArray(candidates) ? candidates : [candidates]) {
    if (typeof value !== "string" || !UUID.test(value)) continue;
    const blob = uuidToBlob(value.toLowerCase());
    if (hasSidecar(ctx.library, blob, "thumbnail") && contentVisible(ctx, blob)) return value.toLowerCase();
  }
  return undefined;
}

/** EXIF dates are "YYYY:MM:DD HH:MM:SS"; timelines want ISO text. */
function isoDate(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  const exif = /^(\d{4}):(\d{2}):(\d{2})[ T](\d{2}:\d{2}:\d{2})/.exec(value);
  return exif ? `${exif[1]}-${exif[2]}-${exif[3]}T${exif[4]}` : value;
}

function place(latitude: unknown, longitude: unknown): QueryRow["location"] {
  return typeof latitude === "number" && typeof longitude === "number" && Math.abs(latitude) <= 90 && Math.abs(longitude) <= 180 ? { latitude, longitude } : undefined;
}

function shapeModel(ctx: OpContext, spec: QuerySpec, row: QueryModelRow): QueryRow {
  const data = JSON.parse(row.data) as Record<string, unknown>;
  const show = spec.show;
  const content = row.content_identity_uuid;
  const entry = content ? firstReadableEntry(ctx, content) : undefined;
  const named = typeof data.name === "string" ? data.name : typeof data.title === "string" ? data.title : undefined;
  const title = show.title !== undefined && data[show.title] !== undefined && data[show.title] !== null ? String(data[show.title]) : named ?? entry?.name ?? `${row.model_type} ${blobToUuid(row.uuid).slice(0, 8)}`;
  const out: QueryRow = { kind: "model", id: blobToUuid(row.uuid), modelType: row.model_type, title, data };
  if (content) out.contentUuid = blobToUuid(content);
  if (show.subtitle !== undefined && data[show.subtitle] != null) out.subtitle = String(data[show.subtitle]);
  const date = isoDate(show.date !== undefined ? data[show.date] : undefined);
  if (date) out.date = date;
  const location = place(show.latitude !== undefined ? data[show.latitude] : undefined, show.longitude !== undefined ? data[show.longitude] : undefined);
  if (location) out.location = location;
  let thumbnail = thumbnailOf(ctx, show.cover !== undefined ? data[show.cover] : out.contentUuid);
  if (!thumbnail && show.coverFrom !== undefined) {
    const [model, field] = show.coverFrom.split(".") as [string, string];
    thumbnail = thumbnailOf(ctx, contentsListing(ctx.library, ctx.extensionId, model, field, out.id, 8).map(blobToUuid));
  }
  if (thumbnail) out.thumbnail = thumbnail;
  return out;
}

function entryFieldValue(ctx: OpContext, row: QueryEntryRow, field: ResolvedField): unknown {
  const content = row.content_identity_uuid!;
  switch (field.kind) {
    case "entry":
      return { name: row.name, extension: row.extension, kind: row.kind, size: row.size, modifiedAt: row.modified_at, path: row.relative_path }[field.column];
    case "sidecar": {
      const sidecar = sidecarOf(ctx.library, content, field.sidecar);
      if (!sidecar || (sidecar.written_by !== CORE_WRITER && sidecar.written_by !== ctx.extensionId)) return undefined;
      return (JSON.parse(sidecar.data) as Record<string, unknown> | null)?.[field.key];
    }
    case "joined": {
      const model = findModel(ctx.library, ctx.extensionId, field.model, { content });
      return model ? (JSON.parse(model.data) as Record<string, unknown>)[field.field] : undefined;
    }
    default:
      return undefined;
  }
}

function shapeEntry(ctx: OpContext, spec: QuerySpec, row: QueryEntryRow, exifReadable: boolean): QueryRow {
  const content = blobToUuid(row.content_identity_uuid!);
  const value = (name: string | undefined) => (name === undefined ? undefined : entryFieldValue(ctx, row, resolveField(spec, name, ctx.manifest) as ResolvedField));
  const data: Record<string, unknown> = { name: row.name, path: row.relative_path, kind: row.kind, size: row.size, extension: row.extension, modifiedAt: row.modified_at };
  const exif = exifReadable ? sidecarOf(ctx.library, row.content_identity_uuid!, "exif") : undefined;
  const exifData = exif ? (JSON.parse(exif.data) as Record<string, unknown> | null) ?? {} : {};
  const shownTitle = value(spec.show.title);
  const out: QueryRow = { kind: "entry", id: blobToUuid(row.uuid), contentUuid: content, title: shownTitle != null ? String(shownTitle) : row.name, data };
  const subtitle = value(spec.show.subtitle);
  if (subtitle != null) out.subtitle = String(subtitle);
  const date = isoDate(value(spec.show.date) ?? exifData.DateTimeOriginal ?? row.modified_at ?? undefined);
  if (date) out.date = date;
  const location = spec.show.latitude !== undefined ? place(value(spec.show.latitude), value(spec.show.longitude)) : place(exifData.latitude, exifData.longitude);
  if (location) out.location = location;
  const thumbnail = thumbnailOf(ctx, spec.show.cover !== undefined ? value(spec.show.cover) : content);
  if (thumbnail) out.thumbnail = thumbnail;
  return out;
}

/** One page of the query's rows (see the header for what is checked and how far one call scans). */
export function runQuery(ctx: OpContext, request: QueryRequest): QueryPage {
  const bound = bindParams(request.params, request.values);
  const { plan: compiled, values } = plan(ctx, request.spec, request.params, bound);
  // The op's schema bounds a guest's limit; the CLI and the preview pass theirs here.
  if (request.limit !== undefined && (!Number.isInteger(request.limit) || request.limit < 1 || request.limit > MAX_QUERY_LIMIT)) {
    throw refused(`limit must be a whole number from 1 to ${MAX_QUERY_LIMIT}, got ${String(request.limit)}`);
  }
  const limit = Math.min(request.limit ?? request.spec.limit ?? DEFAULT_PAGE, MAX_QUERY_LIMIT);
  if (request.spec.from.kind === "entries") ctx.grants.requireReadEntries("run a query over entries");
  const exifReadable = request.spec.from.kind === "entries" && canReadSidecar(ctx, "exif");
  let position = decodeCursor(request.cursor);
  const rows: QueryRow[] = [];
  let scanned = 0;
  for (;;) {
    const batch = queryBatch(ctx.library, compiled, values, position, BATCH);
    for (const row of batch) {
      position = { key: row.order_key, id: row.id };
      scanned += 1;
      if (compiled.spec.from.kind === "models") rows.push(shapeModel(ctx, compiled.spec, row as QueryModelRow));
      else {
        const entry = row as QueryEntryRow;
        if (ctx.grants.canReadEntry(entryAbsolutePath(entry), entry.relative_path)) rows.push(shapeEntry(ctx, compiled.spec, entry, exifReadable));
      }
      if (rows.length >= limit || scanned >= MAX_SCAN) return { rows, nextCursor: encodeCursor(position) };
    }
    if (batch.length < BATCH) return { rows, nextCursor: null };
  }
}

export const queryOps: OpHandlers = {
  "queries.run": (ctx, request) => {
    const { spec, params } = namedQuery(ctx, request.name);
    return runQuery(ctx, { spec, params, values: request.params, limit: request.limit, cursor: request.cursor });
  },
};
