/**
 * Permissions against what the code does, at build time: every SDK method the extension's code
 * reaches (reach.ts) is looked up in `METHOD_PERMISSIONS`, the table beside the permission builders.
 *
 * - A method whose permission is not requested is SDX1040 at the call, naming the exact
 *   `Permission.*` to add; for a sidecar kind or a model category given as a literal, the
 *   requested kinds or categories must include it.
 * - A requested permission nothing uses is the warning `unused-permission` at the permission: the
 *   user is asked to grant every requested permission, so each should be needed. `read_entries` is
 *   also used by entry triggers and hooks and by `Entry` parameters, which receive entries.
 *
 * Input: the reached SDK calls, the requested permissions with their spans, the IR's jobs, tasks,
 * actions and hooks. Output: diagnostics only. Must not: change the IR.
 */
import { ts } from "../program/typescript.js";
import { METHOD_PERMISSIONS, type MethodPermission } from "@sdx/sdk/manifest";
import type { Span } from "../diagnostics/diagnostic.js";
import type { ActionIR, AgentIR, JobIR, PermissionIR, QueryIR, TaskIR } from "../ir/ir.js";
import { spanOf } from "../program/spans.js";
import type { AnalyzeContext } from "./context.js";
import type { SdkCall } from "./reach.js";

type Kind = PermissionIR["kind"];

export interface RequestedPermission {
  readonly permission: PermissionIR;
  readonly span: Span;
}

/** What the extension does besides SDK calls that needs `read_entries`: receiving entries. */
export interface EntryUse {
  readonly jobs: readonly JobIR[];
  readonly tasks: readonly TaskIR[];
  readonly actions: readonly ActionIR[];
  readonly agent: AgentIR | null;
  /** `@query` methods run on the host under the extension's grants: entries and their sidecars. */
  readonly queries: readonly QueryIR[];
}

/** What the queries read: entries (`q.entries()`), and sidecars through fields such as `exif.latitude`. */
function queryUse(queries: readonly QueryIR[], used: Set<Kind>): void {
  for (const { spec } of queries) {
    if (spec.from.kind === "entries") used.add("read_entries");
    const fields = [...spec.where.map((w) => w.field), spec.orderBy?.field, ...Object.values(spec.show)];
    // A model's field is `Model.field` (a class name); a sidecar's is `<kind>.field`.
    if (fields.some((f) => typeof f === "string" && /^[a-z][A-Za-z0-9_]*\./.test(f))) used.add("read_sidecars");
  }
}

/** The builder call that grants `kind`, with `name` (a sidecar kind, a model category) when known. */
export function builderText(kind: Kind, name?: string): string {
  switch (kind) {
    case "read_entries": return `Permission.readEntries({ glob: "**/*" })`;
    case "read_sidecars": return `Permission.readSidecars({ kinds: [${JSON.stringify(name ?? "<kind>")}] })`;
    case "write_sidecars": return `Permission.writeSidecars({ kinds: [${JSON.stringify(name ?? "<kind>")}] })`;
    case "write_tags": return "Permission.writeTags()";
    case "write_collections": return "Permission.writeCollections()";
    case "write_custom_metadata": return "Permission.writeCustomMetadata()";
    case "use_model": return `Permission.useModel({ category: ${JSON.stringify(name ?? "<category>")} })`;
    case "dispatch_jobs": return "Permission.dispatchJobs()";
    case "use_devices": return "Permission.useDevices({ capabilities: [] })";
    case "write_files": return `Permission.writeFiles({ glob: "**/*" })`;
  }
}

