/**
 * `@query()` methods: named queries read from the method's body, statically.
 *
 * Input: a decorated method of the extension class, the extension's models (by class symbol) and
 * permissions. Output: `QueryIR` (the `QuerySpec` the sdk's builder gives for the same chain, its
 * parameters, its label), or null. The body must be one `return` of a chain that starts at the
 * method's first parameter: `q.models(Model)` or `q.entries()`, then `where`, `orderBy`, `limit`,
 * `show` (and `ofKind`, `withTag` on entries) with literal arguments or the method's parameters.
 * The chain is replayed on the sdk's own builder, so both agree by construction; the result is
 * checked against the models and permissions (`checkQuery`), each problem at its argument.
 * Reports SDX1045. Must not: run the author's code.
 */
import { ts } from "../program/typescript.js";
import { EntrySelection, ModelSelection } from "@sdx/sdk";
import { checkQuery, querySpecSchema, type QuerySpec } from "@sdx/sdk/query";
import type { ModelIR, PermissionIR, QueryIR } from "../ir/ir.js";
import type { DecoratedMember, FoundDecorator } from "../program/discover.js";
import { spanOf } from "../program/spans.js";
import type { AnalyzeContext } from "./context.js";
import { DecoratorOptions } from "./decorator-options.js";
import { checkName } from "./names.js";
import { readParams } from "./params.js";
import { readStatic, type StaticValue } from "./static-value.js";

const STEPS: Record<string, { arity: [number, number]; entriesOnly?: boolean }> = {
  where: { arity: [3, 3] },
  orderBy: { arity: [1, 2] },
  limit: { arity: [1, 1] },
  show: { arity: [1, 1] },
  ofKind: { arity: [1, 1], entriesOnly: true },
  withTag: { arity: [1, 1], entriesOnly: true },
};

interface Step {
  name: string;
  call: ts.CallExpression;
  args: readonly ts.Expression[];
}

function unwrap(expr: ts.Expression): ts.Expression {
  while (ts.isParenthesizedExpression(expr) || ts.isAsExpression(expr) || ts.isSatisfiesExpression(expr) || ts.isNonNullExpression(expr)) expr = expr.expression;
  return expr;
}

/** The one returned expression of the body (a `return x;` block or nothing else). */
function returned(method: ts.MethodDeclaration): ts.Expression | null {
  const statements = method.body?.statements ?? [];
  const [only] = statements;
  if (statements.length !== 1 || !only || !ts.isReturnStatement(only) || !only.expression) return null;
  return only.expression;
}

function plain(value: StaticValue): unknown {
  switch (value.kind) {
    case "string": case "number": case "boolean": return value.value;
    case "null": return null;
    case "array": return value.items.map(plain);
    case "object": return Object.fromEntries([...value.props].map(([k, p]) => [k, plain(p.value)]));
    default: return undefined;
  }
}

