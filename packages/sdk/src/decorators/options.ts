/**
 * The options each decorator takes. The codegen reads these statically (literal values only),
 * validates them and writes them into the manifest. The options are declared in
 * `DECORATOR_OPTIONS` (manifest.ts); these interfaces only add the TSDoc authors see, and
 * options.test.ts keeps each equal to its `AuthorOptions<…>`.
 */
import type { PermissionRequest } from "../types/permissions.js";
import type { LogLevel } from "../types/data.js";

/** Core features an extension can require; install refuses when the host lacks one. */
export type CoreFeature =
  | "ai_models"
  | "exif_extraction"
  | "ocr"
  | "thumbnails"
  | "vector_search"
  | "jobs"
  | "actions"
  | "agents"
  | "sync";

export interface ExtensionOptions {
  /** Unique reverse-DNS id, e.g. `"com.spacedrive.photos"`. */
  id: string;
  /** Human-readable name shown in the store and the UI. */
  name: string;
  /** Semantic version of the extension. */
  version: string;
  description: string;
  /** Minimum core version (semver) the extension runs on. */
  minCoreVersion: string;
  /** Core features the extension needs. */
  requiredFeatures: CoreFeature[];
  /** Permissions requested; the user grants and scopes them at install. */
  permissions: PermissionRequest[];
  /** Who publishes the extension, shown by stores, e.g. `"Jane Doe <jane@example.com>"`. */
  author?: string;
  /** SPDX license expression, e.g. `"MIT"` or `"Apache-2.0 OR MIT"`. */
  license?: string;
  /** The extension's web page (an http(s) URL). */
  homepage?: string;
  /** Where its source is, e.g. `"https://github.com/example/notes"`. */
  repository?: string;
  /** Store icon: a `.png` or `.svg` under `assets/` (it travels in the bundle), e.g. `"assets/icon.png"`. */
  icon?: string;
}

/** Where a model is attached. */
export type ModelScope = "content" | "standalone" | "entry";
/** How a model (or memory field) syncs across devices. */
export type SyncStrategy = "shared" | "device_owned";

export interface ModelOptions {
  /** Semantic version of the model's data shape. */
  version: string;
  /** `content`: attached to a content identity (survives device changes); `standalone`; `entry`: one path on one device. */
  scope: ModelScope;
  /** Defaults to `shared` for content/standalone and `device_owned` for entry-scoped models. */
  sync?: SyncStrategy;
  /** The model type name stored in `models.model_type`; defaults to the class name. */
  name?: string;
}

/** Numeric arrays can be quantized before compression: honest sizes are in docs/blobs.md. */
export type BlobQuantization = "none" | "f16" | "int8";

export interface BlobDataOptions {
  /** Compression of the stored bytes. */
  compression?: "zstd" | "none";
  /** When true the field is not loaded with the model; call `vdfs().loadBlob(model, field)`. */
  lazy?: boolean;
  /** Lossy storage of float arrays (embeddings): `f16` halves and `int8` quarters the size. */
  quantize?: BlobQuantization;
}

export type SettingValue = string | number | boolean | string[];

export interface SettingOptions {
  label: string;
  default: SettingValue;
  description?: string;
  /** Allowed values, rendered as a select. */
  options?: string[];
}

/** What starts a job. `on_event` jobs name the event in `event`. */
export type JobTrigger = "user_initiated" | "on_event" | "scheduled";

/** Events the host emits. */
export type HostEvent = "entry_indexed" | "model_created" | "job_completed";

export interface JobOptions {
  /** Tasks in flight at once (default 1). */
  parallelism?: number;
  trigger?: JobTrigger;
  /** For `on_event` jobs: the event that starts them. */
  event?: HostEvent;
  /** For `scheduled` jobs: interval in seconds. */
  everySeconds?: number;
  /** For `entry_indexed` events: only entries of these kinds; for `model_created`: only these model types. */
  kinds?: string[];
}

export interface TaskOptions {
  /** Extra attempts after the first failure (default 0). */
  retries?: number;
  /** Deadline per attempt, enforced by the sandbox interrupt (default 30000). */
  timeoutMs?: number;
  /** Base backoff between attempts in ms (default 100, doubled each retry). */
  backoffMs?: number;
}

export interface ActionOptions {
  /** Shown in the UI and the CLI; defaults to the method name. */
  title?: string;
}

export interface QueryOptions {
  /** Shown by UIs and `sdx inspect`; the method name when left out. */
  label?: string;
}

export interface AgentOptions {
  /** Seconds between `onSchedule` calls, when the agent has that hook. */
  scheduleEverySeconds?: number;
}

export interface AgentTrailOptions {
  level: LogLevel;
  format: "jsonl";
}
