/**
 * ai.*, prompts.render and registry.*: models registered by extensions, run on the host.
 *
 * Every model call checks the caller's use_model grant for the model's category and, for a model
 * off the machine, the preference and the user's consent (ai/policy.ts) before anything is sent.
 * Denials (SDX3001, SDX3018) are written to the audit log, and so is every call that did send data
 * off the machine (with the origin it went to).
 *
 * `options.template` on generate/chat: the named prompt template is rendered with `variables` plus
 * `prompt` (generate: the rendered text replaces the prompt) or `messages` (chat: the rendered text
 * is sent as a leading system message).
 */
import type { OpName } from "@sdx/sdk/protocol";
import { publish, type OpContext, type OpHandler, type OpHandlers, type OpParsedRequest } from "./context.js";
import { entryOps } from "./entries.js";
import { requireNotPreview } from "./access.js";
import { notFound, validationFailed, sdxError } from "../errors.js";
import { imageTensor } from "../core/ai/images.js";
import { loaderFor, type Loader } from "../core/ai/loaders/index.js";
import { downloadRefusal, requireModelUse } from "../core/ai/policy.js";
import { renderPrompt } from "../core/ai/prompts.js";
import type { ModelRecord } from "../core/ai/registry.js";
import { inferenceSessions, registryFor } from "../core/ai/runtime.js";

/** Largest tensor `ai.imageTensor` returns: 16 Mpx (a 4096×4096 float32 RGB tensor is 192 MiB). */
const MAX_TENSOR_PIXELS = 4096 * 4096;

type GenOptions = NonNullable<OpParsedRequest<"ai.generate">["options"]>;

function toInfo(record: ModelRecord) {
  return { name: record.name, category: record.category, sha256: record.sha256 ?? "", size: record.size ?? 0, installed: record.installed };
}

function model(ctx: OpContext, name: string, what: string): ModelRecord {
  const record = registryFor(ctx.modelsDir).get(name);
  if (!record) {
    // An extension without any use_model grant is told that, not whether the model exists.
    ctx.grants.requireSomeUseModel(what);
    throw notFound(`model ${name} (register it with ctx.models().register, or add it with \`sdx models add\`)`);
  }
  return record;
}

/** The loader of an endpoint model the caller may use; `origin` is set when the call leaves the machine. */
function languageModel(ctx: OpContext, op: OpName, name: string): { loader: Loader; origin: string | null } {
  const record = model(ctx, name, `${op} with model ${name}`);
  const { origin } = requireModelUse(ctx, record, `${op} with model ${name}`);
  if (!record.endpoint) {
    throw validationFailed(`model ${name} is an ONNX file model; call run() with tensors (${op} needs a model served by Ollama or an OpenAI-compatible server)`);
  }
  return { loader: loaderFor(record.endpoint), origin };
}

function settings(options: GenOptions | undefined) {
  return { maxTokens: options?.maxTokens, temperature: options?.temperature };
}

function sentOffMachine(ctx: OpContext, op: OpName, name: string, origin: string | null): void {
  if (origin) publish(ctx, { type: "data_sent_off_machine", op, model: name, origin });
}

const handlers: OpHandlers = {
  "registry.register": async (ctx, request) => {
    requireNotPreview(ctx, "registry.register");
    ctx.grants.requireUseModel(request.category);
    const registry = registryFor(ctx.modelsDir);
    const refusal = request.source.kind === "download" ? downloadRefusal(ctx, request.source.url) : null;
    const record = await registry.register(request, { registeredBy: ctx.extensionId, assets: ctx.bundle?.assets, offline: refusal ?? undefined });
    publish(ctx, { type: "ai_model_registered", name: record.name, category: record.category, sha256: record.sha256, installed: record.installed, source: request.source.kind });
    return toInfo(record);
  },

  "registry.get": (ctx, request) => {
    const record = registryFor(ctx.modelsDir).get(request.name);
    // Models of categories the extension was not granted are not shown to it.
    if (!record || !ctx.grants.grants.some((g) => g.permission.kind === "use_model" && g.permission.category === record.category)) return { model: null };
    return { model: toInfo(record) };
  },

  "ai.run": async (ctx, request) => {
    const record = model(ctx, request.model, `run model ${request.model}`);
    requireModelUse(ctx, record, `running model ${request.model}`);
    const registry = registryFor(ctx.modelsDir);
    const file = await registry.verifiedPath(request.model);
    return { outputs: await inferenceSessions().run(file, request.inputs, request.model) };
  },

  "ai.generate": async (ctx, request) => {
    const { loader, origin } = languageModel(ctx, "ai.generate", request.model);
    const template = request.options?.template;
    const prompt = template ? renderPrompt(ctx.bundle?.prompts, template, { ...request.options?.variables, prompt: request.prompt }) : request.prompt;
    const text = await loader.generate(prompt, settings(request.options));
    sentOffMachine(ctx, "ai.generate", request.model, origin);
    return { text };
  },

  "ai.chat": async (ctx, request) => {
    const { loader, origin } = languageModel(ctx, "ai.chat", request.model);
    const template = request.options?.template;
    const messages = template
      ? [{ role: "system" as const, content: renderPrompt(ctx.bundle?.prompts, template, { ...request.options?.variables, messages: request.messages }) }, ...request.messages]
      : request.messages;
    const message = await loader.chat(messages, settings(request.options));
    sentOffMachine(ctx, "ai.chat", request.model, origin);
    return { message };
  },

  "ai.embed": async (ctx, request) => {
    const { loader, origin } = languageModel(ctx, "ai.embed", request.model);
    const embeddings = request.texts.length === 0 ? [] : await loader.embed(request.texts);
    sentOffMachine(ctx, "ai.embed", request.model, origin);
    return { embeddings };
  },

  "ai.imageTensor": async (ctx, request) => {
    const { width, height } = request.options;
    if (width * height > MAX_TENSOR_PIXELS) {
      throw sdxError("SDX3014", `a ${width}×${height} image tensor is over the ${MAX_TENSOR_PIXELS}-pixel limit`);
    }
    let bytes: Uint8Array;
    if ("bytes" in request.source) bytes = request.source.bytes;
    else {
      // The entries.read rules exactly: read_entries glob and scope, symlinks re-checked at read time.
      const read = entryOps["entries.read"] as OpHandler<"entries.read">;
      bytes = (await read(ctx, { entryUuid: request.source.entry })).bytes;
    }
    return imageTensor(bytes, request.options);
  },

};

export const aiOps: OpHandlers = handlers;
