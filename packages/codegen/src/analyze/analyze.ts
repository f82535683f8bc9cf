/**
 * Stage 2: from discovered decorators to the IR, one analyzer per decorator kind, then the
 * checks across kinds (one extension, unique names, decorators on the right classes, ctx.run).
 *
 * Input: the decorated classes and project files. Output: `ExtensionIR`, or null when the
 * extension's identity could not be read (the errors say why). Must not: emit artifacts.
 */
import { ts } from "../program/typescript.js";
import { PROTOCOL_VERSION } from "@sdx/sdk/protocol";
import type { Span } from "../diagnostics/diagnostic.js";
import { IR_VERSION, type ExtensionIR, type JobIR, type ModelIR, type QueryIR, type TaskIR } from "../ir/ir.js";
import type { DecoratedClass, DecoratedMember, FoundDecorator } from "../program/discover.js";
import type { ProjectFiles } from "../program/project-files.js";
import { fileStart, spanOf } from "../program/spans.js";
import { analyzeActions } from "./action.js";
import { analyzeAgent } from "./agent.js";
import { classSymbol } from "./class-ref.js";
import type { AnalyzeContext } from "./context.js";
import { analyzeExtension } from "./extension.js";
import { analyzeJob } from "./job.js";
import { analyzeMemory } from "./memory.js";
import { analyzeModel } from "./model.js";
import { analyzeQuery } from "./query.js";
import { checkBlobUse } from "./blob-use.js";
import { analyzeSettings } from "./settings.js";
import { analyzeTask } from "./task.js";
import { checkTaskCalls } from "./task-calls.js";
import { reach } from "./reach.js";
import { checkPermissionUse } from "./permission-use.js";

type Base = Omit<AnalyzeContext, "modelClasses">;

function first(cls: DecoratedClass, kind: FoundDecorator["kind"], ctx: Base): FoundDecorator | undefined {
  const all = cls.decorators.filter((d) => d.kind === kind);
  for (const extra of all.slice(1)) ctx.diagnostics.error("SDX1021", spanOf(extra.node), `@${kind} is applied twice to ${cls.name}`);
  return all[0];
}

/** Reports the second and later uses of a name (SDX1017), with a note at the first. */
function checkUnique(items: ReadonlyArray<{ name: string; span: Span; what: string }>, ctx: Base): void {
  const seen = new Map<string, { span: Span; what: string }>();
  for (const item of items) {
    const prior = seen.get(item.name);
    if (prior) {
      ctx.diagnostics.error("SDX1017", item.span, `Duplicate name "${item.name}": ${item.what} has the same name as ${prior.what}`, {
        notes: [{ message: `${prior.what} is declared here`, span: prior.span }],
      });
    } else seen.set(item.name, item);
  }
}

/** `ctx.vdfs().addTagToContent(…)`: a call as an author recognizes it, arguments elided. */
function describeCall(call: ts.CallExpression): string {
  const callee = call.expression.getText().replace(/\s+/g, "");
  return `${callee.length > 60 ? `…${callee.slice(-59)}` : callee}(${call.arguments.length ? "…" : ""})`;
}

/**
 * What the analysis found: the IR, and the checks of what the entry points reach (permissions
 * used, un-awaited calls). Those only add diagnostics and cost a walk of every body on the type
 * checker, so the build starts bundling the IR's artifacts first and runs them meanwhile.
 */
export interface AnalyzedProgram {
  ir: ExtensionIR | null;
  checkReach(): void;
}

