/**
 * Shared checks of methods that the host invokes (jobs, tasks, actions, hooks, init): the context
 * parameter, `async`, and the JSON Schema of every other parameter and of the result.
 */
import { ts } from "../program/typescript.js";
import type { CodegenCode } from "../diagnostics/collector.js";
import type { JsonSchema, ParamIR, SdkParamType } from "../ir/ir.js";
import { spanOf } from "../program/spans.js";
import type { AnalyzeContext } from "./context.js";
import { checkName } from "./names.js";
import { SchemaBuilder, type SchemaIssue } from "./types.js";

const SDK_PARAM_TYPES = new Set<string>(["SdPath", "Entry", "ContentIdentity", "ActionPreview", "Uuid"]);

export type ContextType = "JobContext" | "TaskContext" | "ActionContext" | "AgentContext" | "ExtensionContext";

/** Reports schema issues: unresolved types are SDX1018 wherever they are; the rest get `code`. */
export function reportSchemaIssues(issues: readonly SchemaIssue[], code: CodegenCode, ctx: AnalyzeContext, prefix: string): void {
  for (const issue of issues) {
    if (issue.kind === "unresolved") ctx.diagnostics.error("SDX1018", spanOf(issue.node), `${prefix}: ${issue.message}`);
    else if (issue.kind === "untyped") ctx.diagnostics.warn("unvalidated-type", spanOf(issue.node), `${prefix}: ${issue.message}`);
    else ctx.diagnostics.error(code, spanOf(issue.node), `${prefix}: ${issue.message}`, issue.hint ? { hint: issue.hint } : {});
  }
}

/** Checks that the first parameter is the sdk's `expected` context. Returns false when it is not. */
export function checkContextParam(method: ts.MethodDeclaration, expected: ContextType, what: string, ctx: AnalyzeContext): boolean {
  const first = method.parameters[0];
  const nameNode = method.name;
  if (!first) {
    ctx.diagnostics.error("SDX1019", spanOf(nameNode), `${what} must take ctx: ${expected} as its first parameter`);
    return false;
  }
  const got = first.type ? ctx.sdk.sdkNameOfTypeNode(first.type) : ctx.sdk.sdkNameOfType(ctx.checker.getTypeAtLocation(first));
  if (got !== expected) {
    const written = first.type ? first.type.getText() : "an untyped parameter";
    ctx.diagnostics.error("SDX1019", spanOf(first.type ?? first), `${what} must take ctx: ${expected} as its first parameter, not ${written}`);
    return false;
  }
  return true;
}

/** Jobs, tasks, actions and hooks return a Promise (the host awaits them). */
export function checkAsync(method: ts.MethodDeclaration, what: string, ctx: AnalyzeContext): void {
  const isAsync = (ts.getModifiers(method) ?? []).some((m) => m.kind === ts.SyntaxKind.AsyncKeyword);
  if (isAsync) return;
  const signature = ctx.checker.getSignatureFromDeclaration(method);
  const returns = signature ? ctx.checker.getReturnTypeOfSignature(signature) : undefined;
  const isPromise = returns?.getSymbol()?.getName() === "Promise";
  if (!isPromise) ctx.diagnostics.error("SDX1020", spanOf(method.name), `${what} must be async`);
}

function paramName(param: ts.ParameterDeclaration): string | null {
  return ts.isIdentifier(param.name) ? param.name.text : null;
}

/** The parameters after the context, as manifest params. */
export function readParams(method: ts.MethodDeclaration, ctx: AnalyzeContext, code: CodegenCode, what: string, skip = 1): ParamIR[] {
  const params: ParamIR[] = [];
  for (const param of method.parameters.slice(skip)) {
    const name = paramName(param);
    if (name === null) {
      ctx.diagnostics.error(code, spanOf(param.name), `${what}: destructured parameters cannot be recorded`, { hint: "Take the value as one named parameter and destructure it in the body." });
      continue;
    }
    if (param.dotDotDotToken) {
      ctx.diagnostics.error(code, spanOf(param), `${what}: rest parameter "...${name}" cannot be recorded`, { hint: "Take an array parameter instead." });
      continue;
    }
    checkName(name, param.name, `Parameter of ${what}`, ctx);
    const type = ctx.checker.getTypeAtLocation(param);
    const outcome = SchemaBuilder.build(ctx, type, param.type, param.type ?? param, name);
    reportSchemaIssues(outcome.issues, code, ctx, `Parameter "${name}" of ${what}`);
    const sdkName = param.type ? ctx.sdk.sdkNameOfTypeNode(param.type) : null;
    params.push({
      name,
      schema: outcome.schema,
      optional: !!param.questionToken || !!param.initializer,
      ...(sdkName && SDK_PARAM_TYPES.has(sdkName) ? { sdkType: sdkName as SdkParamType } : {}),
      typeText: param.type ? param.type.getText() : ctx.checker.typeToString(type),
      span: spanOf(param),
    });
  }
  return params;
}

/** JSON Schema of what the method's Promise resolves to (`{}` for void). */
export function readReturns(method: ts.MethodDeclaration, ctx: AnalyzeContext, code: CodegenCode, what: string): JsonSchema {
  const signature = ctx.checker.getSignatureFromDeclaration(method);
  if (!signature) return {};
  const returns = ctx.checker.getReturnTypeOfSignature(signature);
  const awaited = ctx.checker.getAwaitedType(returns) ?? returns;
  if (awaited.flags & (ts.TypeFlags.Void | ts.TypeFlags.Undefined)) return {};
  let node: ts.TypeNode | undefined = method.type;
  if (node && ts.isTypeReferenceNode(node) && node.typeArguments?.length === 1 && returns.getSymbol()?.getName() === "Promise") node = node.typeArguments[0];
  const outcome = SchemaBuilder.build(ctx, awaited, node, method.type ?? method.name);
  reportSchemaIssues(outcome.issues, code, ctx, `The result of ${what}`);
  return outcome.schema;
}
