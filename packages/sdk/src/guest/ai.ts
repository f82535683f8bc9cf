/**
 * `ctx.ai()` and `ctx.models()`: inference, generation, embeddings and image tensors all run on
 * the host; tensors cross as binary attachments, never as JSON number lists.
 */
import type {
  Ai, AiModel, ChatMessage, GenerateOptions, ImageTensorOptions, ModelRegistration, ModelRegistry, RegisteredModelInfo,
} from "../types/context.js";
import type { Entry, JsonValue, Tensor } from "../types/data.js";
import { callHost } from "./host.js";
import { trackMethods } from "./floating.js";

class AiModelImpl implements AiModel {
  readonly #name: string;
  constructor(name: string) {
    this.#name = name;
  }
  async run(inputs: Record<string, Tensor>): Promise<Record<string, Tensor>> {
    return (await callHost("ai.run", { model: this.#name, inputs })).outputs as Record<string, Tensor>;
  }
  async generate(prompt: string, options?: GenerateOptions): Promise<string> {
    return (await callHost("ai.generate", { model: this.#name, prompt, options })).text;
  }
  async chat(messages: ChatMessage[], options?: GenerateOptions): Promise<ChatMessage> {
    return (await callHost("ai.chat", { model: this.#name, messages, options })).message;
  }
  async embed(texts: string[]): Promise<Float32Array[]> {
    return (await callHost("ai.embed", { model: this.#name, texts })).embeddings;
  }
}

export class AiImpl implements Ai {
  fromRegistered(name: string): AiModel {
    return new AiModelImpl(name);
  }
  async imageTensor(source: Entry | Uint8Array, options: ImageTensorOptions): Promise<{ tensor: Tensor; width: number; height: number }> {
    const from = source instanceof Uint8Array ? { bytes: source as Uint8Array<ArrayBuffer> } : { entry: source.uuid };
    const result = await callHost("ai.imageTensor", { source: from, options });
    return { tensor: result.tensor as Tensor, width: result.width, height: result.height };
  }
  async renderPrompt(template: string, variables: Record<string, JsonValue>): Promise<string> {
    return (await callHost("prompts.render", { template, variables })).text;
  }
}

export class ModelRegistryImpl implements ModelRegistry {
  register(registration: ModelRegistration): Promise<RegisteredModelInfo> {
    return callHost("registry.register", { name: registration.name, category: registration.category, source: registration.source });
  }
  async get(name: string): Promise<RegisteredModelInfo | null> {
    return (await callHost("registry.get", { name })).model;
  }
}

// Promises these methods return are tracked: one never awaited that fails fails the invocation.
trackMethods(AiModelImpl, "ai.model");
trackMethods(AiImpl, "ai");
trackMethods(ModelRegistryImpl, "models");
