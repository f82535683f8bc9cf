/**
 * What the extension's code reaches: from its entry points (jobs, tasks, actions and their execute
 * steps, agent hooks, `init`), through every function, method and constructor of the author's own
 * files they call or pass on (`this.helper`, an imported function, `new Grouper()`, a method of an
 * author's class), to the SDK methods at the end of the chain.
 *
 * Input: the entry point declarations. Output: every SDK method call found (with its
 * `<interface>.<method>` key, as `METHOD_PERMISSIONS` names them) and every call whose promise
 * nobody awaits, in the code reached. Must not: follow code outside the author's files (the SDK's
 * own implementation, node_modules), or report anything itself.
 */
import { ts } from "../program/typescript.js";
import type { AnalyzeContext } from "./context.js";
import type { Body, BodyFacts, SdkCall } from "./reach-cache.js";

export type { SdkCall } from "./reach-cache.js";

export interface Reached {
  readonly sdkCalls: readonly SdkCall[];
  /** Calls returning a promise, used as a statement without `await` or `void`. */
  readonly floating: readonly ts.CallExpression[];
}

/** The SDK method a call resolves to, as `<owner>.<method>`, or null. */
function sdkKey(call: ts.CallExpression | ts.NewExpression, ctx: AnalyzeContext): string | null {
  const decl = ctx.checker.getResolvedSignature(call)?.getDeclaration();
  if (!decl || !ctx.sdk.isSdkFile(decl.getSourceFile().fileName)) return null;
  if (!ts.isMethodSignature(decl) && !ts.isMethodDeclaration(decl)) return null;
  const owner = decl.parent;
  if (!(ts.isInterfaceDeclaration(owner) || ts.isClassDeclaration(owner)) || !owner.name) return null;
  return `${owner.name.text}.${decl.name.getText()}`;
}

/** A function-like declaration with a body in the author's own files, if `decl` is one. */
function ownBody(decl: ts.Node | undefined, ctx: AnalyzeContext): Body | null {
  if (!decl || !ctx.ownFiles.has(decl.getSourceFile().fileName)) return null;
  if (ts.isVariableDeclaration(decl) && decl.initializer && (ts.isArrowFunction(decl.initializer) || ts.isFunctionExpression(decl.initializer))) return decl.initializer;
  if ((ts.isPropertyDeclaration(decl) || ts.isPropertyAssignment(decl)) && decl.initializer && (ts.isArrowFunction(decl.initializer) || ts.isFunctionExpression(decl.initializer))) return decl.initializer;
  if (ts.isFunctionLike(decl) && "body" in decl && decl.body) return decl as Body;
  return null;
}

/** Whether the type of `node` is a promise (has a callable `then`). */
function isThenable(node: ts.Expression, ctx: AnalyzeContext): boolean {
  const type = ctx.checker.getTypeAtLocation(node);
  const then = type.getProperty("then");
  if (!then) return false;
  return ctx.checker.getTypeOfSymbolAtLocation(then, node).getCallSignatures().length > 0;
}

function unparenthesize(expr: ts.Expression): ts.Expression {
  while (ts.isParenthesizedExpression(expr)) expr = expr.expression;
  return expr;
}

/** `p.catch(handler)` and `p.then(onFulfilled, onRejected)` handle the rejection themselves. */
function handlesRejection(call: ts.CallExpression): boolean {
  if (!ts.isPropertyAccessExpression(call.expression)) return false;
  const name = call.expression.name.text;
  return (name === "catch" && call.arguments.length >= 1) || (name === "then" && call.arguments.length >= 2);
}

function visitBody(body: Body, ctx: AnalyzeContext): BodyFacts {
  const sdkCalls: SdkCall[] = [];
  const floating: ts.CallExpression[] = [];
  const callees: Body[] = [];
  const callee = (found: Body | null) => {
    if (found) callees.push(found);
  };
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) || ts.isNewExpression(node)) {
      const key = sdkKey(node, ctx);
      if (key && ts.isCallExpression(node)) {
        const target = node.expression;
        sdkCalls.push({ key, call: node, name: ts.isPropertyAccessExpression(target) ? target.name : target });
      } else {
        callee(ownBody(ctx.checker.getResolvedSignature(node)?.getDeclaration(), ctx));
      }
    } else if (ts.isIdentifier(node) || ts.isPropertyAccessExpression(node)) {
      // A function passed on rather than called (`items.map(this.describe)`) is reached too.
      const symbol = ctx.checker.getSymbolAtLocation(ts.isPropertyAccessExpression(node) ? node.name : node);
      const decl = symbol ? ctx.sdk.resolve(symbol).valueDeclaration : undefined;
      callee(ownBody(decl, ctx));
    }
    if (ts.isExpressionStatement(node)) {
      const expr = unparenthesize(node.expression);
      if (ts.isCallExpression(expr) && !handlesRejection(expr) && isThenable(expr, ctx)) floating.push(expr);
    }
    // Nested functions are visited where they are written (a callback runs when its caller does).
    ts.forEachChild(node, visit);
  };
  if (body.body) visit(body.body);
  return { sdkCalls, floating, callees };
}

export function reach(entryPoints: readonly Body[], ctx: AnalyzeContext): Reached {
  const sdkCalls: SdkCall[] = [];
  const floating: ts.CallExpression[] = [];
  const seen = new Set<ts.Node>();
  const queue: Body[] = [];
  const enqueue = (body: Body) => {
    if (!seen.has(body)) {
      seen.add(body);
      queue.push(body);
    }
  };

  for (const entry of entryPoints) enqueue(entry);
  while (queue.length > 0) {
    const body = queue.shift()!;
    let facts = ctx.reachCache?.get(body);
    if (!facts) {
      facts = visitBody(body, ctx);
      ctx.reachCache?.set(body, facts);
    }
    sdkCalls.push(...facts.sdkCalls);
    floating.push(...facts.floating);
    for (const callee of facts.callees) enqueue(callee);
  }
  return { sdkCalls, floating };
}
