/**
 * `models.query` as SQL. Guest input never becomes SQL text: field names are checked against the
 * model's schema (and are identifiers per the protocol), JSON paths and values are bound
 * parameters, operators come from a fixed table. The statement reads `models` (and `tag_links`
 * for a tag filter) only; blob rows are read afterwards, and only when blob fields are asked for.
 */
import type { OpParsedRequest } from "./context.js";
import { validationFailed } from "../errors.js";
import { uuidToBlob } from "../store/uuid.js";
import { MODEL_COLUMNS } from "./access.js";

type QueryRequest = OpParsedRequest<"models.query">;
type Filter = QueryRequest["filters"][number];

const COMPARE: Record<Exclude<Filter["op"], "in" | "like">, string> = {
  "=": "=", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">=",
};

export interface BuiltQuery {
  sql: string;
  params: unknown[];
}

function scalar(filter: Filter): string | number | null {
  const value = filter.value;
  if (value === null || typeof value === "string" || typeof value === "number") return value;
  if (typeof value === "boolean") return value ? 1 : 0; // json_extract gives 1/0 for true/false
  throw validationFailed(`filter on "${filter.field}" with "${filter.op}" needs a string, number, boolean or null, got ${Array.isArray(value) ? "an array" : typeof value}`);
}

function condition(filter: Filter, params: unknown[]): string {
  const path = `$.${filter.field}`;
  if (filter.op === "in") {
    if (!Array.isArray(filter.value)) throw validationFailed(`filter on "${filter.field}" with "in" needs an array value`);
    const values: unknown[] = filter.value.map((v: unknown) => (typeof v === "boolean" ? (v ? 1 : 0) : v));
    params.push(path, JSON.stringify(values));
    return "json_extract(m.data, ?) IN (SELECT value FROM json_each(?))";
  }
  if (filter.op === "like") {
    if (typeof filter.value !== "string") throw validationFailed(`filter on "${filter.field}" with "like" needs a string pattern`);
    params.push(path, filter.value);
    return "json_extract(m.data, ?) LIKE ?";
  }
  const value = scalar(filter);
  if (value === null) {
    if (filter.op !== "=" && filter.op !== "!=") throw validationFailed(`filter on "${filter.field}": null can only be compared with = or !=`);
    params.push(path);
    return filter.op === "=" ? "json_extract(m.data, ?) IS NULL" : "json_extract(m.data, ?) IS NOT NULL";
  }
  params.push(path, value);
  return `json_extract(m.data, ?) ${COMPARE[filter.op]} ?`;
}

export function buildModelQuery(extensionId: string, request: QueryRequest, inlineFields: ReadonlySet<string>, blobFields: ReadonlySet<string>): BuiltQuery {
  const checkField = (field: string, what: string): void => {
    if (blobFields.has(field)) throw validationFailed(`cannot ${what} blob field "${field}" of ${request.modelType}: only inline fields are queryable`);
    if (!inlineFields.has(field)) {
      throw validationFailed(`${request.modelType} has no inline field "${field}" to ${what} (fields: ${[...inlineFields].join(", ") || "none"})`);
    }
  };
  const where = ["m.extension_id = ?", "m.model_type = ?"];
  const params: unknown[] = [extensionId, request.modelType];
  if (request.contentUuid !== undefined) {
    where.push("m.content_identity_uuid = ?");
    params.push(uuidToBlob(request.contentUuid));
  }
  if (request.tag !== undefined) {
    where.push("EXISTS (SELECT 1 FROM tag_links tl JOIN tags t ON t.id = tl.tag_id WHERE tl.metadata_id = m.metadata_id AND t.name = ?)");
    params.push(request.tag);
  }
  for (const filter of request.filters) {
    checkField(filter.field, "filter on");
    where.push(condition(filter, params));
  }
  if (request.countOnly) return { sql: `SELECT count(*) AS n FROM models m WHERE ${where.join(" AND ")}`, params };
  let order = "m.id";
  if (request.orderBy) {
    checkField(request.orderBy.field, "order by");
    order = `json_extract(m.data, ?) ${request.orderBy.direction === "desc" ? "DESC" : "ASC"}, m.id`;
    params.push(`$.${request.orderBy.field}`);
  }
  params.push(request.limit ?? -1, request.offset ?? 0);
  return {
    sql: `SELECT ${MODEL_COLUMNS} FROM models m LEFT JOIN model_versions v ON v.model_uuid = m.uuid
          WHERE ${where.join(" AND ")} ORDER BY ${order} LIMIT ? OFFSET ?`,
    params,
  };
}
