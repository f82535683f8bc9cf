/**
 * Emitter: IR → the `Manifest` (packages/sdk/src/manifest.ts) and its JSON text.
 *
 * Input: `ExtensionIR`. Output: the manifest validated by `manifestSchema`, or the schema's
 * issues (an invalid manifest from a valid IR is a codegen bug, reported as SDX1037).
 * Deterministic: keys in schema order, arrays in IR order, 2-space JSON with a trailing newline.
 * Decorator options are copied by the names `DECORATOR_OPTIONS` declares, so a new option needs
 * nothing here. Must not: import the TypeScript compiler or look at source files.
 */
import { DECORATOR_OPTIONS, MANIFEST_VERSION, manifestSchema, type DecoratorName, type Manifest, type ManifestOptions, type ManifestParam } from "@sdx/sdk/manifest";
import type { ExtensionIR, OptionsIR, ParamIR } from "../ir/ir.js";

export type ManifestOutcome = { ok: true; manifest: Manifest; json: string } | { ok: false; issues: string[] };

function params(list: readonly ParamIR[]): ManifestParam[] {
  return list.map((p) => ({ name: p.name, schema: { ...p.schema }, optional: p.optional, ...(p.sdkType ? { sdkType: p.sdkType } : {}) }));
}

/** A mutable copy of plain IR data (the manifest must not share arrays with the IR). */
function copy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copy);
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, copy(v)]));
  return value;
}

/** The manifest fields of decorator `D`'s options, taken from the IR by their declared names (absent ones left out). */
function optionFields<D extends DecoratorName>(decorator: D, ir: OptionsIR<D>): ManifestOptions<D> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(DECORATOR_OPTIONS[decorator].options)) {
    const value = (ir as Readonly<Record<string, unknown>>)[key];
    if (value !== undefined) out[key] = copy(value);
  }
  return out as ManifestOptions<D>;
}

/** The manifest object before validation (exported for tests of the validation path). */
export function manifestObject(ir: ExtensionIR): unknown {
  const ext = ir.extension;
  return {
    manifestVersion: MANIFEST_VERSION,
    protocolVersion: ir.protocolVersion,
    ...optionFields("extension", ext),
    settings: (ir.settings?.fields ?? []).map((f) => ({ name: f.name, type: f.type, ...optionFields("setting", f) })),
    models: ir.models.map((m) => ({
      ...optionFields("model", m),
      className: m.classRef.className,
      schema: m.schema,
      blobFields: m.blobFields.map((b) => ({ name: b.name, ...optionFields("blobData", b), schema: b.schema })),
    })),
    jobs: ir.jobs.map((j) => ({ name: j.name, ...optionFields("job", j), params: params(j.params) })),
    tasks: ir.tasks.map((t) => ({ name: t.name, ...optionFields("task", t), params: params(t.params), returns: t.returns })),
    actions: ir.actions.map((a) => ({ name: a.name, ...optionFields("action", a), execute: a.execute, params: params(a.params) })),
    agent: ir.agent
      ? {
          hooks: ir.agent.hooks.map((h) => ({ name: h.name, event: h.event, ...(h.kinds ? { kinds: [...h.kinds] } : {}), params: params(h.params) })),
          trail: ir.agent.trail ? optionFields("agentTrail", ir.agent.trail) : null,
          ...optionFields("agent", ir.agent),
        }
      : null,
    memory: ir.memory
      ? { className: ir.memory.classRef.className, fields: ir.memory.fields.map((f) => ({ name: f.name, kind: f.kind, sync: f.sync, itemSchema: f.itemSchema })) }
      : null,
    aiModels: ext.permissions.flatMap((p) => (p.kind === "use_model" ? [{ category: p.category, preference: p.preference }] : [])),
    prompts: [...ir.prompts],
    kernels: [...ir.kernels],
    hasInit: ext.hasInit,
    hasUi: ir.hasUi,
    queries: ir.queries.map((q) => ({ name: q.name, ...optionFields("query", q), params: params(q.params), ...(copy(q.spec) as object) })),
  };
}

export function validateManifest(value: unknown): ManifestOutcome {
  const parsed = manifestSchema.safeParse(value);
  if (!parsed.success) {
    return { ok: false, issues: parsed.error.issues.map((i) => `${i.path.map(String).join(".") || "(root)"}: ${i.message}`) };
  }
  return { ok: true, manifest: parsed.data, json: `${JSON.stringify(parsed.data, null, 2)}\n` };
}

export function emitManifest(ir: ExtensionIR): ManifestOutcome {
  return validateManifest(manifestObject(ir));
}
