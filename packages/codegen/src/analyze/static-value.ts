/**
 * Reads decorator options at build time, without running the author's code.
 *
 * Input: an expression from a decorator call. Output: a `StaticValue` tree that keeps the node of
 * every value (so errors point at the exact literal). Understood: literals, negative numbers,
 * arrays, objects, `as const`/`satisfies`/parentheses, `const` variables (also across modules),
 * properties of const objects, members of string/number enums, and `Permission.x({...})` calls of
 * the sdk. Anything else is dynamic: SDX1007 at that expression, and the value is skipped.
 * Must not: evaluate arbitrary code.
 */
import { ts } from "../program/typescript.js";
import type { AnalyzeContext } from "./context.js";
import { spanOf } from "../program/spans.js";

export type StaticValue =
  | { readonly kind: "string"; readonly value: string; readonly node: ts.Node }
  | { readonly kind: "number"; readonly value: number; readonly node: ts.Node }
  | { readonly kind: "boolean"; readonly value: boolean; readonly node: ts.Node }
  | { readonly kind: "null"; readonly node: ts.Node }
  | { readonly kind: "undefined"; readonly node: ts.Node }
  | { readonly kind: "array"; readonly items: readonly StaticValue[]; readonly node: ts.Node }
  | { readonly kind: "object"; readonly props: ReadonlyMap<string, StaticProp>; readonly node: ts.Node }
  | { readonly kind: "permission"; readonly builder: string; readonly args: readonly StaticValue[]; readonly node: ts.Node; readonly nameNode: ts.Node }
  | { readonly kind: "dynamic"; readonly node: ts.Node };

export interface StaticProp {
  readonly value: StaticValue;
  readonly keyNode: ts.Node;
}

function unwrap(expr: ts.Expression): ts.Expression {
  for (;;) {
    if (ts.isParenthesizedExpression(expr) || ts.isAsExpression(expr) || ts.isSatisfiesExpression(expr) || ts.isTypeAssertionExpression(expr) || ts.isNonNullExpression(expr)) {
      expr = expr.expression;
    } else return expr;
  }
}

function propertyKey(name: ts.PropertyName, ctx: AnalyzeContext, depth: number): string | null {
  if (ts.isIdentifier(name) || ts.isStringLiteral(name) || ts.isNumericLiteral(name) || ts.isNoSubstitutionTemplateLiteral(name)) return name.text;
  if (ts.isComputedPropertyName(name)) {
    const key = evaluate(name.expression, ctx, depth + 1, false);
    if (key.kind === "string") return key.value;
    if (key.kind === "number") return String(key.value);
  }
  return null;
}

/** The initializer of a `const` (or enum member) that `expr` names, if any. */
function constInitializer(expr: ts.Expression, ctx: AnalyzeContext): ts.Expression | ts.EnumMember | null {
  const target = ts.isPropertyAccessExpression(expr) ? expr.name : expr;
  const symbol = ctx.checker.getSymbolAtLocation(target);
  if (!symbol) return null;
  const decl = ctx.sdk.resolve(symbol).valueDeclaration;
  if (!decl) return null;
  if (ts.isEnumMember(decl)) return decl;
  if (ts.isVariableDeclaration(decl) && decl.initializer && ts.isVariableDeclarationList(decl.parent) && decl.parent.flags & ts.NodeFlags.Const) {
    return decl.initializer;
  }
  return null;
}

function enumValue(member: ts.EnumMember, ctx: AnalyzeContext, at: ts.Node): StaticValue {
  const value = ctx.checker.getConstantValue(member);
  if (typeof value === "string") return { kind: "string", value, node: at };
  if (typeof value === "number") return { kind: "number", value, node: at };
  return { kind: "dynamic", node: at };
}

/**
 * @param report whether to report SDX1007 for a dynamic value (false while probing).
 */
