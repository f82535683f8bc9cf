/**
 * `ctx.run(this.task, …)` inside jobs, actions and hooks must pass a `@task` method of the
 * extension class as `this.<name>`: the host records task results by name for durability, so an
 * arbitrary function cannot be run as a task. Reports SDX1029 at the first argument.
 *
 * A task called directly (`this.countWords(ctx, entry)`, with or without a cast) would run in the
 * caller's VM with none of the task's retries, timeout or recorded result: SDX1041 at the call,
 * whose span also covers the TypeScript error the wrong context argument causes (it restates it).
 */
import { ts } from "../program/typescript.js";
import { spanOf } from "../program/spans.js";
import type { AnalyzeContext } from "./context.js";

/** `this`, possibly parenthesized or cast (`(this as any)`). */
function isThis(expr: ts.Expression): boolean {
  while (ts.isParenthesizedExpression(expr) || ts.isAsExpression(expr) || ts.isTypeAssertionExpression(expr) || ts.isNonNullExpression(expr) || ts.isSatisfiesExpression(expr)) {
    expr = expr.expression;
  }
  return expr.kind === ts.SyntaxKind.ThisKeyword;
}

export function checkTaskCalls(methods: readonly ts.MethodDeclaration[], tasks: ReadonlySet<string>, ctx: AnalyzeContext): void {
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node)) {
      const callee = node.expression;
      const member = ts.isPropertyAccessExpression(callee) && isThis(callee.expression) ? callee.name.text
        : ts.isElementAccessExpression(callee) && isThis(callee.expression) && ts.isStringLiteral(callee.argumentExpression) ? callee.argumentExpression.text
          : null;
      if (member !== null && tasks.has(member)) {
        ctx.diagnostics.error("SDX1041", spanOf(node), `The @task ${member} is called directly: use await ctx.run(this.${member}${node.arguments.length > 1 ? ", …" : ""})`);
      }
    }
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && node.expression.name.text === "run") {
      const receiver = ctx.checker.getTypeAtLocation(node.expression.expression);
      if (ctx.sdk.sdkNameOfType(receiver) === "JobContext") {
        const arg = node.arguments[0];
        if (arg) {
          const isThisMember = ts.isPropertyAccessExpression(arg) && arg.expression.kind === ts.SyntaxKind.ThisKeyword;
          const name = isThisMember ? arg.name.text : null;
          if (name === null || !tasks.has(name)) {
            ctx.diagnostics.error("SDX1029", spanOf(arg), name ? `this.${name} is not a @task` : `ctx.run needs a @task method as this.<name>, not ${arg.getText()}`);
          }
        }
      }
    }
    ts.forEachChild(node, visit);
  };
  for (const method of methods) if (method.body) visit(method.body);
}
