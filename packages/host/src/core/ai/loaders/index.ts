/** The loader for an endpoint model, by the `kind` recorded in the catalog. */
import type { EndpointConfig } from "../../../store/ai-catalog.js";
import { OllamaLoader } from "./ollama.js";
import { OpenAiLoader } from "./openai.js";
import type { Loader } from "./types.js";

export type { ChatMessage, GenerationSettings, Loader } from "./types.js";
export { OllamaLoader } from "./ollama.js";
export { OpenAiLoader } from "./openai.js";

export function loaderFor(config: EndpointConfig): Loader {
  return config.kind === "ollama" ? new OllamaLoader(config) : new OpenAiLoader(config);
}
