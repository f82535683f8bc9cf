/**
 * Emitter: IR → the `Manifest` (packages/sdk/src/manifest.ts) and its JSON text.
 *
 * Input: `ExtensionIR`. Output: the manifest validated by `manifestSchema`, or the schema's
 * issues (an invalid manifest from a valid IR is a codegen bug, reported as SDX1037).
 * Deterministic: keys in schema order, arrays in IR order, 2-space JSON with a trailing newline.
 * Must not: import ts-morph or look at source files.
 */
import { MANIFEST_VERSION, manifestSchema, type Manifest, type ManifestParam } from "@sdx/sdk/manifest";
import type { ExtensionIR, ParamIR } from "../ir/ir.js";

export type ManifestOutcome = { ok: true; manifest: Manifest; json: string } | { ok: false; issues: string[] };

function params(list: readonly ParamIR[]): ManifestParam[] {
  return list.map((p) => ({ name: p.name, schema: { ...p.schema }, optional: p.optional, ...(p.sdkType ? { sdkType: p.sdkType } : {}) }));
}

/** The manifest object before validation (exported for tests of the validation path). */
export function manifestObject(ir: ExtensionIR): unknown {
  const ext = ir.extension;
  return {
    manifestVersion: MANIFEST_VERSION,
    protocolVersion: ir.protocolVersion,
    id: ext.id,
    name: ext.name,
    version: ext.version,
    description: ext.description,
    minCoreVersion: ext.minCoreVersion,
    requiredFeatures: [...ext.requiredFeatures],
    permissions: ext.permissions.map((p) => ({ ...p })),
    settings: (ir.settings?.fields ?? []).map((f) => ({
      name: f.name,
      label: f.label,
      type: f.type,
      default: Array.isArray(f.default) ? [...(f.default as readonly string[])] : f.default,
      ...(f.description !== undefined ? { description: f.description } : {}),
      ...(f.options ? { options: [...f.options] } : {}),
    })),
    models: ir.models.map((m) => ({
      name: m.name,
      className: m.classRef.className,
      version: m.version,
      scope: m.scope,
      sync: m.sync,
      schema: m.schema,
      blobFields: m.blobFields.map((b) => ({ name: b.name, compression: b.compression, lazy: b.lazy, quantize: b.quantize, schema: b.schema })),
    })),
    jobs: ir.jobs.map((j) => ({
      name: j.name,
      parallelism: j.parallelism,
      trigger: j.trigger,
      ...(j.event ? { event: j.event } : {}),
      ...(j.everySeconds !== undefined ? { everySeconds: j.everySeconds } : {}),
      ...(j.kinds ? { kinds: [...j.kinds] } : {}),
      params: params(j.params),
    })),
    tasks: ir.tasks.map((t) => ({ name: t.name, retries: t.retries, timeoutMs: t.timeoutMs, backoffMs: t.backoffMs, params: params(t.params), returns: t.returns })),
    actions: ir.actions.map((a) => ({ name: a.name, title: a.title, execute: a.execute, params: params(a.params) })),
    agent: ir.agent
      ? {
          hooks: ir.agent.hooks.map((h) => ({ name: h.name, event: h.event, ...(h.kinds ? { kinds: [...h.kinds] } : {}), params: params(h.params) })),
          trail: ir.agent.trail ? { ...ir.agent.trail } : null,
          ...(ir.agent.scheduleEverySeconds !== undefined ? { scheduleEverySeconds: ir.agent.scheduleEverySeconds } : {}),
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