export function analyzeProgram(classes: readonly DecoratedClass[], base: Base, files: ProjectFiles): AnalyzedProgram {
  const modelClasses = new Set<ts.Symbol>();
  for (const cls of classes) {
    const symbol = cls.decorators.some((d) => d.kind === "model") ? classSymbol(cls.node, { ...base, modelClasses }) : undefined;
    if (symbol) modelClasses.add(symbol);
  }
  const ctx: AnalyzeContext = { ...base, modelClasses };

  // Exactly one @extension class.
  const extensions = classes.filter((c) => c.decorators.some((d) => d.kind === "extension"));
  const extension = extensions[0] ?? null;
  if (!extension) {
    ctx.diagnostics.error("SDX1001", fileStart(ctx.entryFile), "No @extension class found in the entry module or the modules it imports");
  }
  for (const extra of extensions.slice(1)) {
    ctx.diagnostics.error("SDX1002", spanOf(extra.decorators.find((d) => d.kind === "extension")!.node), `${extra.name} is a second @extension class`, {
      notes: [{ message: `${extension!.name} is the @extension class`, span: spanOf(extension!.node.name ?? extension!.node) }],
    });
  }

  const models: ModelIR[] = [];
  const modelBySymbol = new Map<ts.Symbol, ModelIR>();
  const memoryClasses: DecoratedClass[] = [];
  const settingsCandidates: DecoratedClass[] = [];
  for (const cls of classes) {
    const modelDecorator = first(cls, "model", ctx);
    if (modelDecorator) {
      const model = analyzeModel(cls, modelDecorator, ctx);
      if (model) models.push(model);
      const symbol = model ? classSymbol(cls.node, ctx) : undefined;
      if (model && symbol) modelBySymbol.set(symbol, model);
    }
    if (first(cls, "agentMemory", ctx)) memoryClasses.push(cls);
    if (first(cls, "settings", ctx) || cls.members.some((m) => m.decorators.some((d) => d.kind === "setting"))) settingsCandidates.push(cls);
    const isExtension = cls === extension;
    if (!isExtension) {
      for (const kind of ["agent", "agentTrail"] as const) {
        const d = cls.decorators.find((x) => x.kind === kind);
        if (d) ctx.diagnostics.error("SDX1021", spanOf(d.node), `@${kind} goes on the @extension class, not on ${cls.name}`);
      }
    }
    for (const member of cls.members) {
      for (const d of member.decorators) {
        if (!isExtension && (d.kind === "job" || d.kind === "task" || d.kind === "action" || d.kind === "actionExecute" || d.kind === "query")) {
          ctx.diagnostics.error("SDX1021", spanOf(d.node), `@${d.kind} goes on a method of the @extension class, not of ${cls.name}`);
        }
        if (d.kind === "blobData" && !modelDecorator) {
          ctx.diagnostics.error("SDX1010", spanOf(d.node), `@blobData goes on a field of a @model class; ${cls.name} is not one`);
        }
        if (d.kind === "sync" && !cls.decorators.some((x) => x.kind === "agentMemory")) {
          ctx.diagnostics.error("SDX1021", spanOf(d.node), `@sync goes on a field of the @agentMemory class; ${cls.name} is not one`);
        }
      }
    }
  }

  const [memoryClass, ...extraMemory] = memoryClasses;
  for (const extra of extraMemory) {
    ctx.diagnostics.error("SDX1035", spanOf(extra.node.name ?? extra.node), `${extra.name} is a second @agentMemory class`, {
      notes: [{ message: `${memoryClass!.name} is the first`, span: spanOf(memoryClass!.node.name ?? memoryClass!.node) }],
    });
  }
  const memory = memoryClass ? analyzeMemory(memoryClass, ctx) : null;
  const settings = analyzeSettings(settingsCandidates, extension, ctx);

  // The extension class: identity, then its jobs, tasks, actions and hooks.
  const jobs: JobIR[] = [];
  const tasks: TaskIR[] = [];
  const actions: Array<{ member: DecoratedMember; decorator: FoundDecorator }> = [];
  const executes: Array<{ member: DecoratedMember; decorator: FoundDecorator }> = [];
  const queries: QueryIR[] = [];
  let info = null;
  let agent = null;
  const permissionSpans: Span[] = [];
  if (extension) {
    info = analyzeExtension(extension, extension.decorators.find((d) => d.kind === "extension")!, ctx, permissionSpans);
    for (const member of extension.members) {
      const methodDecorators = member.decorators.filter((d) => d.kind === "job" || d.kind === "task" || d.kind === "action" || d.kind === "actionExecute" || d.kind === "query");
      for (const extra of methodDecorators.slice(1)) {
        ctx.diagnostics.error("SDX1017", spanOf(extra.node), `Method ${member.name} is already a @${methodDecorators[0]!.kind}: a method has one role`, {
          hint: "Keep one of @job, @task, @action, @actionExecute and @query on a method; give the other role its own method.",
        });
      }
      const d = methodDecorators[0];
      if (!d) continue;
      if (d.kind === "job") {
        const job = analyzeJob(member, d, ctx);
        if (job) jobs.push(job);
      } else if (d.kind === "task") tasks.push(analyzeTask(member, d, ctx));
      else if (d.kind === "action") actions.push({ member, decorator: d });
      else if (d.kind === "query") {
        const query = analyzeQuery(member, d, ctx, modelBySymbol, info?.permissions ?? []);
        if (query) queries.push(query);
      }
      else executes.push({ member, decorator: d });
    }
    agent = analyzeAgent(extension, first(extension, "agent", ctx), first(extension, "agentTrail", ctx), ctx);
  }
  const actionIRs = analyzeActions(actions, executes, ctx);

  checkUnique(models.map((m) => ({ name: m.name, span: m.classRef.span, what: `model ${m.classRef.className}` })), ctx);
  checkUnique(
    [
      ...jobs.map((j) => ({ name: j.name, span: j.span, what: `job ${j.name}` })),
      ...tasks.map((t) => ({ name: t.name, span: t.span, what: `task ${t.name}` })),
      ...actionIRs.map((a) => ({ name: a.name, span: a.span, what: `action ${a.name}` })),
    ],
    ctx,
  );
  checkUnique(
    queries.map((q) => ({ name: q.name, span: q.span, what: `query ${q.name}` })),
    ctx,
  );

  let checkReach = (): void => undefined;
  if (extension) {
    const taskNames = new Set(tasks.map((t) => t.name));
    const callers = extension.node.members.filter((m): m is ts.MethodDeclaration => ts.isMethodDeclaration(m));
    checkTaskCalls(callers, taskNames, ctx);

    checkReach = () => {
      // What the entry points reach: permissions against the SDK methods called, blob loaders of
      // fields that are not blobs, un-awaited promises.
      const entryNames = new Set([
        ...jobs.map((j) => j.name), ...tasks.map((t) => t.name), ...actionIRs.flatMap((a) => [a.name, a.execute]),
        ...(agent?.hooks.map((h) => h.name) ?? []), "init",
      ]);
      const entryPoints = callers.filter((m) => ts.isIdentifier(m.name) && entryNames.has(m.name.text));
      const reached = reach(entryPoints, ctx);
      if (info) {
        const requested = info.permissions.map((permission, i) => ({ permission, span: permissionSpans[i]! }));
        checkPermissionUse(reached.sdkCalls, requested, { jobs, tasks, actions: actionIRs, agent, queries }, ctx);
      }
      checkBlobUse(reached.sdkCalls, modelBySymbol, ctx);
      for (const call of reached.floating) {
        ctx.diagnostics.warn("floating-promise", spanOf(call), `${describeCall(call)} is not awaited: if it fails, nothing handles the failure`);
      }
    };
  }

  if (!info) return { ir: null, checkReach };
  const ir: ExtensionIR = {
    irVersion: IR_VERSION,
    protocolVersion: PROTOCOL_VERSION,
    projectDir: ctx.projectDir,
    entryFile: ctx.entryFile,
    extension: info,
    settings,
    models,
    jobs,
    tasks,
    actions: actionIRs,
    queries,
    agent,
    memory,
    prompts: files.prompts,
    kernels: files.kernels,
    hasUi: files.hasUi,
  };
  return { ir, checkReach };
}
