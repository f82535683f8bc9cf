/**
 * Where models live: an explicit directory (`--models-dir`, `OpContext.modelsDir`), else
 * `SDX_MODELS_DIR`, else `~/.spacedrive/models/`. One directory is shared by every library and
 * extension on the machine, so a model is downloaded and stored once.
 */
import os from "node:os";
import path from "node:path";

export const MODELS_DIR_ENV = "SDX_MODELS_DIR";

export function resolveModelsDir(explicit?: string | null): string {
  const chosen = explicit || process.env[MODELS_DIR_ENV] || path.join(os.homedir(), ".spacedrive", "models");
  return path.resolve(chosen);
}
