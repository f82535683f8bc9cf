/**
 * The host's AI infrastructure, for the runtime and the CLI: the model registry (`sdx models`),
 * consent and preferences (`AiPolicyStore`), inference sessions, image tensors, prompt rendering
 * and the language-model loaders. The guest reaches all of it through `ops/ai.ts`.
 */
export { ModelRegistry, USER, type ModelRecord, type RegisterOptions, type EndpointRegistration, type EndpointConfig, type LoaderKind, type ModelSource } from "./registry.js";
export { resolveModelsDir, MODELS_DIR_ENV } from "./models-dir.js";
export { CATALOG_FILE } from "../../store/ai-catalog.js";
export { AiPolicyStore, policyStore, originOf, isLoopbackHost, type ConsentRecord } from "./policy.js";
export { OnnxSessions, type OnnxSessionsOptions, type SessionInfo, type TensorInfo, type WireTensor } from "./onnx.js";
export { imageTensor, type ImageTensorOptions, type ImageTensorResult } from "./images.js";
export { renderPrompt } from "./prompts.js";
export { loaderFor, OllamaLoader, OpenAiLoader, type ChatMessage, type GenerationSettings, type Loader } from "./loaders/index.js";
export { registryFor, inferenceSessions, configureInference, closeAi } from "./runtime.js";
