/**
 * `ctx.ai()` and `ctx.models()`: inference, the task-level operations, generation, embeddings and
 * image tensors all run on the host. Image tensors stay there behind handles (`TensorRef`); other
 * tensors cross as binary attachments, never as JSON number lists.
 */
import type {
  Ai, AiModel, ChatMessage, GenerateOptions, ImageSource, ImageTensorOptions, ModelRegistration, ModelRegistry, RegisteredModelInfo,
} from "../types/context.js";
import type { DetectedFaces, JsonSchema, ModelChoice, OcrText, PromptTemplate, TensorRef } from "../types/ai.js";
import type { Entry, JsonValue, Tensor, TensorType } from "../types/data.js";
import { callHost } from "./host.js";
import { trackMethods } from "./floating.js";

function source(image: ImageSource): { bytes: Uint8Array<ArrayBuffer> } | { entry: string } {
  return image instanceof Uint8Array ? { bytes: image as Uint8Array<ArrayBuffer> } : { entry: (image as Entry).uuid };
}

class HostTensor implements TensorRef {
  constructor(readonly ref: string, readonly type: TensorType, readonly dims: number[]) {}
  async read(): Promise<Tensor> {
    return (await callHost("ai.readTensor", { ref: this.ref })).tensor as Tensor;
  }
}

class AiModelImpl implements AiModel {
  constructor(readonly name: string) {}
  async run(inputs: Record<string, Tensor | TensorRef>): Promise<Record<string, Tensor>> {
    const wire: Record<string, Tensor | { ref: string }> = {};
    for (const [key, value] of Object.entries(inputs)) wire[key] = "ref" in value ? { ref: value.ref } : value;
    return (await callHost("ai.run", { model: this.name, inputs: wire as never })).outputs as Record<string, Tensor>;
  }
  detectFaces(image: ImageSource, options?: { threshold?: number }): Promise<DetectedFaces> {
    return callHost("ai.detectFaces", { model: this.name, source: source(image), threshold: options?.threshold });
  }
  async embedFace(image: ImageSource, box: [number, number, number, number]): Promise<Float32Array> {
    return (await callHost("ai.embedFace", { model: this.name, source: source(image), box })).embedding;
  }
  async classify(image: ImageSource, options?: { top?: number }): Promise<Array<{ label: string; score: number }>> {
    return (await callHost("ai.classify", { model: this.name, source: source(image), top: options?.top })).labels;
  }
  ocr(image: ImageSource): Promise<OcrText> {
    return callHost("ai.ocr", { model: this.name, source: source(image) });
  }
  async generate(prompt: string, options?: GenerateOptions): Promise<string> {
    return (await callHost("ai.generate", { model: this.name, prompt, options })).text;
  }
  async generateJson<T = unknown>(prompt: string, schema: JsonSchema, options?: GenerateOptions & { retries?: number }): Promise<T> {
    const { retries, ...rest } = options ?? {};
    return (await callHost("ai.generateJson", { model: this.name, prompt, schema, retries, options: Object.keys(rest).length > 0 ? rest : undefined })).value as T;
  }
  async chat(messages: ChatMessage[], options?: GenerateOptions): Promise<ChatMessage> {
    return (await callHost("ai.chat", { model: this.name, messages, options })).message;
  }
  embed(text: string): Promise<Float32Array>;
  embed(texts: string[]): Promise<Float32Array[]>;
  async embed(input: string | string[]): Promise<Float32Array | Float32Array[]> {
    if (typeof input === "string") return (await callHost("ai.embed", { model: this.name, texts: [input] })).embeddings[0]!;
    return (await callHost("ai.embed", { model: this.name, texts: input })).embeddings;
  }
}

class PromptTemplateImpl implements PromptTemplate {
  constructor(readonly name: string) {}
  async render(values: Record<string, JsonValue> = {}): Promise<string> {
    return (await callHost("prompts.render", { template: this.name, variables: values })).text;
  }
}

export class AiImpl implements Ai {
  fromRegistered(name: string): AiModel {
    return new AiModelImpl(name);
  }
  async withModel(choice: ModelChoice): Promise<AiModel> {
    return new AiModelImpl((await callHost("ai.pick", { category: choice.category, prefer: choice.prefer, family: choice.family })).model);
  }
  async imageTensor(image: ImageSource, options: ImageTensorOptions): Promise<{ tensor: TensorRef; width: number; height: number }> {
    const result = await callHost("ai.imageTensor", { source: source(image), options });
    return { tensor: new HostTensor(result.tensor.ref, result.tensor.type, result.tensor.dims), width: result.width, height: result.height };
  }
  promptTemplate(name: string): PromptTemplate {
    return new PromptTemplateImpl(name);
  }
  async renderPrompt(template: string, variables: Record<string, JsonValue>): Promise<string> {
    return (await callHost("prompts.render", { template, variables })).text;
  }
}

export class ModelRegistryImpl implements ModelRegistry {
  register(registration: ModelRegistration): Promise<RegisteredModelInfo> {
    return callHost("registry.register", { name: registration.name, category: registration.category, source: registration.source, family: registration.family });
  }
  async get(name: string): Promise<RegisteredModelInfo | null> {
    return (await callHost("registry.get", { name })).model;
  }
}

// Promises these methods return are tracked: one never awaited that fails fails the invocation.
trackMethods(AiModelImpl, "ai.model");
trackMethods(AiImpl, "ai");
trackMethods(ModelRegistryImpl, "models");
