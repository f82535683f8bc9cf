/**
 * Emitter: IR → schema.sql.
 *
 * Input: `ExtensionIR` and the manifest's model entries. Output: SQLite text in two marked
 * sections: (1) the core schema additions of the spec ("Required Core Schema Changes"), verbatim
 * from `@sdx/sdk/core-schema`; (2) this extension's registrations: one upserted
 * `extension_model_types` row per model and version, and one view per model exposing its
 * top-level inline scalar fields as columns (`json_extract`), so model data is queryable; and one
 * partial index per model field that a named query filters or orders on (the host's
 * query statements spell the same expression and conditions, so SQLite uses it).
 * Deterministic; every string literal is escaped. Must not: import the TypeScript compiler.
 */
import { CORE_SCHEMA_ADDITIONS_SQL, SCHEMA_SECTIONS } from "@sdx/sdk/core-schema";
import type { ExtensionIR, JsonSchema, ModelIR } from "../ir/ir.js";

/** Columns every view has; a model field with one of these names gets a `data_` prefix. */
const FIXED_COLUMNS = ["uuid", "entry_uuid", "content_identity_uuid", "standalone", "created_at", "updated_at"];
const SCALARS = new Set(["string", "number", "integer", "boolean", "null"]);

export function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

export function sqlIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function viewName(extensionId: string, model: string): string {
  return `ext_${extensionId.replace(/\./g, "_")}__${model}`;
}

function isScalar(schema: JsonSchema): boolean {
  const type = schema.type;
  if (typeof type === "string") return SCALARS.has(type) && type !== "null";
  if (Array.isArray(type)) return type.length > 0 && type.every((t) => typeof t === "string" && SCALARS.has(t)) && type.some((t) => t !== "null");
  return false;
}

function jsonPath(field: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(field) ? `$.${field}` : `$."${field.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

function registration(ir: ExtensionIR, model: ModelIR): string {
  const blobFields = model.blobFields.map((b) => ({ name: b.name, compression: b.compression, lazy: b.lazy, quantize: b.quantize, schema: b.schema }));
  const values = [ir.extension.id, model.name, model.version, model.scope, model.sync, JSON.stringify(model.schema), JSON.stringify(blobFields)].map(sqlString);
  return [
    "INSERT INTO extension_model_types (extension_id, model_type, version, scope, sync_strategy, json_schema, blob_fields)",
    `VALUES (${values.join(", ")})`,
    "ON CONFLICT (extension_id, model_type, version) DO UPDATE SET scope = excluded.scope, sync_strategy = excluded.sync_strategy, json_schema = excluded.json_schema, blob_fields = excluded.blob_fields;",
  ].join("\n");
}

function view(ir: ExtensionIR, model: ModelIR): string {
  const columns = ["uuid", "entry_uuid", "content_identity_uuid", "standalone"];
  for (const field of model.fields) {
    if (field.blob || !isScalar(field.schema)) continue;
    const alias = FIXED_COLUMNS.includes(field.name) ? `data_${field.name}` : field.name;
    columns.push(`json_extract(data, ${sqlString(jsonPath(field.name))}) AS ${sqlIdentifier(alias)}`);
  }
  columns.push("created_at", "updated_at");
  return [
    `CREATE VIEW IF NOT EXISTS ${sqlIdentifier(viewName(ir.extension.id, model.name))} AS`,
    `SELECT ${columns.join(",\n       ")}`,
    `FROM models WHERE extension_id = ${sqlString(ir.extension.id)} AND model_type = ${sqlString(model.name)};`,
  ].join("\n");
}

/** Operators an index on the field's value serves (not `contains`, which looks inside arrays, nor `like`). */
const INDEXED_OPS = new Set(["=", "!=", "<", "<=", ">", ">=", "in"]);

/** Model fields the named queries filter or order on, by model, in first-use order. */
export function queriedFields(ir: ExtensionIR): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const add = (model: string, field: string) => {
    const known = ir.models.find((m) => m.name === model)?.fields.some((f) => f.name === field && !f.blob);
    if (!known) return;
    const list = out.get(model) ?? [];
    if (!list.includes(field)) list.push(field);
    out.set(model, list);
  };
  for (const query of ir.queries) {
    const spec = query.spec;
    const own = spec.from.kind === "models" ? spec.from.model : null;
    const fieldOf = (name: string): [string, string] | null => {
      if (own) return name.includes(".") ? null : [own, name];
      const [head, key, extra] = name.split(".");
      return key && !extra && ir.models.some((m) => m.name === head) ? [head!, key] : null;
    };
    for (const filter of spec.where) {
      const target = INDEXED_OPS.has(filter.op) ? fieldOf(filter.field) : null;
      if (target) add(...target);
    }
    const order = spec.orderBy ? fieldOf(spec.orderBy.field) : null;
    if (order) add(...order);
  }
  return out;
}

/** The index the host's query statements use for `field` of `model` (same expression, same conditions). */
export function queryIndex(extensionId: string, model: string, field: string): string {
  return [
    `CREATE INDEX IF NOT EXISTS ${sqlIdentifier(`idx_${viewName(extensionId, model)}__${field}`)}`,
    // extension_id and model_type lead so the planner prefers it to idx_models_extension (same two equalities, then the field).
    `ON models(extension_id, model_type, json_extract(data, ${sqlString(jsonPath(field))}))`,
    `WHERE extension_id = ${sqlString(extensionId)} AND model_type = ${sqlString(model)};`,
  ].join("\n");
}

export function emitSql(ir: ExtensionIR): string {
  const parts = [
    `-- Generated by sdx codegen for ${ir.extension.id} ${ir.extension.version}. Do not edit: \`sdx build\` rewrites it.`,
    "",
    SCHEMA_SECTIONS.coreAdditions,
    "-- The core schema additions of the spec (\"Required Core Schema Changes\"), applied once per library.",
    CORE_SCHEMA_ADDITIONS_SQL.trim(),
    "",
    SCHEMA_SECTIONS.registrations,
    `-- Model types of ${ir.extension.id}, applied at every install and upgrade (idempotent).`,
  ];
  if (ir.models.length === 0) parts.push("-- (no models)");
  for (const model of ir.models) parts.push("", registration(ir, model), "", view(ir, model));
  const indexed = queriedFields(ir);
  if (indexed.size) parts.push("", "-- Indexes for the model fields the named queries filter or order on.");
  for (const [model, fields] of indexed) for (const field of fields) parts.push(queryIndex(ir.extension.id, model, field));
  return `${parts.join("\n")}\n`;
}
