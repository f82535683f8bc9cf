/**
 * Validators for an extension's model payloads, compiled once per manifest from the JSON Schemas
 * the codegen wrote into it (`models[].schema`, `models[].blobFields[].schema`) with zod's
 * `z.fromJSONSchema`.
 *
 * Typed arrays: the codegen marks them with `{ "x-sdx-typedArray": "Float32Array" }`, a keyword
 * JSON Schema (and zod) ignore. Before compiling, each such node becomes a `const` on a token
 * that holds a per-process random nonce; before validating, each typed array in the payload is
 * replaced by the token of its own class. So a Float32Array passes exactly where the schema wants
 * one (also inside `anyOf`, arrays, nested objects), and no guest string can forge the token.
 */
import { randomBytes } from "node:crypto";
import { z } from "zod";
import type { Manifest, ManifestModel } from "@sdx/sdk/manifest";
import { hostFailed, validationFailed, type ValidationIssue } from "../store/errors.js";

type BlobField = ManifestModel["blobFields"][number];

const NONCE = randomBytes(8).toString("hex");
const TOKEN_PREFIX = `\u0000sdx-typed-array:${NONCE}:`;
const TYPED_ARRAY_KEY = "x-sdx-typedArray";

function typedArrayName(value: unknown): string | undefined {
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return value.constructor.name;
  return undefined;
}

/** Copy of a JSON Schema with typed-array nodes replaced by token constants. */
function prepareSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(prepareSchema);
  if (node === null || typeof node !== "object") return node;
  const record = node as Record<string, unknown>;
  const typed = record[TYPED_ARRAY_KEY];
  if (typeof typed === "string") return { type: "string", const: TOKEN_PREFIX + typed };
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) out[key] = key === "const" || key === "enum" || key === "default" || key === "examples" ? value : prepareSchema(value);
  return out;
}

/** Copy of a payload with typed arrays replaced by their tokens (plain JSON otherwise). */
function prepareValue(value: unknown, depth = 0): unknown {
  if (depth > 256) return value;
  const name = typedArrayName(value);
  if (name) return TOKEN_PREFIX + name;
  if (Array.isArray(value)) return value.map((v) => prepareValue(v, depth + 1));
  if (value !== null && typeof value === "object" && !(value instanceof ArrayBuffer)) {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) out[key] = prepareValue(v, depth + 1);
    return out;
  }
  return value;
}

function valueAt(root: unknown, path: PropertyKey[]): unknown {
  let current = root;
  for (const key of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typedArrayName(value) ?? typeof value;
}

function issuesOf(error: z.ZodError, original: unknown): ValidationIssue[] {
  return error.issues.map((issue) => {
    const actual = valueAt(original, issue.path);
    let message = issue.message;
    if (message.includes(TOKEN_PREFIX)) {
      // The typed-array token must not leak into messages: name the class instead.
      const names = message.split(TOKEN_PREFIX).slice(1).map((part) => /^[A-Za-z0-9]+/.exec(part)?.[0] ?? "typed array");
      message = `Invalid input: expected ${names.map((n) => `a ${n}`).join(" or ")}, received ${describe(actual)}`;
    } else if (typedArrayName(actual)) {
      message = message.replace(/received string$/, `received ${describe(actual)}`);
    }
    return { path: issue.path.map(String).join("."), message };
  });
}

const byManifest = new WeakMap<Manifest, ModelValidators>();

export class ModelValidators {
  private readonly models = new Map<string, ManifestModel>();
  private readonly compiled = new Map<string, z.ZodType>();

  private constructor(readonly manifest: Manifest) {
    for (const model of manifest.models) this.models.set(model.name, model);
  }

  /** Validators for a manifest; the same manifest object gives the same (cached) instance. */
  static fromManifest(manifest: Manifest): ModelValidators {
    let validators = byManifest.get(manifest);
    if (!validators) {
      validators = new ModelValidators(manifest);
      byManifest.set(manifest, validators);
    }
    return validators;
  }

  model(modelType: string): ManifestModel | undefined {
    return this.models.get(modelType);
  }

  blobField(modelType: string, field: string): BlobField | undefined {
    return this.models.get(modelType)?.blobFields.find((b) => b.name === field);
  }

  /** Top-level inline field names (the ones queries may filter and sort on). */
  inlineFields(modelType: string): ReadonlySet<string> {
    const properties = this.models.get(modelType)?.schema.properties;
    return new Set(properties && typeof properties === "object" ? Object.keys(properties) : []);
  }

  /** The model, or SDX3002 naming the extension's model types. */
  requireModel(modelType: string): ManifestModel {
    const model = this.models.get(modelType);
    if (!model) {
      const known = [...this.models.keys()].join(", ") || "none";
      throw validationFailed(`${this.manifest.id} has no model type "${modelType}" (its models: ${known})`);
    }
    return model;
  }

  private schema(key: string, jsonSchema: Record<string, unknown>): z.ZodType {
    let schema = this.compiled.get(key);
    if (!schema) {
      try {
        schema = z.fromJSONSchema(prepareSchema(jsonSchema) as Parameters<typeof z.fromJSONSchema>[0]);
      } catch (error) {
        throw hostFailed(`cannot compile the JSON Schema of ${key}: ${(error as Error).message}`, error);
      }
      this.compiled.set(key, schema);
    }
    return schema;
  }

  /** Throws SDX3002 with every zod issue located. */
  validateData(modelType: string, data: unknown): void {
    const model = this.requireModel(modelType);
    const result = this.schema(`${modelType} data`, model.schema).safeParse(prepareValue(data));
    if (!result.success) throw validationFailed(`${modelType} data does not match its schema (v${model.version})`, issuesOf(result.error, data));
  }

  validateBlob(modelType: string, field: string, value: unknown): void {
    const blob = this.blobField(modelType, field);
    if (!blob) {
      const names = this.requireModel(modelType).blobFields.map((b) => b.name).join(", ") || "none";
      throw validationFailed(`${modelType} has no blob field "${field}" (its blob fields: ${names})`);
    }
    const result = this.schema(`${modelType}.${field}`, blob.schema).safeParse(prepareValue(value));
    if (!result.success) {
      throw validationFailed(
        `${modelType}.${field} does not match its schema`,
        issuesOf(result.error, value).map((i) => ({ ...i, path: i.path ? `${field}.${i.path}` : field })),
      );
    }
  }
}
