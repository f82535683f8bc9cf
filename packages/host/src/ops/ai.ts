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
import { publish, type OpContext, type OpHandlers, type OpParsedRequest } from "./context.js";
import { requireNotPreview } from "./access.js";
import { aiTaskOps, sourceBytes } from "./ai-tasks.js";
import { notFound, validationFailed, sdxError } from "../errors.js";
import { imageTensor } from "../core/ai/images.js";
import { resolveFamily } from "../core/ai/families.js";
import type { WireTensor } from "../core/ai/onnx.js";
import { loaderFor, type Loader } from "../core/ai/loaders/index.js";
import { downloadRefusal, requireModelUse } from "../core/ai/policy.js";
import { renderPrompt } from "../core/ai/prompts.js";
import type { ModelRecord } from "../core/ai/registry.js";
import { inferenceSessions, registryFor, tensorStore } from "../core/ai/runtime.js";

/** Largest tensor `ai.imageTensor` returns: 16 Mpx (a 4096×4096 float32 RGB tensor is 192 MiB). */
const MAX_TENSOR_PIXELS = 4096 * 4096;

type GenOptions = NonNullable<OpParsedRequest<"ai.generate">["options"]>;

function toInfo(record: ModelRecord) {
  return { name: record.name, category: record.category, sha256: record.sha256 ?? "", size: record.size ?? 0, installed: record.installed, family: record.family?.kind ?? null };
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
    const family = request.family;
    // A declared family is checked against the model's real inputs and outputs before it is recorded.
    const check = family ? async (file: string) => void resolveFamily(request.name, family, await inferenceSessions().info(file)) : undefined;
    const record = await registry.register(request, { registeredBy: ctx.extensionId, assets: ctx.bundle?.assets, offline: refusal ?? undefined, check });
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
    const file = await registryFor(ctx.modelsDir).verifiedFile(record);
    // Host-side tensors and the request's own buffers move to the inference worker, not copied;
    // lent host tensors come back and stay usable.
    const store = tensorStore();
    const inputs: Record<string, WireTensor> = {};
    const lent = new Map<string, string>();
    for (const [name, input] of Object.entries(request.inputs)) {
      if ("ref" in input) {
        const { tensor, own } = store.take(ctx.extensionId, input.ref);
        if (own) lent.set(name, input.ref);
        inputs[name] = tensor;
      } else inputs[name] = input as WireTensor;
    }
    const returned: Record<string, WireTensor["data"]> = {};
    try {
      return { outputs: await inferenceSessions().run(file, inputs, request.model, { transfer: true, returned }) };
    } finally {
      for (const [name, ref] of lent) store.giveBack(ref, returned[name] ?? (inputs[name]!.data.byteLength > 0 ? inputs[name]!.data : null));
    }
  },

  "ai.readTensor": (ctx, request) => ({ tensor: tensorStore().get(ctx.extensionId, request.ref) }),

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
    const bytes = await sourceBytes(ctx, request.source);
    const image = await imageTensor(bytes, request.options);
    // The pixels stay here: the guest gets a handle to pass to run() (or to read, if it must).
    const ref = tensorStore().put(ctx.extensionId, image.tensor);
    return { tensor: { ref, type: image.tensor.type, dims: image.tensor.dims }, width: image.width, height: image.height };
  },

  ...aiTaskOps,

};

export const aiOps: OpHandlers = handlers;
