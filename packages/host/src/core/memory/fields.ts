/**
 * Input: the manifest's `memory.fields` and a field name from a guest request.
 * Output: the resolved field (kind, sync strategy, whether its vectors sync) and a validator for
 * its items, compiled once per manifest from `itemSchema` with zod's `z.fromJSONSchema`.
 *
 * Items are stored as JSON text, so validation runs on the JSON form of the value (typed arrays
 * become number arrays, exactly what a later read returns). A `{ "x-sdx-typedArray": … }` schema
 * node therefore means "array of numbers" here.
 *
 * Vector sync: `syncVectors` is `itemSchema["x-sdx-syncVectors"]` when it is a boolean, otherwise
 * true for `shared` fields and false for `device_owned` ones (heavy embeddings a device can
 * recompute stay local by default). The manifest has no dedicated key for it yet.
 */
import { z } from "zod";
import type { Manifest, ManifestMemoryField } from "@sdx/sdk/manifest";
import { hostFailed, validationFailed, type ValidationIssue } from "../../store/errors.js";

export type MemoryKind = ManifestMemoryField["kind"];

export interface ResolvedField {
  readonly name: string;
  readonly kind: MemoryKind;
  readonly sync: ManifestMemoryField["sync"];
  /** Whether a sync engine should ship this field's vectors (associative fields only). */
  readonly syncVectors: boolean;
  /** Top-level property names the item schema declares; null when it declares none (any name allowed). */
  readonly properties: ReadonlySet<string> | null;
  /** Throws SDX3002 with every issue located; no-op for an empty schema. */
  validate(json: unknown, what: string): void;
}

const SYNC_VECTORS_KEY = "x-sdx-syncVectors";
const TYPED_ARRAY_KEY = "x-sdx-typedArray";

const byManifest = new WeakMap<Manifest, Map<string, ResolvedField>>();

/** Replaces typed-array markers by the number arrays they are stored as; drops sdx keywords. */
function prepareSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(prepareSchema);
  if (node === null || typeof node !== "object") return node;
  const record = node as Record<string, unknown>;
  if (typeof record[TYPED_ARRAY_KEY] === "string") return { type: "array", items: { type: "number" } };
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    if (key.startsWith("x-sdx-")) continue;
    out[key] = key === "const" || key === "enum" || key === "default" || key === "examples" ? value : prepareSchema(value);
  }
  return out;
}

function compile(manifest: Manifest, field: ManifestMemoryField): ResolvedField {
  const schema = prepareSchema(field.itemSchema) as Record<string, unknown>;
  let validator: z.ZodType | null = null;
  if (Object.keys(schema).length > 0) {
    try {
      validator = z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]);
    } catch (error) {
      throw hostFailed(`cannot compile the item schema of memory field ${field.name} of ${manifest.id}: ${(error as Error).message}`, error);
    }
  }
  const props = field.itemSchema.properties;
  const flag = field.itemSchema[SYNC_VECTORS_KEY];
  return {
    name: field.name,
    kind: field.kind,
    sync: field.sync,
    syncVectors: typeof flag === "boolean" ? flag : field.sync === "shared",
    properties: props && typeof props === "object" && !Array.isArray(props) ? new Set(Object.keys(props)) : null,
    validate(json, what) {
      if (!validator) return;
      const result = validator.safeParse(json);
      if (result.success) return;
      const issues: ValidationIssue[] = result.error.issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message }));
      throw validationFailed(`${what} does not match the item schema of memory field ${field.name}`, issues);
    },
  };
}

/** The field, or SDX3002 naming the extension's memory fields of that kind. */
export function resolveField(manifest: Manifest, name: string, kind: MemoryKind): ResolvedField {
  let fields = byManifest.get(manifest);
  if (!fields) {
    fields = new Map();
    byManifest.set(manifest, fields);
  }
  let resolved = fields.get(name);
  if (!resolved) {
    const declared = manifest.memory?.fields.find((f) => f.name === name);
    if (!declared) {
      const known = manifest.memory?.fields.filter((f) => f.kind === kind).map((f) => f.name).join(", ") || "none";
      throw validationFailed(`${manifest.id} has no memory field "${name}" (its ${kind} memory fields: ${known})`);
    }
    resolved = compile(manifest, declared);
    fields.set(name, resolved);
  }
  if (resolved.kind !== kind) throw validationFailed(`memory field ${name} of ${manifest.id} is ${resolved.kind} memory, not ${kind}`);
  return resolved;
}

/**
 * The JSON text an item is stored as, and the parsed JSON value to validate. Typed arrays become
 * number arrays; a value with no JSON form (undefined, a function, a bigint) is refused.
 */
export function toStoredJson(value: unknown, what: string): { text: string; json: unknown } {
  let text: string | undefined;
  try {
    text = JSON.stringify(value, (_key, v: unknown) => {
      if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<number>);
      if (v instanceof ArrayBuffer) return Array.from(new Uint8Array(v));
      return v;
    });
  } catch (error) {
    throw validationFailed(`${what} cannot be stored as JSON: ${(error as Error).message}`);
  }
  if (text === undefined) throw validationFailed(`${what} cannot be stored as JSON (it is ${typeof value})`);
  return { text, json: JSON.parse(text) as unknown };
}