export function analyzeQuery(
  member: DecoratedMember,
  decorator: FoundDecorator,
  ctx: AnalyzeContext,
  models: ReadonlyMap<ts.Symbol, ModelIR>,
  permissions: readonly PermissionIR[],
): QueryIR | null {
  const method = member.node as ts.MethodDeclaration;
  const what = `@query ${member.name}`;
  checkName(member.name, method.name, "Query", ctx);
  const options = DecoratorOptions.of("query", decorator, ctx);
  options.rejectUnknown();
  const label = options.string("label");
  const error = (node: ts.Node, message: string, hint?: string): null => {
    ctx.diagnostics.error("SDX1045", spanOf(node), `${what}: ${message}`, hint ? { hint } : {});
    return null;
  };

  const first = method.parameters[0];
  const firstType = first?.type ? ctx.sdk.sdkNameOfTypeNode(first.type) : null;
  if (!first || !ts.isIdentifier(first.name) || firstType !== "Query") return error(first ?? method.name, "the first parameter is the query builder, `q: Query`");
  const builderName = first.name.text;
  const params = readParams(method, ctx, "SDX1045", what);
  const paramNames = new Set(params.map((p) => p.name));

  const body = returned(method);
  if (!body) return error(method.name, "the body must be one `return` of a chain on the query builder", "Write `return q.models(Model).where(…)…;` and nothing else: the build reads the chain, the method never runs.");

  // Walk the chain from its end back to `q`.
  const steps: Step[] = [];
  let expr = unwrap(body);
  while (ts.isCallExpression(expr) && ts.isPropertyAccessExpression(expr.expression)) {
    steps.unshift({ name: expr.expression.name.text, call: expr, args: expr.arguments });
    expr = unwrap(expr.expression.expression);
  }
  if (!ts.isIdentifier(expr) || expr.text !== builderName) return error(expr, `the chain must start at \`${builderName}\`, the query builder`);
  const source = steps.shift();
  if (!source || (source.name !== "models" && source.name !== "entries")) {
    return error(source?.call ?? body, `the chain starts with ${builderName}.models(Model) or ${builderName}.entries()`);
  }

  let selection: ModelSelection<unknown> | EntrySelection;
  if (source.name === "models") {
    const arg = source.args[0];
    const symbol = arg && ts.isIdentifier(arg) ? ctx.checker.getSymbolAtLocation(arg) : undefined;
    const model = symbol ? models.get(ctx.sdk.resolve(symbol)) : undefined;
    if (!arg || source.args.length !== 1 || !model) return error(arg ?? source.call, "models() takes one @model class of this extension");
    selection = new ModelSelection(model.name);
  } else {
    if (source.args.length) return error(source.args[0]!, "entries() takes no arguments");
    selection = new EntrySelection();
  }

  // Which argument node a problem of the spec points at.
  const nodes = new Map<string, ts.Node>([["from", source.call]]);
  let filters = 0;
  let ok = true;
  for (const step of steps) {
    const shape = STEPS[step.name];
    if (!shape || (shape.entriesOnly && source.name !== "entries")) {
      ok = error(step.call.expression, `${step.name}() is not a step of ${source.name === "entries" ? "an entries" : "a models"} query (steps: ${Object.keys(STEPS).filter((s) => source.name === "entries" || !STEPS[s]!.entriesOnly).join(", ")})`) ?? false;
      continue;
    }
    if (step.args.length < shape.arity[0] || step.args.length > shape.arity[1]) {
      ok = error(step.call, `${step.name}() takes ${shape.arity[0] === shape.arity[1] ? shape.arity[0] : `${shape.arity[0]} or ${shape.arity[1]}`} arguments`) ?? false;
      continue;
    }
    const values: unknown[] = [];
    for (const arg of step.args) {
      const inner = unwrap(arg);
      if (ts.isIdentifier(inner) && paramNames.has(inner.text)) {
        values.push({ param: inner.text });
        continue;
      }
      const value = readStatic(arg, ctx);
      if (value.kind === "dynamic") {
        ok = false; // readStatic reported it
        continue;
      }
      values.push(plain(value));
    }
    if (!ok) continue;
    const base = step.name === "where" || step.name === "ofKind" || step.name === "withTag" ? `where.${filters++}` : step.name;
    if (base.startsWith("where.")) {
      nodes.set(`${base}.field`, step.args[step.name === "where" ? 0 : 0]!);
      nodes.set(`${base}.op`, step.args[step.name === "where" ? 1 : 0]!);
      nodes.set(`${base}.value`, step.args[step.name === "where" ? 2 : 0]!);
    } else if (step.name === "orderBy") nodes.set("orderBy.field", step.args[0]!);
    else if (step.name === "show") nodes.set("show", step.args[0]!);
    try {
      (selection as unknown as Record<string, (...a: unknown[]) => unknown>)[step.name]!(...values);
    } catch (e) {
      ok = error(step.call, (e as Error).message) ?? false;
    }
  }
  if (!ok) return null;

  const spec: QuerySpec = selection.toSpec();
  const shape = querySpecSchema.safeParse(spec);
  if (!shape.success) {
    for (const issue of shape.error.issues) {
      const path = issue.path.map(String).join(".");
      error(nodes.get(path) ?? nodes.get(path.split(".").slice(0, 2).join(".")) ?? nodes.get(path.split(".")[0]!) ?? body, `${path}: ${issue.message}`);
    }
    return null;
  }
  const manifestPart = {
    models: [...models.values()].map((m) => ({ ...m, schema: m.schema as Record<string, unknown>, blobFields: m.blobFields.map((b) => ({ ...b, schema: b.schema as Record<string, unknown> })) })),
    permissions: permissions as never,
  };
  const problems = checkQuery(shape.data, manifestPart as never, [...paramNames]);
  for (const problem of problems) {
    const parts = problem.path.split(".");
    error(nodes.get(problem.path) ?? nodes.get(parts[0]!) ?? body, problem.message);
  }
  if (problems.length) return null;
  return { name: member.name, ...(label ? { label: label.value } : {}), params, spec: shape.data, span: spanOf(method.name) };
}
