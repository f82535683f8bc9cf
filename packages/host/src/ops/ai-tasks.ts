/**
 * The task-level AI operations (`ai.detectFaces`, `ai.embedFace`, `ai.classify`, `ai.ocr`,
 * `ai.generateJson`) and `ai.pick` (`ctx.ai().withModel(...)`). The model's declared family says
 * how to prepare its input and read its output (core/ai/families.ts); everything between the
 * image bytes and the answer happens on the host. Same checks as `ai.run`: the use_model grant of
 * the model's category, and for an endpoint model the preference and consent (core/ai/policy.ts).
 *
 * `ai.ocr` on the reserved model name `core:ocr` is the core OCR (PP-OCRv4, shipped with the host),
 * reached with a use_model grant for category `ocr`.
 */
import type { OpContext, OpHandler, OpHandlers } from "./context.js";
import { publish } from "./context.js";
import { entryOps } from "./entries.js";
import { notFound, validationFailed } from "../errors.js";
import { resolveFamily, requireKind, type ResolvedFamily } from "../core/ai/families.js";
import { classify, detectFaces, embedFace } from "../core/ai/vision.js";
import { generateJson } from "../core/ai/json-output.js";
import { renderPrompt } from "../core/ai/prompts.js";
import { loaderFor } from "../core/ai/loaders/index.js";
import { offMachineOrigin, requireModelUse } from "../core/ai/policy.js";
import { recognize } from "../core/ocr/index.js";
import type { ModelRecord } from "../core/ai/registry.js";
import { inferenceSessions, registryFor } from "../core/ai/runtime.js";
import type { FamilyKind } from "../core/ai/families.js";

/** The core OCR, always present: no registration, category `ocr`. */
export const CORE_OCR = "core:ocr";

type Source = { entry: string } | { bytes: Uint8Array };

/** The image's bytes: given, or the entry read by the entries.read rules exactly (glob, scope, symlinks). */
export async function sourceBytes(ctx: OpContext, source: Source): Promise<Uint8Array> {
  if ("bytes" in source) return source.bytes;
  const read = entryOps["entries.read"] as OpHandler<"entries.read">;
  return (await read(ctx, { entryUuid: source.entry })).bytes;
}

function record(ctx: OpContext, name: string, what: string): ModelRecord {
  const found = registryFor(ctx.modelsDir).get(name);
  if (!found) throw notFound(`model ${name} (register it with ctx.models().register, or add it with \`sdx models add\`)`);
  requireModelUse(ctx, found, what);
  return found;
}

/** The model's verified file and its family, checked against the model (cached session info). */
async function familyModel<K extends FamilyKind>(ctx: OpContext, name: string, kind: K, op: string): Promise<{ file: string; resolved: Extract<ResolvedFamily, { family: { kind: K } }> }> {
  const found = record(ctx, name, `${op} with model ${name}`);
  const family = requireKind(name, found.family, kind, op);
  const file = await registryFor(ctx.modelsDir).verifiedFile(found);
  const info = await inferenceSessions().info(file);
  return { file, resolved: resolveFamily(name, family, info) as Extract<ResolvedFamily, { family: { kind: K } }> };
}

export const aiTaskOps: OpHandlers = {
  "ai.detectFaces": async (ctx, request) => {
    const { file, resolved } = await familyModel(ctx, request.model, "face_detector", "detectFaces");
    const bytes = await sourceBytes(ctx, request.source);
    return detectFaces(inferenceSessions(), file, request.model, resolved, bytes, request.threshold);
  },

  "ai.embedFace": async (ctx, request) => {
    const { file, resolved } = await familyModel(ctx, request.model, "face_embedder", "embedFace");
    const bytes = await sourceBytes(ctx, request.source);
    return { embedding: await embedFace(inferenceSessions(), file, request.model, resolved, bytes, request.box) };
  },

  "ai.classify": async (ctx, request) => {
    const { file, resolved } = await familyModel(ctx, request.model, "image_classifier", "classify");
    const bytes = await sourceBytes(ctx, request.source);
    return { labels: await classify(inferenceSessions(), file, request.model, resolved, bytes, request.top) };
  },

  "ai.ocr": async (ctx, request) => {
    if (request.model !== CORE_OCR) throw validationFailed(`ocr runs the core OCR: use the model name "${CORE_OCR}" (got "${request.model}")`);
    ctx.grants.requireUseModel("ocr");
    const bytes = await sourceBytes(ctx, request.source);
    const result = await recognize(bytes);
    return { text: result.text, lines: result.lines.map((l) => ({ text: l.text, confidence: l.confidence, box: l.box })), width: result.width, height: result.height };
  },

  "ai.generateJson": async (ctx, request) => {
    const found = record(ctx, request.model, `generateJson with model ${request.model}`);
    if (!found.endpoint) throw validationFailed(`model ${request.model} is an ONNX file model; generateJson needs a model served by Ollama or an OpenAI-compatible server`);
    const loader = loaderFor(found.endpoint);
    const settings = { maxTokens: request.options?.maxTokens, temperature: request.options?.temperature };
    const template = request.options?.template;
    const prompt = template ? renderPrompt(ctx.bundle?.prompts, template, { ...request.options?.variables, prompt: request.prompt }) : request.prompt;
    const answer = await generateJson(prompt, request.schema, request.retries ?? 2, (text) => loader.generate(text, settings));
    const origin = offMachineOrigin(found);
    if (origin) publish(ctx, { type: "data_sent_off_machine", op: "ai.generateJson", model: request.model, origin });
    return answer;
  },

  "ai.pick": (ctx, request) => {
    ctx.grants.requireUseModel(request.category);
    const prefer = request.prefer ?? "local";
    const candidates = registryFor(ctx.modelsDir).list()
      .filter((m) => m.category === request.category && m.installed && (!request.family || m.family?.kind === request.family));
    // Local first unless the caller prefers the cloud; each must pass the user's preference and consent.
    const rank = (m: ModelRecord) => (offMachineOrigin(m) === null ? 0 : 1) * (prefer === "cloud" ? -1 : 1);
    const refusals: string[] = [];
    for (const candidate of candidates.sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name))) {
      if (prefer === "local" && offMachineOrigin(candidate) !== null) {
        refusals.push(`${candidate.name}: runs off this machine`);
        continue;
      }
      try {
        requireModelUse(ctx, candidate, `using model ${candidate.name}`);
        return { model: candidate.name };
      } catch (error) {
        refusals.push(`${candidate.name}: ${(error as Error).message}`);
      }
    }
    const family = request.family ? ` of family ${request.family}` : "";
    throw notFound(`an installed "${request.category}" model${family} that may be used with preference ${prefer}${refusals.length > 0 ? ` (${refusals.join("; ")})` : ""}`);
  },
};