function evaluate(input: ts.Expression, ctx: AnalyzeContext, depth: number, report: boolean): StaticValue {
  const expr = unwrap(input);
  const dynamic = (node: ts.Node, why?: string): StaticValue => {
    if (report) ctx.diagnostics.error("SDX1007", spanOf(node), why ? `Decorator option must be a literal: ${why}` : undefined);
    return { kind: "dynamic", node };
  };
  if (depth > 32) return dynamic(expr, "constants nest too deeply");
  if (ts.isStringLiteral(expr) || ts.isNoSubstitutionTemplateLiteral(expr)) return { kind: "string", value: expr.text, node: expr };
  if (ts.isNumericLiteral(expr)) return { kind: "number", value: Number(expr.text), node: expr };
  if (expr.kind === ts.SyntaxKind.TrueKeyword) return { kind: "boolean", value: true, node: expr };
  if (expr.kind === ts.SyntaxKind.FalseKeyword) return { kind: "boolean", value: false, node: expr };
  if (expr.kind === ts.SyntaxKind.NullKeyword) return { kind: "null", node: expr };
  if (ts.isIdentifier(expr) && expr.text === "undefined") return { kind: "undefined", node: expr };
  if (ts.isPrefixUnaryExpression(expr) && (expr.operator === ts.SyntaxKind.MinusToken || expr.operator === ts.SyntaxKind.PlusToken)) {
    const inner = evaluate(expr.operand, ctx, depth + 1, report);
    if (inner.kind === "number") return { kind: "number", value: expr.operator === ts.SyntaxKind.MinusToken ? -inner.value : inner.value, node: expr };
    return inner.kind === "dynamic" ? inner : dynamic(expr, "unary minus needs a number");
  }
  if (ts.isArrayLiteralExpression(expr)) {
    const items: StaticValue[] = [];
    for (const element of expr.elements) {
      if (ts.isSpreadElement(element)) {
        const spread = evaluate(element.expression, ctx, depth + 1, report);
        if (spread.kind === "array") items.push(...spread.items);
        else if (spread.kind !== "dynamic") items.push(dynamic(element, "only arrays can be spread into an array"));
        else items.push(spread);
      } else items.push(evaluate(element, ctx, depth + 1, report));
    }
    return { kind: "array", items, node: expr };
  }
  if (ts.isObjectLiteralExpression(expr)) {
    const props = new Map<string, StaticProp>();
    for (const prop of expr.properties) {
      if (ts.isPropertyAssignment(prop)) {
        const key = propertyKey(prop.name, ctx, depth);
        if (key === null) {
          dynamic(prop.name, "computed keys must be constant");
          continue;
        }
        props.set(key, { value: evaluate(prop.initializer, ctx, depth + 1, report), keyNode: prop.name });
      } else if (ts.isShorthandPropertyAssignment(prop)) {
        const init = constInitializer(prop.name, ctx);
        const value = init && !ts.isEnumMember(init) ? evaluate(init, ctx, depth + 1, report) : dynamic(prop.name, `"${prop.name.text}" is not a const`);
        props.set(prop.name.text, { value: withNode(value, prop), keyNode: prop.name });
      } else if (ts.isSpreadAssignment(prop)) {
        const spread = evaluate(prop.expression, ctx, depth + 1, report);
        if (spread.kind === "object") for (const [k, v] of spread.props) props.set(k, v);
        else if (spread.kind !== "dynamic") dynamic(prop, "only objects can be spread into an object");
      } else {
        dynamic(prop, "methods and accessors are not data");
      }
    }
    return { kind: "object", props, node: expr };
  }
  if (ts.isCallExpression(expr)) {
    const callee = unwrap(expr.expression);
    if (ts.isPropertyAccessExpression(callee) && ctx.sdk.sdkNameOfExpression(callee.expression) === "Permission") {
      return {
        kind: "permission",
        builder: callee.name.text,
        args: expr.arguments.map((a) => evaluate(a, ctx, depth + 1, report)),
        node: expr,
        nameNode: callee.name,
      };
    }
    return dynamic(expr, "function calls are not evaluated (only Permission.* builders)");
  }
  if (ts.isIdentifier(expr) || ts.isPropertyAccessExpression(expr)) {
    const init = constInitializer(expr, ctx);
    if (init && ts.isEnumMember(init)) {
      const value = enumValue(init, ctx, expr);
      return value.kind === "dynamic" ? dynamic(expr, "enum members must have literal values") : value;
    }
    if (init) return withNode(evaluate(init, ctx, depth + 1, report), expr);
    if (ts.isPropertyAccessExpression(expr)) {
      // `CONFIG.id`: a property of a const object literal.
      const base = evaluate(expr.expression, ctx, depth + 1, false);
      if (base.kind === "object") {
        const prop = base.props.get(expr.name.text);
        if (prop) return withNode(prop.value, expr);
      }
    }
    return dynamic(expr, `"${expr.getText()}" is not a constant the build can read`);
  }
  if (ts.isTemplateExpression(expr)) return dynamic(expr, "template literals with substitutions are not constant");
  return dynamic(expr);
}

/** Values read through a constant point at the use site, where the author can see them. */
function withNode(value: StaticValue, node: ts.Node): StaticValue {
  if (value.kind === "array" || value.kind === "object" || value.kind === "permission" || value.kind === "dynamic") return value;
  return { ...value, node };
}

export function readStatic(expr: ts.Expression, ctx: AnalyzeContext): StaticValue {
  return evaluate(expr, ctx, 0, true);
}
