/**
 * `sdx inspect <bundle>`: what a bundle contains, without running anything: identity, what a store
 * lists (author, license, links, icon), the signature's key fingerprint (or plainly: unsigned),
 * each permission with its sentence, models, jobs, sections and sizes.
 */
import pc from "picocolors";
import { permissionSentence, type ManifestParam } from "@sdx/sdk/manifest";
import { formatBytes, type CommandResult } from "../output.js";
import { loadBundleFile } from "./load-bundle.js";

function params(list: ManifestParam[]): string {
  return list.map((p) => `${p.name}${p.optional ? "?" : ""}: ${p.sdkType ?? schemaName(p.schema)}`).join(", ");
}

function schemaName(schema: Record<string, unknown>): string {
  if (typeof schema.type === "string") return schema.type === "array" ? "array" : schema.type;
  if (schema["x-sdx-typedArray"]) return String(schema["x-sdx-typedArray"]);
  return "object";
}

export async function inspect(path: string): Promise<CommandResult<unknown>> {
  const bundle = await loadBundleFile(path);
  const m = bundle.manifest;
  const signature = bundle.signature
    ? { algorithm: bundle.signature.algorithm, fingerprint: bundle.signature.fingerprint, publicKey: bundle.signature.publicKey, endorsements: bundle.signature.endorsements }
    : null;
  const listing = { author: m.author ?? null, license: m.license ?? null, homepage: m.homepage ?? null, repository: m.repository ?? null, icon: m.icon ?? null };
  // Manifests of version 1 carry no sentences: the one function gives the same words.
  const permissions = m.permissions.map((p, index) => ({ index, ...p, description: p.description ?? permissionSentence(p) }));
  const lines = [
    `${pc.bold(m.name)} ${pc.dim(m.id)} ${m.version}`,
    m.description,
    ...Object.entries(listing).filter(([, v]) => v !== null).map(([k, v]) => `${k}: ${String(v)}`),
    `core ≥ ${m.minCoreVersion}; features: ${m.requiredFeatures.join(", ") || "none"}`,
    `bundle: ${formatBytes(bundle.size)}, blake3 ${bundle.hash}`,
    signature
      ? `signed by key ${pc.bold(signature.fingerprint)} (the signature is valid; whether you trust that key is yours to decide)`
      : pc.yellow("unsigned: nothing proves who built this bundle"),
    ...(signature?.endorsements ?? []).map((r) => `  key rotation: ${r.from} handed ${r.ids.join(", ")} to ${r.to} (signed by ${r.from})`),
    "",
    pc.bold("Permissions"),
    ...permissions.map((p) => `  [${p.index}] ${p.description}  ${pc.dim(Object.entries(p).filter(([k]) => k !== "index" && k !== "description").map(([k, v]) => (k === "kind" ? v : `${k}=${JSON.stringify(v)}`)).join(" "))}`),
  ];
  if (m.settings.length) lines.push("", pc.bold("Settings"), ...m.settings.map((s) => `  ${s.name}: ${s.type} = ${JSON.stringify(s.default)}  "${s.label}"`));
  if (m.models.length) {
    lines.push("", pc.bold("Models"), ...m.models.map((model) => `  ${model.name} v${model.version} scope=${model.scope} sync=${model.sync}${model.blobFields.length ? ` blobs=${model.blobFields.map((b) => `${b.name}${b.lazy ? "(lazy)" : ""}`).join(",")}` : ""}`));
  }
  if (m.jobs.length) lines.push("", pc.bold("Jobs"), ...m.jobs.map((j) => `  ${j.name}(${params(j.params)}) parallelism=${j.parallelism} trigger=${j.trigger}${j.event ? `:${j.event}` : ""}`));
  if (m.tasks.length) lines.push("", pc.bold("Tasks"), ...m.tasks.map((t) => `  ${t.name}(${params(t.params)}) retries=${t.retries} timeout=${t.timeoutMs}ms`));
  if (m.actions.length) lines.push("", pc.bold("Actions"), ...m.actions.map((a) => `  ${a.name}(${params(a.params)}) → ${a.execute}  "${a.title}"`));
  if (m.agent) lines.push("", pc.bold("Agent"), ...m.agent.hooks.map((h) => `  ${h.name} on ${h.event}${h.kinds ? ` [${h.kinds.join(",")}]` : ""}`), `  trail: ${m.agent.trail ? `${m.agent.trail.level} ${m.agent.trail.format}` : "off"}`);
  if (m.memory) lines.push("", pc.bold(`Memory (${m.memory.className})`), ...m.memory.fields.map((f) => `  ${f.name}: ${f.kind} sync=${f.sync}`));
  if (m.prompts.length) lines.push("", pc.bold("Prompts"), ...m.prompts.map((p) => `  ${p}`));
  if (m.kernels.length) lines.push("", pc.bold("Kernels"), `  ${m.kernels.join(", ")}`);
  lines.push("", pc.bold("Sections"), `  code (kernels) ${formatBytes(bundle.code.size)}`, ...bundle.sections.map((s) => `  ${s.name.padEnd(28)} ${formatBytes(s.size).padStart(10)}  ${pc.dim(s.hash.slice(0, 16))}`));
  return {
    data: {
      manifest: m, signed: signature !== null, signature, listing, permissions,
      size: bundle.size, hash: bundle.hash, hasKernels: bundle.hasKernels, code: bundle.code, sections: bundle.sections, uiManifest: bundle.uiManifest,
    },
    human: lines.join("\n"),
  };
}
