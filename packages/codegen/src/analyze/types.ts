/**
 * TypeScript type → JSON Schema (draft 2020-12), through the checker.
 *
 * Input: a type, and the type node it was written as when there is one (the checker erases
 * aliases of primitives, so `Uuid` and `Timestamp` survive only in nodes). Output: a plain schema
 * plus issues (not serializable, unresolved, unchecked) for the caller to report under its own
 * code: SDX1009 for model fields, SDX1012 for parameters, SDX1026 for memory items.
 * Must not: report diagnostics itself, or emit anything that is not plain JSON.
 *
 * Mapping: string/number/boolean/null; literal unions → `enum`; `T | null` → `type: [T, "null"]`
 * (or `anyOf`); arrays → `items`; tuples → `prefixItems`; `Record<string, T>` and index signatures
 * → `additionalProperties`; interfaces, type literals and nested `@model` classes → `properties`
 * with `required` for non-optional ones; typed arrays → `{ "x-sdx-typedArray": name }` (they cross
 * the boundary as binary attachments); recursive types → `$defs` + `$ref`.
 */
import { ts } from "../program/typescript.js";
import type { JsonSchema, JsonValue } from "../ir/ir.js";
import type { AnalyzeContext } from "./context.js";
import { includesUndefined, mergeUnion } from "./schema-utils.js";

export type SchemaIssueKind = "unserializable" | "unresolved" | "untyped";

export interface SchemaIssue {
  readonly kind: SchemaIssueKind;
  readonly node: ts.Node;
  readonly message: string;
  readonly hint?: string;
}

export interface SchemaOutcome {
  readonly schema: JsonSchema;
  readonly issues: readonly SchemaIssue[];
}

type Schema = { [key: string]: JsonValue };

/** What the protocol codec sends as binary attachments (`BinaryTypeName` in @sdx/sdk/protocol). */
export const TYPED_ARRAYS = new Set([
  "Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array", "Uint16Array", "Int32Array", "Uint32Array",
  "Float32Array", "Float64Array", "BigInt64Array", "BigUint64Array", "ArrayBuffer",
]);

const NOT_DATA: Record<string, string> = {
  Date: "Store dates as `Timestamp` (an ISO-8601 string, e.g. `new Date().toISOString()`).",
  Map: "Use `Record<string, T>` (a plain object) instead of Map.",
  WeakMap: "Use `Record<string, T>` (a plain object) instead of WeakMap.",
  Set: "Use an array instead of Set.",
  WeakSet: "Use an array instead of WeakSet.",
  Promise: "Await the value before storing it.",
  RegExp: "Store the pattern as a string.",
  Error: "Store the message as a string.",
  Function: "Functions are code, not data.",
  WeakRef: "References cannot be serialized.",
  Float16Array: "Use Float32Array; `@blobData({ quantize: \"f16\" })` stores it in 16 bits.",
  DataView: "Store the underlying bytes as a Uint8Array.",
  SharedArrayBuffer: "Copy the bytes into an ArrayBuffer or Uint8Array.",
};

function isTypeNodeKeyword(node: ts.TypeNode, kind: ts.SyntaxKind): boolean {
  return node.kind === kind || (ts.isLiteralTypeNode(node) && node.literal.kind === kind);
}

export class SchemaBuilder {
  private issues: SchemaIssue[] = [];
  private readonly active = new Set<ts.Type>();
  private readonly recursive = new Set<ts.Type>();
  private readonly defNames = new Map<ts.Type, string>();
  private readonly defs = new Map<string, Schema>();

  private constructor(
    private readonly ctx: AnalyzeContext,
    private readonly rootName: string,
  ) {}

  /**
   * Converts one root type. `at` is where issues point when no closer node of the author exists;
   * `rootName` (a field or parameter name) starts the paths in issue messages (`faces[].box`).
   */
  static build(ctx: AnalyzeContext, type: ts.Type, node: ts.TypeNode | undefined, at: ts.Node, rootName = ""): SchemaOutcome {
    const builder = new SchemaBuilder(ctx, rootName);
    let schema = builder.convert(type, node, at, rootName);
    if (builder.defs.size) {
      const defs: Schema = {};
      for (const name of [...builder.defs.keys()].sort()) defs[name] = builder.defs.get(name)!;
      schema = { ...schema, $defs: defs };
    }
    return { schema, issues: builder.issues };
  }

  private get checker(): ts.TypeChecker {
    return this.ctx.checker;
  }

