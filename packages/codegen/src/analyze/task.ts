/**
 * `@task({...})` methods of the extension class.
 *
 * Input: a decorated method. Output: `TaskIR` with defaults (retries 0, timeoutMs 30000,
 * backoffMs 100) and the schema of its result (recorded for durability). Reports SDX1013
 * (retries), SDX1014 (timeout), SDX1008 (backoff), SDX1019, SDX1020, SDX1012.
 */
import type { ts } from "../program/typescript.js";
import type { TaskIR } from "../ir/ir.js";
import type { DecoratedMember, FoundDecorator } from "../program/discover.js";
import { spanOf } from "../program/spans.js";
import type { AnalyzeContext } from "./context.js";
import { checkName } from "./names.js";
import { DecoratorOptions } from "./decorator-options.js";
import { checkAsync, checkContextParam, readParams, readReturns } from "./params.js";

export function analyzeTask(member: DecoratedMember, decorator: FoundDecorator, ctx: AnalyzeContext): TaskIR {
  const method = member.node as ts.MethodDeclaration;
  const what = `task ${member.name}`;
  checkName(member.name, method.name, "Task" , ctx);
  const options = DecoratorOptions.of("task", decorator, ctx);
  options.rejectUnknown();

  let retries = options.default("retries");
  const r = options.number("retries", "SDX1013");
  if (r) {
    if (!Number.isInteger(r.value) || r.value < 0 || r.value > 100) ctx.diagnostics.error("SDX1013", spanOf(r.node), `retries ${r.value} is not a whole number from 0 to 100`);
    else retries = r.value;
  }
  let timeoutMs = options.default("timeoutMs");
  const t = options.number("timeoutMs", "SDX1014");
  if (t) {
    if (!Number.isInteger(t.value) || t.value <= 0) ctx.diagnostics.error("SDX1014", spanOf(t.node), `timeoutMs ${t.value} is not a whole number > 0`);
    else timeoutMs = t.value;
  }
  let backoffMs = options.default("backoffMs");
  const b = options.number("backoffMs");
  if (b) {
    if (!Number.isInteger(b.value) || b.value < 0) ctx.diagnostics.error("SDX1008", spanOf(b.node), `backoffMs ${b.value} is not a whole number ≥ 0`);
    else backoffMs = b.value;
  }

  checkContextParam(method, "TaskContext", what, ctx);
  checkAsync(method, what, ctx);
  const params = readParams(method, ctx, "SDX1012", what);
  const returns = readReturns(method, ctx, "SDX1012", what);
  return { name: member.name, retries, timeoutMs, backoffMs, params, returns, span: spanOf(method.name) };
}
