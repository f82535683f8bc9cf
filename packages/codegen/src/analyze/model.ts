/**
 * `@model({...})` classes and their `@blobData` fields.
 *
 * Input: a decorated class. Output: `ModelIR`: options with defaults (sync: shared for content
 * and standalone, device_owned for entry; name: the class name), the inline data schema (without
 * `id` and blob fields) and one schema per blob field.
 * Reports SDX1004, SDX1008, SDX1009, SDX1010, SDX1011, SDX1018, SDX1024, SDX1032.
 * Must not: decide anything about other classes (nested @model classes are known by symbol).
 */
import { ts } from "../program/typescript.js";
import type { BlobFieldIR, JsonSchema, JsonValue, ModelFieldIR, ModelIR } from "../ir/ir.js";
import type { DecoratedClass, FoundDecorator } from "../program/discover.js";
import { spanOf } from "../program/spans.js";
import { classRef, classSymbol, constructorWithParams } from "./class-ref.js";
import type { AnalyzeContext } from "./context.js";
import { checkSemver, fallbackRef } from "./extension.js";
import { checkName } from "./names.js";
import { DecoratorOptions } from "./decorator-options.js";
import { reportSchemaIssues } from "./params.js";
import { hoistDefs, includesUndefined } from "./schema-utils.js";
import { SchemaBuilder } from "./types.js";

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Float arrays (the only thing quantization applies to): Float32Array, Float64Array, number[] and nestings. */
function isFloatArray(schema: JsonSchema): boolean {
  const typed = schema["x-sdx-typedArray"];
  if (typed === "Float32Array" || typed === "Float64Array") return true;
  if (schema.type === "array" && schema.items && typeof schema.items === "object" && !Array.isArray(schema.items)) {
    const items = schema.items as JsonSchema;
    return items.type === "number" || isFloatArray(items);
  }
  return false;
}

function readBlob(name: string, decorator: FoundDecorator, fieldSchema: JsonSchema, required: boolean, at: ts.Node, ctx: AnalyzeContext): BlobFieldIR {
  const options = DecoratorOptions.of("blobData", decorator, ctx);
  options.rejectUnknown("SDX1010");
  const compression = options.oneOf("compression", "SDX1010") ?? options.default("compression");
  const lazy = options.boolean("lazy", "SDX1010")?.value ?? options.default("lazy");
  const quantize = options.oneOf("quantize", "SDX1010") ?? options.default("quantize");
  if (quantize !== "none" && !isFloatArray(fieldSchema)) {
    ctx.diagnostics.error("SDX1010", spanOf(options.node("quantize")), `quantize: "${quantize}" applies to float arrays (Float32Array, number[]), not to "${name}"`);
  }
  if (lazy && required) {
    ctx.diagnostics.warn("lazy-blob-not-optional", spanOf(at), `Lazy blob field "${name}" is not optional`);
  }
  return { name, compression, lazy, quantize, schema: fieldSchema };
}

export function analyzeModel(cls: DecoratedClass, decorator: FoundDecorator, ctx: AnalyzeContext): ModelIR | null {
  const nameNode = cls.node.name ?? cls.node;
  let ref = classRef(cls.node, ctx);
  if (!ref) {
    ctx.diagnostics.error("SDX1032", spanOf(nameNode), `The @model class ${cls.name} is not exported`);
    ref = fallbackRef(cls);
  }
  checkName(cls.name, nameNode, "Model class", ctx);
  const ctor = constructorWithParams(cls.node);
  if (ctor) ctx.diagnostics.error("SDX1032", spanOf(ctor), `The @model class ${cls.name} has constructor parameters`);

  const options = DecoratorOptions.of("model", decorator, ctx);
  if (!decorator.args) ctx.diagnostics.error("SDX1008", spanOf(decorator.node), "@model needs its options: @model({ version, scope })");
  options.rejectUnknown();
  const version = checkSemver(options.string("version", "SDX1004"), "version", ctx);
  const scope = options.oneOf("scope", "SDX1024");
  const sync = options.oneOf("sync", "SDX1024");
  if (scope === "entry" && sync === "shared") {
    ctx.diagnostics.error("SDX1011", spanOf(options.node("sync")), `Entry-scoped model ${cls.name} cannot use shared sync`);
  }
  const nameOption = options.string("name");
  if (nameOption && !IDENTIFIER.test(nameOption.value)) {
    ctx.diagnostics.error("SDX1008", spanOf(nameOption.node), `Model name "${nameOption.value}" is not an identifier`);
  }

  const blobDecorators = new Map<string, FoundDecorator>();
  for (const member of cls.members) {
    for (const d of member.decorators) if (d.kind === "blobData") blobDecorators.set(member.name, d);
  }

  const fields: ModelFieldIR[] = [];
  const blobFields: BlobFieldIR[] = [];
  const symbol = classSymbol(cls.node, ctx);
  const instanceType = symbol ? ctx.checker.getDeclaredTypeOfSymbol(symbol) : undefined;
  for (const prop of instanceType ? ctx.checker.getPropertiesOfType(instanceType) : []) {
    const decl = prop.valueDeclaration;
    if (!decl || !ts.isPropertyDeclaration(decl) || ts.isPrivateIdentifier(decl.name)) continue;
    const name = prop.getName();
    checkName(name, decl.name, `Field of model ${cls.name}`, ctx);
    const blob = blobDecorators.get(name);
    if (name === "id") {
      if (blob) ctx.diagnostics.error("SDX1010", spanOf(blob.node), "@blobData cannot go on `id`: the id is the model's row key");
      continue;
    }
    const type = ctx.checker.getTypeOfSymbol(prop);
    const outcome = SchemaBuilder.build(ctx, type, decl.type, decl.type ?? decl.name, name);
    reportSchemaIssues(outcome.issues, "SDX1009", ctx, `Field "${name}" of model ${cls.name}`);
    const required = !decl.questionToken && !includesUndefined(type);
    fields.push({ name, schema: outcome.schema, required, blob: !!blob, span: spanOf(decl.name) });
    if (blob) blobFields.push(readBlob(name, blob, outcome.schema, required, decl.name, ctx));
  }

  // Recursive field types carry `$defs`; in the model's schema they move to its root.
  const inline = fields.filter((f) => !f.blob);
  const hoisted = hoistDefs(inline.map((f) => f.schema));
  const properties: Record<string, JsonValue> = {};
  const required: string[] = [];
  inline.forEach((field, i) => {
    properties[field.name] = hoisted.schemas[i]!;
    if (field.required) required.push(field.name);
  });
  const schema: JsonSchema = {
    type: "object",
    properties,
    ...(required.length ? { required } : {}),
    ...(Object.keys(hoisted.defs).length ? { $defs: hoisted.defs } : {}),
  };

  if (!version || !scope) return null;
  return {
    name: nameOption && IDENTIFIER.test(nameOption.value) ? nameOption.value : cls.name,
    classRef: ref,
    version,
    scope,
    sync: sync ?? (scope === "entry" ? "device_owned" : "shared"),
    fields,
    schema,
    blobFields,
  };
}
