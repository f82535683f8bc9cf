/**
 * Helpers over finished JSON Schemas (no checker): union merging, `$defs` hoisting, and the
 * `undefined` test for optional properties.
 */
import { ts } from "../program/typescript.js";
import type { JsonSchema, JsonValue } from "../ir/ir.js";

type Schema = { [key: string]: JsonValue };

/**
 * Moves the `$defs` of several schemas (e.g. the fields of one model) to one root, renaming a
 * definition when two different ones share a name, so every `#/$defs/…` resolves from that root.
 */
export function hoistDefs(schemas: readonly JsonSchema[]): { schemas: JsonSchema[]; defs: Record<string, JsonValue> } {
  const defs: Record<string, JsonValue> = {};
  const out = schemas.map((schema) => {
    const own = schema.$defs as Record<string, JsonValue> | undefined;
    if (!own) return schema;
    const { $defs: _omit, ...rest } = schema;
    void _omit;
    const renames = new Map<string, string>();
    for (const [name, def] of Object.entries(own)) {
      let target = name;
      for (let i = 2; target in defs && JSON.stringify(defs[target]) !== JSON.stringify(def); i++) target = `${name}${i}`;
      renames.set(name, target);
    }
    const rewrite = (value: JsonValue): JsonValue => {
      if (Array.isArray(value)) return value.map(rewrite);
      if (value && typeof value === "object") {
        const obj: Record<string, JsonValue> = {};
        for (const [k, v] of Object.entries(value)) {
          const ref = k === "$ref" && typeof v === "string" ? /^#\/\$defs\/(.+)$/.exec(v) : null;
          obj[k] = ref && renames.has(ref[1]!) ? `#/$defs/${renames.get(ref[1]!)}` : rewrite(v);
        }
        return obj;
      }
      return value;
    };
    for (const [name, def] of Object.entries(own)) defs[renames.get(name)!] = rewrite(def);
    return rewrite(rest) as JsonSchema;
  });
  return { schemas: out, defs };
}

export function includesUndefined(type: ts.Type): boolean {
  if (type.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Void)) return true;
  return (type.flags & ts.TypeFlags.Union) !== 0 && (type as ts.UnionType).types.some((t) => (t.flags & ts.TypeFlags.Undefined) !== 0);
}

function isSimpleType(s: Schema): s is { type: string } {
  return Object.keys(s).length === 1 && typeof s.type === "string";
}

/** Merges the schemas of union members: literal enums, `type` arrays, else `anyOf`. */
export function mergeUnion(members: Schema[]): Schema {
  const unique: Schema[] = [];
  const seen = new Set<string>();
  for (const m of members) {
    const key = JSON.stringify(m);
    if (!seen.has(key)) {
      seen.add(key);
      unique.push(m);
    }
  }
  if (unique.length === 0) return {};
  if (unique.length === 1) return unique[0]!;
  if (unique.some((m) => Object.keys(m).length === 0)) return {};
  // "a" | "b" → enum; nullable enums keep null in the enum.
  const consts = unique.filter((m) => "const" in m && Object.keys(m).length === 2);
  const nulls = unique.filter((m) => m.type === "null" && Object.keys(m).length === 1);
  if (consts.length && consts.length + nulls.length === unique.length) {
    const types = [...new Set(consts.map((m) => m.type as string))];
    const values = consts.map((m) => m.const as JsonValue);
    if (nulls.length) {
      types.push("null");
      values.push(null);
    }
    return { type: types.length === 1 ? types[0]! : types, enum: values };
  }
  if (unique.every(isSimpleType)) return { type: unique.map((m) => m.type as string) };
  return { anyOf: unique };
}
