/**
 * What a language-model loader offers, whatever server is behind it. The ops layer picks the
 * loader from the catalog record's endpoint configuration (`kind`).
 */
export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

export interface GenerationSettings {
  maxTokens?: number;
  temperature?: number;
}

export interface Loader {
  generate(prompt: string, settings: GenerationSettings): Promise<string>;
  chat(messages: ChatMessage[], settings: GenerationSettings): Promise<ChatMessage>;
  embed(texts: string[]): Promise<Array<Float32Array<ArrayBuffer>>>;
}

/** Defaults when the catalog record does not set them. */
export const DEFAULT_TIMEOUT_MS = 120_000;
export const DEFAULT_RETRIES = 2;
