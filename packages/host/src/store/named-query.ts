/**
 * Named queries as SQL. Input: a `QuerySpec` already checked against the extension's manifest
 * (`checkQuery`), its fields resolved, the parameter values, and a keyset position. Output: the
 * next batch of candidate rows in the query's order; ops/queries.ts applies the grants to each row
 * and shapes it for the UI.
 *
 * Nothing the guest, the CLI or a ui_manifest sends becomes SQL text: values (and parameters) are
 * bound; field names are identifiers checked against the manifest before they are spelled into a
 * JSON path; the extension id and model types are the installed manifest's (validated patterns),
 * written as quoted literals so the statements match the partial indexes the codegen emits for
 * queried fields (SQLite uses a partial index only when the query repeats its conditions
 * literally). Every statement reads the calling extension's own models only.
 */
import type { QueryFilter, QuerySpec, ResolvedField } from "@sdx/sdk/query";
import { validationFailed } from "./errors.js";
import type { Library } from "./library.js";
import { ENTRY_COLUMNS, type EntryRow } from "./entries-store.js";
import { CORE_WRITER } from "./sidecars-store.js";
import { extensionLiteral, fieldPathLiteral, nameLiteral } from "./sql-literals.js";

const ENTRY_COLUMN: Record<string, string> = {
  name: "e.name", extension: "e.extension", kind: "e.kind", size: "e.size", modifiedAt: "e.modified_at", path: "e.relative_path",
};

export interface QueryPlan {
  extensionId: string;
  spec: QuerySpec;
  /** Each filter's field, and the order field, resolved by `resolveField`. */
  filters: ReadonlyArray<{ filter: QueryFilter; field: ResolvedField }>;
  order?: { field: ResolvedField; direction: "asc" | "desc" };
}

/** Where a keyset page starts: after the row with this order key and id. */
export interface QueryPosition {
  key: string | number | null;
  id: number;
}

interface Expression {
  /** SQL giving the field's scalar value. */
  value: string;
  /** The JSON document and path of the field, when it is JSON (for `contains`). */
  json?: { doc: string; path: string };
}

/** Rows of the models source carry these. */
export interface QueryModelRow {
  id: number;
  uuid: Buffer;
  model_type: string;
  data: string;
  content_identity_uuid: Buffer | null;
  entry_uuid: Buffer | null;
  order_key: string | number | null;
}

export type QueryEntryRow = EntryRow & { order_key: string | number | null };

function expression(plan: QueryPlan, field: ResolvedField): Expression {
  const ext = extensionLiteral(plan.extensionId);
  switch (field.kind) {
    case "inline": {
      const path = fieldPathLiteral(field.field);
      return { value: `json_extract(m.data, ${path})`, json: { doc: "m.data", path } };
    }
    case "entry":
      return { value: ENTRY_COLUMN[field.column]! };
    case "sidecar": {
      // The core's sidecars and the extension's own; another extension's are invisible.
      const doc = `(SELECT s.data FROM sidecars s WHERE s.content_uuid = e.content_identity_uuid AND s.kind = ${nameLiteral(field.sidecar, "sidecar kind")}
        AND s.written_by IN ('${CORE_WRITER}', ${ext}))`;
      const path = fieldPathLiteral(field.key);
      return { value: `json_extract(${doc}, ${path})`, json: { doc, path } };
    }
    case "joined": {
      const doc = `(SELECT jm.data FROM models jm WHERE jm.extension_id = ${ext} AND jm.model_type = ${nameLiteral(field.model, "model type")} AND jm.content_identity_uuid = e.content_identity_uuid)`;
      const path = fieldPathLiteral(field.field);
      return { value: `json_extract(${doc}, ${path})`, json: { doc, path } };
    }
    case "tags":
      throw validationFailed("tags have no single value");
  }
}

/** Booleans as SQLite's JSON functions give them (1/0). */
function bindable(value: unknown): unknown {
  return typeof value === "boolean" ? (value ? 1 : 0) : value;
}

function condition(plan: QueryPlan, filter: QueryFilter, field: ResolvedField, value: unknown, params: unknown[]): string {
  if (field.kind === "tags") {
    params.push(value);
    const compare = filter.op === "like" ? "t.name LIKE ?" : "t.name = ?";
    return plan.spec.from.kind === "models"
      ? `EXISTS (SELECT 1 FROM tag_links tl JOIN tags t ON t.id = tl.tag_id WHERE tl.metadata_id = m.metadata_id AND ${compare})`
      : `EXISTS (SELECT 1 FROM user_metadata um JOIN tag_links tl ON tl.metadata_id = um.id JOIN tags t ON t.id = tl.tag_id
           WHERE (um.entry_uuid = e.uuid OR um.content_identity_uuid = e.content_identity_uuid) AND ${compare})`;
  }
  const expr = expression(plan, field);
  switch (filter.op) {
    case "in":
      params.push(JSON.stringify((value as unknown[]).map(bindable)));
      return `${expr.value} IN (SELECT value FROM json_each(?))`;
    case "like":
      params.push(value);
      return `${expr.value} LIKE ?`;
    case "contains":
      if (!expr.json) throw validationFailed(`${filter.field} is not a list: contains looks inside array fields`);
      params.push(bindable(value));
      return `EXISTS (SELECT 1 FROM json_each(${expr.json.doc}, ${expr.json.path}) WHERE value = ?)`;
    default:
      if (value === null) return `${expr.value} ${filter.op === "=" ? "IS NULL" : "IS NOT NULL"}`;
      params.push(bindable(value));
      return `${expr.value} ${filter.op} ?`;
  }
}

