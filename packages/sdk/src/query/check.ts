/**
 * Checks a `QuerySpec` against the extension's manifest: the same rules at build time (codegen and
 * the ui_manifest check report them at their source) and at run time (the host refuses the query).
 * A model source must be one of the extension's own models; fields must be inline fields of that
 * model, entry fields, `tags`, `<sidecar kind>.<key>` of a sidecar kind the extension may read, or
 * `<Model>.<field>` of one of its content-scoped models; every `{ param }` must be declared.
 * @see docs/queries.md
 */
import type { Manifest, ManifestModel } from "../manifest.js";
import { ENTRY_QUERY_FIELDS, isParamRef } from "./constants.js";
import type { QuerySpec } from "./spec.js";

export interface QueryProblem {
  /** Where in the spec: `from`, `where.0.field`, `where.1.value`, `orderBy.field`, `show.cover`. */
  path: string;
  message: string;
}

/** What a field of a query resolves to. */
export type ResolvedField =
  | { kind: "inline"; field: string }
  | { kind: "tags" }
  | { kind: "entry"; column: (typeof ENTRY_QUERY_FIELDS)[number] }
  | { kind: "sidecar"; sidecar: string; key: string }
  | { kind: "joined"; model: string; field: string };

type ManifestPart = Pick<Manifest, "models" | "permissions">;

/** Top-level inline (non-blob) fields of a model, from its JSON Schema. */
export function inlineFieldsOf(model: ManifestModel): string[] {
  const properties = (model.schema as { properties?: Record<string, unknown> }).properties ?? {};
  const blobs = new Set(model.blobFields.map((b) => b.name));
  return Object.keys(properties).filter((name) => !blobs.has(name) && name !== "id");
}

/** Sidecar kinds the extension may read: granted read_sidecars kinds and the kinds it writes itself. */
export function readableSidecarKinds(manifest: ManifestPart): Set<string> {
  const kinds = new Set<string>();
  for (const p of manifest.permissions) if (p.kind === "read_sidecars" || p.kind === "write_sidecars") for (const k of p.kinds) kinds.add(k);
  return kinds;
}

export function resolveField(spec: Pick<QuerySpec, "from">, field: string, manifest: ManifestPart): ResolvedField | string {
  const parts = field.split(".");
  if (spec.from.kind === "models") {
    const model = manifest.models.find((m) => m.name === (spec.from as { model: string }).model);
    if (!model) return `no model ${(spec.from as { model: string }).model}`;
    const fields = inlineFieldsOf(model);
    // A model's own field named "tags" wins over the library's tags.
    if (parts.length === 1 && fields.includes(field)) return { kind: "inline", field };
    if (field === "tags") return { kind: "tags" };
    if (model.blobFields.some((b) => b.name === field)) return `${field} is a blob field of ${model.name}: only inline fields are queryable`;
    return `${model.name} has no inline field "${field}" (fields: ${fields.join(", ") || "none"}, tags)`;
  }
  if (field === "tags") return { kind: "tags" };
  if (parts.length === 1 && (ENTRY_QUERY_FIELDS as readonly string[]).includes(field)) return { kind: "entry", column: field as (typeof ENTRY_QUERY_FIELDS)[number] };
  if (parts.length === 2) {
    const [head, key] = parts as [string, string];
    const model = manifest.models.find((m) => m.name === head);
    if (model) {
      if (model.scope !== "content") return `${head} is a ${model.scope}-scoped model: entries join only content-scoped models`;
      if (!inlineFieldsOf(model).includes(key)) return `${head} has no inline field "${key}" (fields: ${inlineFieldsOf(model).join(", ") || "none"})`;
      return { kind: "joined", model: head, field: key };
    }
    if (readableSidecarKinds(manifest).has(head)) return { kind: "sidecar", sidecar: head, key };
    return `"${head}" is neither a content-scoped model of this extension nor a sidecar kind it may read (request Permission.readSidecars({ kinds: ["${head}"] }))`;
  }
  return `entries have no field "${field}" (fields: ${ENTRY_QUERY_FIELDS.join(", ")}, tags, <sidecar>.<key>, <Model>.<field>)`;
}

/** Every problem of `spec` for this manifest; `params` are the declared parameter names. */
export function checkQuery(spec: QuerySpec, manifest: ManifestPart, params: readonly string[]): QueryProblem[] {
  const problems: QueryProblem[] = [];
  if (spec.from.kind === "models") {
    const name = spec.from.model;
    if (!manifest.models.some((m) => m.name === name)) {
      problems.push({ path: "from", message: `no model ${name} in this extension (its models: ${manifest.models.map((m) => m.name).join(", ") || "none"}); a query reads only the extension's own models` });
      return problems;
    }
  }
  const field = (path: string, name: string): ResolvedField | null => {
    const resolved = resolveField(spec, name, manifest);
    if (typeof resolved === "string") {
      problems.push({ path, message: resolved });
      return null;
    }
    return resolved;
  };
  spec.where.forEach((filter, i) => {
    const resolved = field(`where.${i}.field`, filter.field);
    const values = Array.isArray(filter.value) ? filter.value : [filter.value];
    for (const value of values) {
      if (isParamRef(value) && !params.includes(value.param)) {
        problems.push({ path: `where.${i}.value`, message: `:${value.param} is not a parameter of this query (parameters: ${params.join(", ") || "none"})` });
      }
    }
    if (filter.op === "in" && !Array.isArray(filter.value)) problems.push({ path: `where.${i}.value`, message: "in takes a list of values" });
    if (filter.op !== "in" && Array.isArray(filter.value)) problems.push({ path: `where.${i}.value`, message: `${filter.op} takes one value, not a list` });
    if (filter.value === null && filter.op !== "=" && filter.op !== "!=") problems.push({ path: `where.${i}.value`, message: "null compares only with = or != (IS NULL, IS NOT NULL)" });
    if (resolved?.kind === "tags" && filter.op !== "=" && filter.op !== "like") problems.push({ path: `where.${i}.op`, message: "tags compare with = or like" });
  });
  if (spec.orderBy) {
    const resolved = field("orderBy.field", spec.orderBy.field);
    if (resolved?.kind === "tags") problems.push({ path: "orderBy.field", message: "rows cannot be ordered by tags" });
  }
  for (const [key, name] of Object.entries(spec.show)) {
    if (name === undefined) continue;
    if (key !== "coverFrom") {
      field(`show.${key}`, name);
      continue;
    }
    const [head, key2, extra] = name.split(".");
    const model = manifest.models.find((m) => m.name === head);
    if (!model || !key2 || extra || model.scope !== "content" || !inlineFieldsOf(model).includes(key2)) {
      problems.push({ path: "show.coverFrom", message: `coverFrom is <Model>.<field> of a content-scoped model of this extension whose array field lists the row's id; "${name}" is not` });
    }
  }
  return problems;
}