  private issue(kind: SchemaIssueKind, node: ts.Node, path: string, what: string, hint?: string): Schema {
    const where = path && path !== this.rootName ? `"${path}": ` : "";
    this.issues.push({ kind, node, message: `${where}${what}`, ...(hint ? { hint } : {}) });
    return {};
  }

  /** The node to blame: the author's own declaration when there is one, else the root. */
  private blame(decl: ts.Node | undefined, at: ts.Node): ts.Node {
    return decl && this.ctx.ownFiles.has(decl.getSourceFile().fileName) ? decl : at;
  }

  private convert(type: ts.Type, node: ts.TypeNode | undefined, at: ts.Node, path: string): Schema {
    if (node) {
      // Problems point at the exact type the author wrote, when it is the author's.
      if (this.ctx.ownFiles.has(node.getSourceFile().fileName)) at = node;
      if (ts.isParenthesizedTypeNode(node)) return this.convert(type, node.type, at, path);
      const sdkName = this.ctx.sdk.sdkNameOfTypeNode(node);
      if (sdkName === "Uuid") return { type: "string", format: "uuid" };
      if (sdkName === "Timestamp") return { type: "string", format: "date-time" };
      if (sdkName === "JsonValue") return {};
      if (ts.isUnionTypeNode(node)) return this.unionOfNodes(node, at, path);
      if (ts.isArrayTypeNode(node) && this.checker.isArrayType(type)) {
        return this.array(this.checker.getTypeArguments(type as ts.TypeReference)[0]!, node.elementType, at, path);
      }
      if (ts.isTypeOperatorNode(node) && node.operator === ts.SyntaxKind.ReadonlyKeyword) return this.convert(type, node.type, at, path);
      if (ts.isTypeReferenceNode(node)) {
        if (this.checker.isArrayType(type) && node.typeArguments?.length === 1) {
          return this.array(this.checker.getTypeArguments(type as ts.TypeReference)[0]!, node.typeArguments[0], at, path);
        }
        const alias = this.userAlias(node);
        if (alias) return this.convert(type, alias.type, at, path);
        const record = this.stringRecord(node);
        if (record) return { type: "object", additionalProperties: this.convert(this.checker.getTypeFromTypeNode(record), record, at, `${path}[key]`) };
      }
      if (ts.isTupleTypeNode(node) && this.checker.isTupleType(type)) return this.tuple(type as ts.TypeReference, node, at, path);
    }
    return this.fromType(type, at, path);
  }

  /** A non-generic type alias declared by the author (`type PersonId = Uuid`). */
  private userAlias(node: ts.TypeReferenceNode): ts.TypeAliasDeclaration | null {
    const name = ts.isQualifiedName(node.typeName) ? node.typeName.right : node.typeName;
    const symbol = this.checker.getSymbolAtLocation(name);
    if (!symbol) return null;
    const decl = this.ctx.sdk.resolve(symbol).declarations?.find(ts.isTypeAliasDeclaration);
    return decl && !decl.typeParameters && !this.ctx.sdk.isSdkFile(decl.getSourceFile().fileName) ? decl : null;
  }

  /** The value type node of `Record<string, V>` (lib's Record), so `Record<string, Uuid>` keeps its format. */
  private stringRecord(node: ts.TypeReferenceNode): ts.TypeNode | null {
    const args = node.typeArguments;
    if (args?.length !== 2) return null;
    const name = ts.isQualifiedName(node.typeName) ? node.typeName.right : node.typeName;
    const symbol = this.checker.getSymbolAtLocation(name);
    if (!symbol || symbol.getName() !== "Record" || !this.isLib(symbol)) return null;
    const key = this.checker.getTypeFromTypeNode(args[0]!);
    return key.flags & (ts.TypeFlags.String | ts.TypeFlags.Number) ? args[1]! : null;
  }

  private array(element: ts.Type, elementNode: ts.TypeNode | undefined, at: ts.Node, path: string): Schema {
    return { type: "array", items: this.convert(element, elementNode, at, `${path}[]`) };
  }

