/**
 * The AI state one host process shares across extensions and invocations: one registry per
 * models directory (each holds a SQLite handle on its catalog) and one inference session cache.
 * `closeAi()` releases everything (the host calls it on shutdown; idle sessions go by themselves).
 */
import { OnnxSessions, type OnnxSessionsOptions } from "./onnx.js";
import { ModelRegistry } from "./registry.js";
import { resolveModelsDir } from "./models-dir.js";
import { TensorStore } from "./tensor-store.js";

const registries = new Map<string, ModelRegistry>();
let sessions: OnnxSessions | null = null;
let sessionOptions: OnnxSessionsOptions = {};
let tensors: TensorStore | null = null;

/** Image tensors kept on the host behind handles (`ai.imageTensor` → `ai.run`). */
export function tensorStore(): TensorStore {
  tensors ??= new TensorStore();
  return tensors;
}

/** The registry of a models directory (`undefined`: SDX_MODELS_DIR, then ~/.spacedrive/models). */
export function registryFor(dir?: string | null): ModelRegistry {
  const resolved = resolveModelsDir(dir);
  let registry = registries.get(resolved);
  if (!registry) {
    registry = new ModelRegistry(resolved);
    registries.set(resolved, registry);
  }
  return registry;
}

/** Session cache settings; applies to sessions created after the call. */
export function configureInference(options: OnnxSessionsOptions): void {
  sessionOptions = { ...options };
  const previous = sessions;
  sessions = null;
  void previous?.close();
}

export function inferenceSessions(): OnnxSessions {
  sessions ??= new OnnxSessions(sessionOptions);
  return sessions;
}

export async function closeAi(): Promise<void> {
  const current = sessions;
  sessions = null;
  tensors = null;
  await current?.close();
  for (const registry of registries.values()) registry.close();
  registries.clear();
}
