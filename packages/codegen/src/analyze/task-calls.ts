/**
 * `ctx.run(this.task, …)` inside jobs, actions and hooks must pass a `@task` method of the
 * extension class as `this.<name>`: the host records task results by name for durability, so an
 * arbitrary function cannot be run as a task. Reports SDX1029 at the first argument.
 */
import { ts } from "../program/typescript.js";
import { spanOf } from "../program/spans.js";
import type { AnalyzeContext } from "./context.js";

export function checkTaskCalls(methods: readonly ts.MethodDeclaration[], tasks: ReadonlySet<string>, ctx: AnalyzeContext): void {
  const visit = (node: ts.Node): void => {
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