  private tuple(type: ts.TypeReference, node: ts.TupleTypeNode | undefined, at: ts.Node, path: string): Schema {
    const args = this.checker.getTypeArguments(type);
    const target = type.target as ts.TupleType;
    const items = args.map((arg, i) => {
      const el = node?.elements[i];
      const elNode = el && ts.isNamedTupleMember(el) ? el.type : el && ts.isOptionalTypeNode(el) ? el.type : el;
      return this.convert(arg, elNode && !ts.isRestTypeNode(elNode) ? elNode : undefined, at, `${path}[${i}]`);
    });
    if (target.hasRestElement) return this.issue("unserializable", at, path, "tuples with rest elements are not supported", "Use an array type.");
    return { type: "array", prefixItems: items, minItems: target.minLength, maxItems: args.length };
  }

  private unionOfNodes(node: ts.UnionTypeNode, at: ts.Node, path: string): Schema {
    const members: Schema[] = [];
    for (const member of node.types) {
      if (isTypeNodeKeyword(member, ts.SyntaxKind.UndefinedKeyword) || member.kind === ts.SyntaxKind.VoidKeyword) continue;
      if (isTypeNodeKeyword(member, ts.SyntaxKind.NullKeyword)) {
        members.push({ type: "null" });
        continue;
      }
      members.push(this.convert(this.checker.getTypeFromTypeNode(member), member, at, path));
    }
    return mergeUnion(members);
  }

  private fromType(type: ts.Type, at: ts.Node, path: string): Schema {
    const f = type.flags;
    if (f & ts.TypeFlags.Any) {
      if ((type as { intrinsicName?: string }).intrinsicName === "error") {
        return this.issue("unresolved", at, path, ts.isTypeNode(at) ? `${at.getText()} cannot be resolved` : "the type cannot be resolved");
      }
      return this.issue("untyped", at, path, "`any` is stored without validation");
    }
    if (f & ts.TypeFlags.Unknown) return this.issue("untyped", at, path, "`unknown` is stored without validation");
    if (f & ts.TypeFlags.String) return { type: "string" };
    if (f & ts.TypeFlags.Number) return { type: "number" };
    if (f & ts.TypeFlags.Boolean) return { type: "boolean" };
    if (f & ts.TypeFlags.Null) return { type: "null" };
    if (f & ts.TypeFlags.StringLiteral) return { type: "string", const: (type as ts.StringLiteralType).value };
    if (f & ts.TypeFlags.NumberLiteral) return { type: "number", const: (type as ts.NumberLiteralType).value };
    if (f & ts.TypeFlags.BooleanLiteral) return { type: "boolean", const: (type as { intrinsicName?: string }).intrinsicName === "true" };
    if (f & (ts.TypeFlags.Undefined | ts.TypeFlags.Void)) return this.issue("unserializable", at, path, "`undefined` is not JSON", "Make the property optional (`?`) or use `null`.");
    if (f & (ts.TypeFlags.BigInt | ts.TypeFlags.BigIntLiteral)) return this.issue("unserializable", at, path, "`bigint` is not JSON-serializable", "Use `number`, or a decimal `string` for values beyond 2^53.");
    if (f & ts.TypeFlags.ESSymbolLike) return this.issue("unserializable", at, path, "symbols are not serializable");
    if (f & ts.TypeFlags.Never) return this.issue("unserializable", at, path, "`never` has no values");
    if (f & ts.TypeFlags.TypeParameter) return this.issue("unserializable", at, path, `the type parameter ${this.checker.typeToString(type)} has no fixed shape`, "Use a concrete type.");
    if (f & ts.TypeFlags.Union) return this.union(type as ts.UnionType, at, path);
    if (f & ts.TypeFlags.NonPrimitive) {
      this.issue("untyped", at, path, "`object` is stored without validation");
      return { type: "object" };
    }
    if (f & (ts.TypeFlags.Object | ts.TypeFlags.Intersection)) return this.object(type, at, path);
    return this.issue("unserializable", at, path, `${this.checker.typeToString(type)} is not serializable`);
  }

