/**
 * `@job({...})` methods of the extension class.
 *
 * Input: a decorated method. Output: `JobIR` with defaults (parallelism 1, trigger
 * user_initiated). Reports SDX1022 (parallelism), SDX1023 (trigger/event/schedule), SDX1019
 * (context), SDX1020 (async), SDX1012 (parameters). Must not: look at other methods.
 */
import { ts } from "../program/typescript.js";
import type { JobIR } from "../ir/ir.js";
import type { DecoratedMember, FoundDecorator } from "../program/discover.js";
import { spanOf } from "../program/spans.js";
import type { AnalyzeContext } from "./context.js";
import { DecoratorOptions } from "./decorator-options.js";
import { checkName } from "./names.js";
import { checkAsync, checkContextParam, readParams } from "./params.js";

export function analyzeJob(member: DecoratedMember, decorator: FoundDecorator, ctx: AnalyzeContext): JobIR | null {
  const method = member.node as ts.MethodDeclaration;
  const what = `job ${member.name}`;
  checkName(member.name, method.name, "Job" , ctx);
  const options = DecoratorOptions.of("job", decorator, ctx);
  options.rejectUnknown();

  const parallelismRead = options.number("parallelism", "SDX1022");
  let parallelism = options.default("parallelism");
  if (parallelismRead) {
    if (!Number.isInteger(parallelismRead.value) || parallelismRead.value < 1 || parallelismRead.value > 64) {
      ctx.diagnostics.error("SDX1022", spanOf(parallelismRead.node), `parallelism ${parallelismRead.value} is not a whole number from 1 to 64`);
    } else parallelism = parallelismRead.value;
  }
  const trigger = options.oneOf("trigger", "SDX1023") ?? (options.has("trigger") ? undefined : options.default("trigger"));
  const event = options.oneOf("event", "SDX1023");
  const every = options.number("everySeconds", "SDX1023");
  const kinds = options.stringArray("kinds");
  if (trigger === "on_event" && !event && !options.has("event")) {
    ctx.diagnostics.error("SDX1023", spanOf(options.node("trigger")), `An on_event job needs an event`, { hint: `Add event: "entry_indexed" | "model_created" | "job_completed".` });
  }
  if (trigger && trigger !== "on_event" && options.has("event")) {
    ctx.diagnostics.error("SDX1023", spanOf(options.node("event")), `event only applies to on_event jobs (trigger is "${trigger}")`);
  }
  if (trigger === "scheduled" && !options.has("everySeconds")) {
    ctx.diagnostics.error("SDX1023", spanOf(options.node("trigger")), `A scheduled job needs everySeconds`);
  }
  if (trigger && trigger !== "scheduled" && options.has("everySeconds")) {
    ctx.diagnostics.error("SDX1023", spanOf(options.node("everySeconds")), `everySeconds only applies to scheduled jobs (trigger is "${trigger}")`);
  }
  if (every && (!Number.isInteger(every.value) || every.value <= 0)) {
    ctx.diagnostics.error("SDX1023", spanOf(every.node), `everySeconds ${every.value} is not a whole number > 0`);
  }
  // kinds: entry kinds for entry_indexed, model types for model_created.
  if (kinds && event !== "entry_indexed" && event !== "model_created") {
    ctx.diagnostics.error("SDX1023", spanOf(kinds.node), `kinds only applies to entry_indexed (entry kinds) and model_created (model types) events`);
  }

  checkContextParam(method, "JobContext", what, ctx);
  checkAsync(method, what, ctx);
  const params = readParams(method, ctx, "SDX1012", what);
  if (!trigger) return null;
  return {
    name: member.name,
    parallelism,
    trigger,
    ...(event ? { event } : {}),
    ...(every ? { everySeconds: every.value } : {}),
    ...(kinds ? { kinds: kinds.value } : {}),
    params,
    span: spanOf(method.name),
  };
}