/** The string literal naming what a call uses (`entry.sidecar("exif")` → `exif`), if it is one. */
function literalName(call: ts.CallExpression, needs: MethodPermission): ts.StringLiteral | ts.NoSubstitutionTemplateLiteral | undefined {
  if (needs.arg === undefined) return undefined;
  let arg: ts.Expression | undefined = call.arguments[needs.arg];
  if (arg && needs.property !== undefined) {
    if (!ts.isObjectLiteralExpression(arg)) return undefined;
    const prop = arg.properties.find((p): p is ts.PropertyAssignment => ts.isPropertyAssignment(p) && p.name.getText() === needs.property);
    arg = prop?.initializer;
  }
  return arg && (ts.isStringLiteral(arg) || ts.isNoSubstitutionTemplateLiteral(arg)) ? arg : undefined;
}

/** The names a requested permission covers (sidecar kinds, a model category), or null for "all". */
function coveredNames(permission: PermissionIR): readonly string[] | null {
  if (permission.kind === "read_sidecars" || permission.kind === "write_sidecars") return permission.kinds;
  if (permission.kind === "use_model") return [permission.category];
  return null;
}

/** A requested permission as its builder call. */
function describePermission(p: PermissionIR): string {
  switch (p.kind) {
    case "read_entries": return `Permission.readEntries({ glob: ${JSON.stringify(p.glob)} })`;
    case "read_sidecars": return `Permission.readSidecars({ kinds: ${JSON.stringify(p.kinds)} })`;
    case "write_sidecars": return `Permission.writeSidecars({ kinds: ${JSON.stringify(p.kinds)} })`;
    case "use_model": return `Permission.useModel({ category: ${JSON.stringify(p.category)} })`;
    case "use_devices": return `Permission.useDevices({ capabilities: ${JSON.stringify(p.capabilities)} })`;
    default: return builderText(p.kind);
  }
}

function receivesEntries(use: EntryUse): boolean {
  const entryParam = (params: ReadonlyArray<{ sdkType?: string }>) => params.some((p) => p.sdkType === "Entry");
  return use.jobs.some((j) => j.event === "entry_indexed" || entryParam(j.params))
    || use.tasks.some((t) => entryParam(t.params))
    || use.actions.some((a) => entryParam(a.params))
    || (use.agent?.hooks.some((h) => h.event === "entry_indexed") ?? false);
}

export function checkPermissionUse(calls: readonly SdkCall[], requested: readonly RequestedPermission[], use: EntryUse, ctx: AnalyzeContext): void {
  const used = new Set<Kind>();
  if (receivesEntries(use)) used.add("read_entries");
  queryUse(use.queries, used);
  const reported = new Set<ts.Node>();
  for (const { key, call, name } of calls) {
    const needs = METHOD_PERMISSIONS[key];
    if (!needs) continue;
    used.add(needs.kind);
    if (reported.has(call)) continue;
    reported.add(call);
    const method = key.split(".")[1]!;
    const ofKind = requested.filter((r) => r.permission.kind === needs.kind);
    const literalNode = literalName(call, needs);
    const literal = literalNode?.text;
    if (ofKind.length === 0) {
      const builder = builderText(needs.kind, literal);
      ctx.diagnostics.error("SDX1040", spanOf(name), `${method} needs ${builder}`, {
        hint: `Add ${builder} to @extension({ permissions }): without it the host refuses the call (SDX3001).`,
      });
      continue;
    }
    if (literal !== undefined && !ofKind.some((r) => coveredNames(r.permission)?.includes(literal) ?? true)) {
      const builder = builderText(needs.kind, literal);
      ctx.diagnostics.error("SDX1040", spanOf(literalNode!), `${method}(${JSON.stringify(literal)}) needs ${builder}`, {
        hint: needs.kind === "use_model"
          ? `Add ${builder} to @extension({ permissions }) (each useModel covers one category).`
          : `Add ${JSON.stringify(literal)} to the kinds of ${builder.split("(")[0]} in @extension({ permissions }).`,
        notes: ofKind.map((r) => ({ message: "the permission requested", span: r.span })),
      });
    }
  }
  for (const { permission, span } of requested) {
    if (used.has(permission.kind)) continue;
    ctx.diagnostics.warn("unused-permission", span, `${describePermission(permission)} is requested, but no job, task, action, hook or query uses it`);
  }
}