/** The keyset condition for "after this position" in `ORDER BY key dir NULLS (SQLite's default), id ASC`. */
function after(order: { value: string; direction: "asc" | "desc" } | null, idColumn: string, position: QueryPosition, params: unknown[]): string {
  if (!order) {
    params.push(position.id);
    return `${idColumn} > ?`;
  }
  const k = order.value;
  // SQLite sorts NULL first ascending and last descending.
  if (position.key === null) {
    params.push(position.id);
    return order.direction === "asc" ? `((${k} IS NULL AND ${idColumn} > ?) OR ${k} IS NOT NULL)` : `(${k} IS NULL AND ${idColumn} > ?)`;
  }
  params.push(position.key, position.key, position.id);
  return order.direction === "asc"
    ? `(${k} > ? OR (${k} = ? AND ${idColumn} > ?))`
    : `(${k} < ? OR (${k} = ? AND ${idColumn} > ?) OR ${k} IS NULL)`;
}

/** The next `limit` candidate rows of `plan` after `position`, with `values` bound to the parameters. */
export function queryBatch(
  library: Library,
  plan: QueryPlan,
  values: ReadonlyArray<unknown>,
  position: QueryPosition | null,
  limit: number,
): QueryModelRow[] | QueryEntryRow[] {
  const params: unknown[] = [];
  const where: string[] = [];
  const models = plan.spec.from.kind === "models";
  if (models) {
    where.push(`m.extension_id = ${extensionLiteral(plan.extensionId)}`);
    where.push(`m.model_type = ${nameLiteral((plan.spec.from as { model: string }).model, "model type")}`);
  } else {
    where.push("e.is_dir = 0", "e.content_identity_uuid IS NOT NULL");
  }
  plan.filters.forEach(({ filter, field }, i) => where.push(condition(plan, filter, field, values[i], params)));
  const order = plan.order ? { value: expression(plan, plan.order.field).value, direction: plan.order.direction } : null;
  const idColumn = models ? "m.id" : "e.id";
  if (position) where.push(after(order, idColumn, position, params));
  const orderSql = order ? `${order.value} ${order.direction === "desc" ? "DESC" : "ASC"}, ${idColumn}` : idColumn;
  const key = order ? order.value : "NULL";
  params.push(limit);
  const sql = models
    ? `SELECT m.id, m.uuid, m.model_type, m.data, m.content_identity_uuid, m.entry_uuid, ${key} AS order_key FROM models m
       WHERE ${where.join(" AND ")} ORDER BY ${orderSql} LIMIT ?`
    : `SELECT ${ENTRY_COLUMNS}, ${key} AS order_key FROM entries e JOIN locations l ON l.id = e.location_id
       WHERE ${where.join(" AND ")} ORDER BY ${orderSql} LIMIT ?`;
  return library.stmt(sql).all(...params) as QueryModelRow[] | QueryEntryRow[];
}

/** The query plan SQLite chose for the first batch (tests check that queried fields use their index). */
export function explainQueryBatch(library: Library, plan: QueryPlan, values: ReadonlyArray<unknown>): string[] {
  const params: unknown[] = [];
  const where = [
    `m.extension_id = ${extensionLiteral(plan.extensionId)}`,
    `m.model_type = ${nameLiteral((plan.spec.from as { model: string }).model, "model type")}`,
    ...plan.filters.map(({ filter, field }, i) => condition(plan, filter, field, values[i], params)),
  ];
  const rows = library.stmt(`EXPLAIN QUERY PLAN SELECT m.id FROM models m WHERE ${where.join(" AND ")}`).all(...params) as Array<{ detail: string }>;
  return rows.map((r) => r.detail);
}

/** The first content whose `model` (content-scoped, of this extension) lists `id` in its array `field`, and has a thumbnail. */
export function contentsListing(library: Library, extensionId: string, model: string, field: string, id: string, limit: number): Buffer[] {
  const rows = library.stmt(`SELECT m.content_identity_uuid AS c FROM models m
      WHERE m.extension_id = ${extensionLiteral(extensionId)} AND m.model_type = ${nameLiteral(model, "model type")} AND m.content_identity_uuid IS NOT NULL
        AND EXISTS (SELECT 1 FROM json_each(m.data, ${fieldPathLiteral(field)}) WHERE value = ?)
        AND EXISTS (SELECT 1 FROM sidecars s WHERE s.content_uuid = m.content_identity_uuid AND s.kind = 'thumbnail')
      ORDER BY m.id LIMIT ?`).all(id, limit) as Array<{ c: Buffer }>;
  return rows.map((r) => r.c);
}
