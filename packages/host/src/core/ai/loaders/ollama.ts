/**
 * Ollama's HTTP API (https://github.com/ollama/ollama/blob/main/docs/api.md), non-streaming:
 * `POST /api/generate {model, prompt, stream: false, options}` → `{response}`,
 * `POST /api/chat {model, messages, stream: false, options}` → `{message: {role, content}}`,
 * `POST /api/embed {model, input: [..]}` → `{embeddings: [[..]]}`.
 * A model that is not pulled answers 404 `{error: "model \"x\" not found, try pulling it first"}`.
 */
import { z } from "zod";
import { sdxError } from "../../../store/errors.js";
import type { EndpointConfig } from "../../../store/ai-catalog.js";
import { errorMessage, postJson, type PostOptions } from "./http.js";
import { DEFAULT_RETRIES, DEFAULT_TIMEOUT_MS, type ChatMessage, type GenerationSettings, type Loader } from "./types.js";

const role = z.enum(["system", "user", "assistant"]);
const generateAnswer = z.object({ response: z.string() });
const chatAnswer = z.object({ message: z.object({ role, content: z.string() }) });
const embedAnswer = z.object({ embeddings: z.array(z.array(z.number())) });

function options(settings: GenerationSettings): Record<string, number> {
  const out: Record<string, number> = {};
  if (settings.temperature !== undefined) out.temperature = settings.temperature;
  if (settings.maxTokens !== undefined) out.num_predict = settings.maxTokens;
  return out;
}

export class OllamaLoader implements Loader {
  private readonly post: PostOptions;

  constructor(private readonly config: EndpointConfig) {
    this.post = {
      server: `Ollama at ${config.baseUrl}`,
      timeoutMs: config.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      retries: config.retries ?? DEFAULT_RETRIES,
      backoffMs: config.retryDelayMs,
      onHttpError: (status, body) =>
        status === 404
          ? sdxError("SDX3008", `model "${config.model}" is not on the Ollama server at ${config.baseUrl} (${errorMessage(body)}); pull it with \`ollama pull ${config.model}\``, { reason: "model_missing", model: config.model })
          : null,
    };
  }

  async generate(prompt: string, settings: GenerationSettings): Promise<string> {
    const body = { model: this.config.model, prompt, stream: false, options: options(settings) };
    return (await postJson(`${this.config.baseUrl}/api/generate`, body, generateAnswer, this.post)).response;
  }

  async chat(messages: ChatMessage[], settings: GenerationSettings): Promise<ChatMessage> {
    const body = { model: this.config.model, messages, stream: false, options: options(settings) };
    const { message } = await postJson(`${this.config.baseUrl}/api/chat`, body, chatAnswer, this.post);
    return { role: message.role, content: message.content };
  }

  async embed(texts: string[]): Promise<Array<Float32Array<ArrayBuffer>>> {
    const answer = await postJson(`${this.config.baseUrl}/api/embed`, { model: this.config.model, input: texts }, embedAnswer, this.post);
    if (answer.embeddings.length !== texts.length) {
      throw sdxError("SDX3020", `Ollama at ${this.config.baseUrl} returned ${answer.embeddings.length} embeddings for ${texts.length} texts`);
    }
    return answer.embeddings.map((e) => Float32Array.from(e));
  }
}
