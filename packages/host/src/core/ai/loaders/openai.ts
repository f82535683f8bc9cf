/**
 * OpenAI-compatible HTTP APIs (OpenAI, vLLM, llama.cpp server, LM Studio, …). `baseUrl` includes
 * the version prefix, as in the OpenAI SDKs (`https://api.openai.com/v1`).
 * `POST {base}/chat/completions {model, messages, max_tokens?, temperature?}` → `{choices: [{message}]}`
 * (generate sends the prompt as one user message: the legacy completions endpoint is deprecated),
 * `POST {base}/embeddings {model, input: [..]}` → `{data: [{index, embedding}]}`.
 * A missing model answers 404 `{error: {message, code: "model_not_found"}}`. The bearer token is
 * read from the environment variable the catalog names (`apiKeyEnv`), never stored.
 */
import { z } from "zod";
import { sdxError } from "../../../store/errors.js";
import type { EndpointConfig } from "../../../store/ai-catalog.js";
import { errorMessage, postJson, type PostOptions } from "./http.js";
import { DEFAULT_RETRIES, DEFAULT_TIMEOUT_MS, type ChatMessage, type GenerationSettings, type Loader } from "./types.js";

const chatAnswer = z.object({
  choices: z.array(z.object({ message: z.object({ role: z.string(), content: z.string().nullable() }) })).min(1),
});
const embedAnswer = z.object({ data: z.array(z.object({ index: z.number().int(), embedding: z.array(z.number()) })) });

export class OpenAiLoader implements Loader {
  private readonly post: PostOptions;

  constructor(private readonly config: EndpointConfig) {
    const headers: Record<string, string> = {};
    if (config.apiKeyEnv) {
      const key = process.env[config.apiKeyEnv];
      if (!key) throw sdxError("SDX3020", `the API key for ${config.baseUrl} is read from $${config.apiKeyEnv}, which is not set`);
      headers.authorization = `Bearer ${key}`;
    }
    this.post = {
      server: `the OpenAI-compatible server at ${config.baseUrl}`,
      timeoutMs: config.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      retries: config.retries ?? DEFAULT_RETRIES,
      backoffMs: config.retryDelayMs,
      headers,
      onHttpError: (status, body) =>
        status === 404
          ? sdxError("SDX3008", `model "${config.model}" is not available at ${config.baseUrl}: ${errorMessage(body)}`, { reason: "model_missing", model: config.model })
          : null,
    };
  }

  private body(messages: ChatMessage[], settings: GenerationSettings): Record<string, unknown> {
    const body: Record<string, unknown> = { model: this.config.model, messages };
    if (settings.maxTokens !== undefined) body.max_tokens = settings.maxTokens;
    if (settings.temperature !== undefined) body.temperature = settings.temperature;
    return body;
  }

  async generate(prompt: string, settings: GenerationSettings): Promise<string> {
    return (await this.chat([{ role: "user", content: prompt }], settings)).content;
  }

  async chat(messages: ChatMessage[], settings: GenerationSettings): Promise<ChatMessage> {
    const answer = await postJson(`${this.config.baseUrl}/chat/completions`, this.body(messages, settings), chatAnswer, this.post);
    return { role: "assistant", content: answer.choices[0].message.content ?? "" };
  }

  async embed(texts: string[]): Promise<Array<Float32Array<ArrayBuffer>>> {
    const answer = await postJson(`${this.config.baseUrl}/embeddings`, { model: this.config.model, input: texts }, embedAnswer, this.post);
    const sorted = [...answer.data].sort((a, b) => a.index - b.index);
    if (sorted.length !== texts.length) {
      throw sdxError("SDX3020", `${this.config.baseUrl} returned ${sorted.length} embeddings for ${texts.length} texts`);
    }
    return sorted.map((d) => Float32Array.from(d.embedding));
  }
}
