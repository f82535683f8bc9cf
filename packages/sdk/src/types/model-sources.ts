/** Builders for `ctx.models().register({ source })` (spec §5 `ModelSource`). */
import type { ModelSource } from "./context.js";

export const ModelSources = {
  /** A file shipped inside the extension bundle (under `assets/`). */
  bundled(path: string): ModelSource {
    return { kind: "bundled", path };
  },
  /** Downloaded once into the models directory and verified by sha256 (hex). */
  download(options: { url: string; sha256: string }): ModelSource {
    return { kind: "download", url: options.url, sha256: options.sha256.toLowerCase() };
  },
  /** A file already on this machine. */
  local(path: string): ModelSource {
    return { kind: "local", path };
  },
} as const;