  private union(type: ts.UnionType, at: ts.Node, path: string): Schema {
    let members = type.types.filter((t) => !(t.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Void)));
    const hasTrue = members.some((t) => t.flags & ts.TypeFlags.BooleanLiteral && (t as { intrinsicName?: string }).intrinsicName === "true");
    const hasFalse = members.some((t) => t.flags & ts.TypeFlags.BooleanLiteral && (t as { intrinsicName?: string }).intrinsicName === "false");
    const schemas: Schema[] = [];
    if (hasTrue && hasFalse) {
      members = members.filter((t) => !(t.flags & ts.TypeFlags.BooleanLiteral));
      schemas.push({ type: "boolean" });
    }
    for (const member of members) schemas.push(this.fromType(member, at, path));
    return mergeUnion(schemas);
  }

  private isLib(symbol: ts.Symbol): boolean {
    return (symbol.declarations ?? []).some((d) => this.ctx.program.isSourceFileDefaultLibrary(d.getSourceFile()));
  }

  private object(type: ts.Type, at: ts.Node, path: string): Schema {
    const symbol = type.getSymbol();
    const name = symbol?.name ?? "";
    if (symbol && this.isLib(symbol)) {
      if (TYPED_ARRAYS.has(name)) return { "x-sdx-typedArray": name };
      if (name in NOT_DATA) return this.issue("unserializable", at, path, `${name} is not serializable`, NOT_DATA[name]);
    }
    if (this.checker.isArrayType(type)) return this.array(this.checker.getTypeArguments(type as ts.TypeReference)[0]!, undefined, at, path);
    if (this.checker.isTupleType(type)) return this.tuple(type as ts.TypeReference, undefined, at, path);
    if (type.getCallSignatures().length || type.getConstructSignatures().length) {
      return this.issue("unserializable", at, path, "functions are not serializable", NOT_DATA.Function);
    }
    const fromSdk = this.ctx.sdk.sdkNameOfType(type) !== null;
    const isClass = !!symbol && (symbol.flags & ts.SymbolFlags.Class) !== 0;
    if (isClass && !fromSdk && !this.ctx.modelClasses.has(symbol)) {
      return this.issue("unserializable", at, path, `class ${name} is not a @model`, `Decorate ${name} with @model, or use an interface or type for plain data.`);
    }
    return this.named(type, at, path, fromSdk || isClass);
  }

  /** Object types, with `$defs`/`$ref` when a named type contains itself. */
  private named(type: ts.Type, at: ts.Node, path: string, skipMethods: boolean): Schema {
    if (this.active.has(type)) {
      this.recursive.add(type);
      return { $ref: `#/$defs/${this.defName(type)}` };
    }
    this.active.add(type);
    const schema = this.properties(type, at, path, skipMethods);
    this.active.delete(type);
    if (this.recursive.has(type)) {
      const name = this.defName(type);
      this.defs.set(name, schema);
      return { $ref: `#/$defs/${name}` };
    }
    return schema;
  }

  private defName(type: ts.Type): string {
    const existing = this.defNames.get(type);
    if (existing) return existing;
    const base = (type.aliasSymbol ?? type.getSymbol())?.name.replace(/[^A-Za-z0-9_]/g, "") || "Type";
    let name = base;
    for (let i = 2; [...this.defNames.values()].includes(name); i++) name = `${base}${i}`;
    this.defNames.set(type, name);
    return name;
  }

  private properties(type: ts.Type, at: ts.Node, path: string, skipMethods: boolean): Schema {
    const properties: Schema = {};
    const required: string[] = [];
    for (const prop of this.checker.getPropertiesOfType(type)) {
      const key = prop.getName();
      if (key.startsWith("__@") || key.startsWith("#")) continue;
      const decl = prop.valueDeclaration ?? prop.declarations?.[0];
      const propPath = path ? `${path}.${key}` : key;
      const isMethod = (prop.flags & ts.SymbolFlags.Method) !== 0;
      if (isMethod || (decl && (ts.isGetAccessor(decl) || ts.isSetAccessor(decl)) && skipMethods)) {
        if (!skipMethods) this.issue("unserializable", this.blame(decl, at), propPath, "methods are not data", NOT_DATA.Function);
        continue;
      }
      const propType = this.checker.getTypeOfSymbol(prop);
      const node = decl && (ts.isPropertySignature(decl) || ts.isPropertyDeclaration(decl)) ? decl.type : undefined;
      const blameAt = this.blame(decl, at);
      properties[key] = this.convert(propType, node, blameAt, propPath);
      if (!(prop.flags & ts.SymbolFlags.Optional) && !includesUndefined(propType)) required.push(key);
    }
    const schema: Schema = { type: "object" };
    if (Object.keys(properties).length) schema.properties = properties;
    if (required.length) schema.required = required;
    const index = this.checker.getIndexInfosOfType(type).find((i) => i.keyType.flags & (ts.TypeFlags.String | ts.TypeFlags.Number));
    if (index) schema.additionalProperties = this.convert(index.type, index.declaration?.type, at, `${path}[key]`);
    return schema;
  }
}

