/**
 * `@action()` methods and their `@actionExecute()` counterparts (named `<action>Execute`).
 *
 * Input: the decorated members of the extension class. Output: `ActionIR[]` (title defaults to
 * the method name). Reports SDX1015 (execute without action), SDX1016 (action without execute),
 * SDX1019, SDX1020, SDX1012, SDX1008 (title).
 */
import { ts } from "../program/typescript.js";
import type { ActionIR } from "../ir/ir.js";
import type { DecoratedMember, FoundDecorator } from "../program/discover.js";
import { spanOf } from "../program/spans.js";
import type { AnalyzeContext } from "./context.js";
import { checkName } from "./names.js";
import { DecoratorOptions } from "./decorator-options.js";
import { checkAsync, checkContextParam, readParams } from "./params.js";

const SUFFIX = "Execute";

export function analyzeActions(
  actions: ReadonlyArray<{ member: DecoratedMember; decorator: FoundDecorator }>,
  executes: ReadonlyArray<{ member: DecoratedMember; decorator: FoundDecorator }>,
  ctx: AnalyzeContext,
): ActionIR[] {
  const out: ActionIR[] = [];
  const actionNames = new Set(actions.map((a) => a.member.name));
  const executeNames = new Set(executes.map((e) => e.member.name));

  for (const { member, decorator } of actions) {
    const method = member.node as ts.MethodDeclaration;
    const what = `action ${member.name}`;
    checkName(member.name, method.name, "Action", ctx);
    const options = DecoratorOptions.of("action", decorator, ctx);
    options.rejectUnknown();
    const title = options.string("title");
    const execute = `${member.name}${SUFFIX}`;
    if (!executeNames.has(execute)) {
      ctx.diagnostics.error("SDX1016", spanOf(method.name), `Action ${member.name} has no @actionExecute() method ${execute}`, {
        hint: `Add \`@actionExecute() async ${execute}(ctx: ActionContext, preview: ActionPreview): Promise<void>\`.`,
      });
    }
    checkContextParam(method, "ActionContext", what, ctx);
    checkAsync(method, what, ctx);
    const params = readParams(method, ctx, "SDX1012", what);
    out.push({ name: member.name, title: title?.value ?? member.name, execute, params, span: spanOf(method.name) });
  }

  for (const { member } of executes) {
    const method = member.node as ts.MethodDeclaration;
    const base = member.name.endsWith(SUFFIX) ? member.name.slice(0, -SUFFIX.length) : null;
    if (!base || !actionNames.has(base)) {
      ctx.diagnostics.error(
        "SDX1015",
        spanOf(method.name),
        base ? `@actionExecute ${member.name} has no @action() method ${base}` : `@actionExecute method ${member.name} must be named <action>${SUFFIX}`,
      );
    }
    const what = `@actionExecute ${member.name}`;
    checkContextParam(method, "ActionContext", what, ctx);
    checkAsync(method, what, ctx);
    const preview = method.parameters[1];
    const previewType = preview?.type ? ctx.sdk.sdkNameOfTypeNode(preview.type) : null;
    if (!preview || previewType !== "ActionPreview" || method.parameters.length > 2) {
      ctx.diagnostics.error("SDX1019", spanOf(preview ?? method.name), `${what} takes (ctx: ActionContext, preview: ActionPreview)`);
    }
  }
  return out;
}

