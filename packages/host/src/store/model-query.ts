/**
 * `models.query` as SQL. Input: a `ModelQuery` of plain values (the calling extension, the model
 * type, its inline and blob field names, the filters). Output: the matching `ModelRow`s, or their
 * count. Guest input never becomes SQL text: field names are checked against the model's inline
 * fields and written as JSON-path literals only when they are plain identifiers, the extension id
 * and model type are the manifest's (sql-literals.ts: literals so that the codegen's indexes for
 * queried fields match), values are bound parameters, operators come from a fixed table. The statement reads `models` (and `tag_links` for a tag
 * filter) only; blob rows are read afterwards, and only when blob fields are asked for.
 */
import { validationFailed } from "./errors.js";
import type { Library } from "./library.js";
import { MODEL_COLUMNS, type ModelRow } from "./models-store.js";
import { extensionLiteral, fieldPathLiteral, nameLiteral } from "./sql-literals.js";

export type FilterOp = "=" | "!=" | "<" | "<=" | ">" | ">=" | "like" | "in";

export interface ModelFilter {
  field: string;
  op: FilterOp;
  value: unknown;
}

export interface ModelQuery {
  extensionId: string;
  modelType: string;
  /** The model's inline fields: the only ones that may be filtered on or ordered by. */
  inlineFields: ReadonlySet<string>;
  /** The model's blob fields (named in the error when one is filtered on). */
  blobFields: ReadonlySet<string>;
  filters: readonly ModelFilter[];
  /** Only models scoped to this content. */
  contentUuid?: Buffer;
  /** Only models with this tag. */
  tag?: string;
  orderBy?: { field: string; direction: "asc" | "desc" };
  limit?: number;
  offset?: number;
  countOnly?: boolean;
}

const COMPARE: Record<Exclude<FilterOp, "in" | "like">, string> = {
  "=": "=", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">=",
};

export interface BuiltQuery {
  sql: string;
  params: unknown[];
}

function scalar(filter: ModelFilter): string | number | null {
  const value = filter.value;
  if (value === null || typeof value === "string" || typeof value === "number") return value;
  if (typeof value === "boolean") return value ? 1 : 0; // json_extract gives 1/0 for true/false
  throw validationFailed(`filter on "${filter.field}" with "${filter.op}" needs a string, number, boolean or null, got ${Array.isArray(value) ? "an array" : typeof value}`);
}

function condition(filter: ModelFilter, params: unknown[]): string {
  const path = fieldPathLiteral(filter.field);
  if (filter.op === "in") {
    if (!Array.isArray(filter.value)) throw validationFailed(`filter on "${filter.field}" with "in" needs an array value`);
    const values: unknown[] = filter.value.map((v: unknown) => (typeof v === "boolean" ? (v ? 1 : 0) : v));
    params.push(JSON.stringify(values));
    return `json_extract(m.data, ${path}) IN (SELECT value FROM json_each(?))`;
  }
  if (filter.op === "like") {
    if (typeof filter.value !== "string") throw validationFailed(`filter on "${filter.field}" with "like" needs a string pattern`);
    params.push(filter.value);
    return `json_extract(m.data, ${path}) LIKE ?`;
  }
  const value = scalar(filter);
  if (value === null) {
    if (filter.op !== "=" && filter.op !== "!=") throw validationFailed(`filter on "${filter.field}": null can only be compared with = or !=`);
    return `json_extract(m.data, ${path}) ${filter.op === "=" ? "IS NULL" : "IS NOT NULL"}`;
  }
  params.push(value);
  return `json_extract(m.data, ${path}) ${COMPARE[filter.op]} ?`;
}

/** The statement and its parameters; ValidationFailed (SDX3002) for a field the model has not inline or a value its operator cannot take. */
export function buildModelQuery(query: ModelQuery): BuiltQuery {
  const { inlineFields, blobFields } = query;
  const checkField = (field: string, what: string): void => {
    if (blobFields.has(field)) throw validationFailed(`cannot ${what} blob field "${field}" of ${query.modelType}: only inline fields are queryable`);
    if (!inlineFields.has(field)) {
      throw validationFailed(`${query.modelType} has no inline field "${field}" to ${what} (fields: ${[...inlineFields].join(", ") || "none"})`);
    }
  };
  const where = [`m.extension_id = ${extensionLiteral(query.extensionId)}`, `m.model_type = ${nameLiteral(query.modelType, "model type")}`];
  const params: unknown[] = [];
  if (query.contentUuid !== undefined) {
    where.push("m.content_identity_uuid = ?");
    params.push(query.contentUuid);
  }
  if (query.tag !== undefined) {
    where.push("EXISTS (SELECT 1 FROM tag_links tl JOIN tags t ON t.id = tl.tag_id WHERE tl.metadata_id = m.metadata_id AND t.name = ?)");
    params.push(query.tag);
  }
  for (const filter of query.filters) {
    checkField(filter.field, "filter on");
    where.push(condition(filter, params));
  }
  if (query.countOnly) return { sql: `SELECT count(*) AS n FROM models m WHERE ${where.join(" AND ")}`, params };
  let order = "m.id";
  if (query.orderBy) {
    checkField(query.orderBy.field, "order by");
    order = `json_extract(m.data, ${fieldPathLiteral(query.orderBy.field)}) ${query.orderBy.direction === "desc" ? "DESC" : "ASC"}, m.id`;
  }
  params.push(query.limit ?? -1, query.offset ?? 0);
  return {
    sql: `SELECT ${MODEL_COLUMNS} FROM models m LEFT JOIN model_versions v ON v.model_uuid = m.uuid
          WHERE ${where.join(" AND ")} ORDER BY ${order} LIMIT ? OFFSET ?`,
    params,
  };
}

/** The models matching `query` (whose `countOnly` is ignored), ordered, limited and offset. */
export function queryModels(library: Library, query: ModelQuery): ModelRow[] {
  const built = buildModelQuery({ ...query, countOnly: false });
  return library.stmt(built.sql).all(...built.params) as ModelRow[];
}

/** How many models match `query` (its order, limit and offset do not count). */
export function countModels(library: Library, query: ModelQuery): number {
  const built = buildModelQuery({ ...query, countOnly: true });
  return (library.stmt(built.sql).get(...built.params) as { n: number }).n;
}
