/**
 * The codegen's intermediate representation: everything the analyzers learned about the author's
 * program, as plain, readonly, JSON-serializable data.
 *
 * Input: produced by `analyze/`. Output: consumed by `emit/`. It must not hold AST nodes, types
 * or symbols (only spans), so emitters never need ts-morph and the IR can be dumped to disk or
 * sent to another process. Bump `IR_VERSION` on any incompatible change.
 */
import type { Span } from "../diagnostics/diagnostic.js";

export const IR_VERSION = 1;

export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** A JSON Schema (draft 2020-12) object. */
export type JsonSchema = { readonly [key: string]: JsonValue };

/** How the generated entry reaches a class: the module that exports it and under which name. */
export interface ClassRef {
  readonly className: string;
  /** Absolute path of the module the generated code imports (the entry module when it exports the class). */
  readonly module: string;
  /** Export name in that module (`"default"` for a default export). */
  readonly exportName: string;
  readonly span: Span;
}

export type SdkParamType = "SdPath" | "Entry" | "ContentIdentity" | "ActionPreview" | "Uuid";

export interface ParamIR {
  readonly name: string;
  readonly schema: JsonSchema;
  readonly optional: boolean;
  readonly sdkType?: SdkParamType;
  /** The parameter's declared type as written, for generated comments. */
  readonly typeText: string;
  readonly span: Span;
}

export type PermissionIR =
  | { readonly kind: "read_entries"; readonly glob: string }
  | { readonly kind: "read_sidecars"; readonly kinds: readonly string[] }
  | { readonly kind: "write_sidecars"; readonly kinds: readonly string[] }
  | { readonly kind: "write_tags" }
  | { readonly kind: "write_collections" }
  | { readonly kind: "write_custom_metadata" }
  | { readonly kind: "use_model"; readonly category: string; readonly preference: "local" | "cloud" | "any" }
  | { readonly kind: "dispatch_jobs" }
  | { readonly kind: "use_devices"; readonly capabilities: readonly string[] };

export interface ExtensionInfoIR {
  readonly classRef: ClassRef;
  readonly id: string;
  readonly name: string;
  readonly version: string;
  readonly description: string;
  readonly minCoreVersion: string;
  readonly requiredFeatures: readonly string[];
  readonly permissions: readonly PermissionIR[];
  readonly hasInit: boolean;
}

export type SettingType = "boolean" | "string" | "number" | "string[]";

export interface SettingFieldIR {
  readonly name: string;
  readonly label: string;
  readonly type: SettingType;
  readonly default: string | number | boolean | readonly string[];
  readonly description?: string;
  readonly options?: readonly string[];
  readonly span: Span;
}

export interface SettingsIR {
  readonly className: string;
  /** Property of the extension class holding the settings object, when there is one. */
  readonly property: string | null;
  readonly fields: readonly SettingFieldIR[];
}

export interface BlobFieldIR {
  readonly name: string;
  readonly compression: "zstd" | "none";
  readonly lazy: boolean;
  readonly quantize: "none" | "f16" | "int8";
  readonly schema: JsonSchema;
}

export interface ModelFieldIR {
  readonly name: string;
  readonly schema: JsonSchema;
  readonly required: boolean;
  /** Stored in `metadata_blobs` instead of `models.data`. */
  readonly blob: boolean;
  readonly span: Span;
}

export interface ModelIR {
  /** `models.model_type`. */
  readonly name: string;
  readonly classRef: ClassRef;
  readonly version: string;
  readonly scope: "content" | "standalone" | "entry";
  readonly sync: "shared" | "device_owned";
  /** Inline data fields (not `id`, not blob fields), in declaration order. */
  readonly fields: readonly ModelFieldIR[];
  /** JSON Schema of the inline data. */
  readonly schema: JsonSchema;
  readonly blobFields: readonly BlobFieldIR[];
}

export interface JobIR {
  readonly name: string;
  readonly parallelism: number;
  readonly trigger: "user_initiated" | "on_event" | "scheduled";
  readonly event?: "entry_indexed" | "model_created" | "job_completed";
  readonly everySeconds?: number;
  readonly kinds?: readonly string[];
  readonly params: readonly ParamIR[];
  readonly span: Span;
}

export interface TaskIR {
  readonly name: string;
  readonly retries: number;
  readonly timeoutMs: number;
  readonly backoffMs: number;
  readonly params: readonly ParamIR[];
  readonly returns: JsonSchema;
  readonly span: Span;
}

export interface ActionIR {
  readonly name: string;
  readonly title: string;
  /** Method name of the execute step (`<name>Execute`). */
  readonly execute: string;
  readonly params: readonly ParamIR[];
  readonly span: Span;
}

export type HookEvent = "entry_indexed" | "model_created" | "job_completed" | "schedule";

export interface HookIR {
  readonly name: string;
  readonly event: HookEvent;
  readonly kinds?: readonly string[];
  readonly params: readonly ParamIR[];
  readonly span: Span;
}

export interface AgentIR {
  readonly hooks: readonly HookIR[];
  readonly trail: { readonly level: "trace" | "debug" | "info" | "warn" | "error"; readonly format: "jsonl" } | null;
  readonly scheduleEverySeconds?: number;
}

export interface MemoryFieldIR {
  readonly name: string;
  readonly kind: "temporal" | "associative" | "working";
  readonly sync: "shared" | "device_owned";
  readonly itemSchema: JsonSchema;
  readonly span: Span;
}

export interface MemoryIR {
  readonly classRef: ClassRef;
  readonly fields: readonly MemoryFieldIR[];
}

export interface ExtensionIR {
  readonly irVersion: typeof IR_VERSION;
  readonly protocolVersion: number;
  readonly projectDir: string;
  /** Absolute path of the author's entry module. */
  readonly entryFile: string;
  readonly extension: ExtensionInfoIR;
  readonly settings: SettingsIR | null;
  readonly models: readonly ModelIR[];
  readonly jobs: readonly JobIR[];
  readonly tasks: readonly TaskIR[];
  readonly actions: readonly ActionIR[];
  readonly agent: AgentIR | null;
  readonly memory: MemoryIR | null;
  /** Files under `prompts/`, relative, `/`-separated, sorted. */
  readonly prompts: readonly string[];
  /** Exported functions of `kernels/*.ts`, sorted. */
  readonly kernels: readonly string[];
  readonly hasUi: boolean;
}
