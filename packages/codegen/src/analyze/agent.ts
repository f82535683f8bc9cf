/**
 * `@agent()` and `@agentTrail({...})` on the extension class, and its event-hook methods.
 *
 * Input: the extension class and its agent decorators. Output: `AgentIR` (null without @agent).
 * Hooks are methods named onNewEntry, onNewPhoto (entry_indexed, kinds ["image"]),
 * onModelCreated, onJobCompleted and onSchedule. Another `on<Name>` method of an agent is a
 * misspelt hook: SDX1027. Reports SDX1019, SDX1020, SDX1012 for hooks, SDX1008 for options.
 */
import { ts } from "../program/typescript.js";
import type { AgentIR, HookEvent, HookIR } from "../ir/ir.js";
import type { DecoratedClass, FoundDecorator } from "../program/discover.js";
import { spanOf } from "../program/spans.js";
import type { AnalyzeContext } from "./context.js";
import { DecoratorOptions } from "./decorator-options.js";
import { checkAsync, checkContextParam, readParams } from "./params.js";

export const HOOKS: Readonly<Record<string, { event: HookEvent; kinds?: readonly string[] }>> = {
  onNewEntry: { event: "entry_indexed" },
  onNewPhoto: { event: "entry_indexed", kinds: ["image"] },
  onModelCreated: { event: "model_created" },
  onJobCompleted: { event: "job_completed" },
  onSchedule: { event: "schedule" },
};

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}

function suggestion(name: string): string {
  const best = Object.keys(HOOKS)
    .map((hook) => ({ hook, d: distance(name, hook) }))
    .sort((x, y) => x.d - y.d)[0]!;
  return best.d <= 4 ? ` Did you mean ${best.hook}?` : "";
}

/** Methods of the class that are not decorated by sdx (decorated ones are jobs, tasks, actions). */
function plainMethods(cls: DecoratedClass): ts.MethodDeclaration[] {
  const decorated = new Set(cls.members.map((m) => m.node));
  return cls.node.members.filter((m): m is ts.MethodDeclaration => ts.isMethodDeclaration(m) && !decorated.has(m) && ts.isIdentifier(m.name));
}

export function analyzeAgent(cls: DecoratedClass, agent: FoundDecorator | undefined, trail: FoundDecorator | undefined, ctx: AnalyzeContext): AgentIR | null {
  const methods = plainMethods(cls);
  if (!agent) {
    if (trail) ctx.diagnostics.error("SDX1021", spanOf(trail.node), "@agentTrail needs @agent() on the same class");
    for (const method of methods) {
      const name = (method.name as ts.Identifier).text;
      if (name in HOOKS) ctx.diagnostics.warn("hook-without-agent", spanOf(method.name), `${name} looks like an agent hook, but ${cls.name} has no @agent()`);
    }
    return null;
  }

  const options = DecoratorOptions.of("agent", agent, ctx);
  options.rejectUnknown();
  const every = options.number("scheduleEverySeconds");
  if (every && (!Number.isInteger(every.value) || every.value <= 0)) {
    ctx.diagnostics.error("SDX1008", spanOf(every.node), `scheduleEverySeconds ${every.value} is not a whole number > 0`);
  }

  const hooks: HookIR[] = [];
  for (const method of methods) {
    const name = (method.name as ts.Identifier).text;
    const hook = HOOKS[name];
    if (!hook) {
      if (/^on[A-Z]/.test(name)) {
        ctx.diagnostics.error("SDX1027", spanOf(method.name), `${name} is not an agent hook.${suggestion(name)}`);
      }
      continue;
    }
    const what = `hook ${name}`;
    checkContextParam(method, "AgentContext", what, ctx);
    checkAsync(method, what, ctx);
    const params = readParams(method, ctx, "SDX1012", what);
    if (name === "onSchedule" && !every) {
      ctx.diagnostics.error("SDX1008", spanOf(method.name), "onSchedule needs @agent({ scheduleEverySeconds })");
    }
    hooks.push({ name, event: hook.event, ...(hook.kinds ? { kinds: hook.kinds } : {}), params, span: spanOf(method.name) });
  }

  let trailIR: AgentIR["trail"] = null;
  if (trail) {
    const t = DecoratorOptions.of("agentTrail", trail, ctx);
    t.rejectUnknown();
    const level = t.oneOf("level");
    const format = t.oneOf("format");
    if (level && format) trailIR = { level, format };
  }
  return { hooks, trail: trailIR, ...(every && every.value > 0 && Number.isInteger(every.value) ? { scheduleEverySeconds: every.value } : {}) };
}
