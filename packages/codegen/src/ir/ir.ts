/**
 * The codegen's intermediate representation: everything the analyzers learned about the author's
 * program, as plain, readonly, JSON-serializable data.
 *
 * Input: produced by `analyze/`. Output: consumed by `emit/`. It must not hold AST nodes, types
 * or symbols (only spans), so emitters never need the compiler and the IR can be dumped to disk or
 * sent to another process. Bump `IR_VERSION` on any incompatible change.
 *
 * The fields of decorator options are not declared here: `OptionsIR<"job">` is the manifest's
 * fields for them (`DECORATOR_OPTIONS` in @sdx/sdk/manifest), made readonly, so an option added
 * there appears in the IR, and its analyzer must fill it.
 */
import type { QuerySpec } from "@sdx/sdk/query";
import type { DecoratorName, ManifestOptions, ManifestPermission } from "@sdx/sdk/manifest";
import type { Span } from "../diagnostics/diagnostic.js";

export const IR_VERSION = 1;

export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** A JSON Schema (draft 2020-12) object. */
export type JsonSchema = { readonly [key: string]: JsonValue };

/** Plain data, readonly all the way down. */
export type Frozen<T> = T extends readonly (infer E)[] ? readonly Frozen<E>[] : T extends object ? { readonly [K in keyof T]: Frozen<T[K]> } : T;

/** The IR of decorator `D`'s options: the manifest fields they become, readonly. */
export type OptionsIR<D extends DecoratorName> = Frozen<ManifestOptions<D>>;

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

export type PermissionIR = Frozen<ManifestPermission>;

/** `@extension` options: id, name, version, description, minCoreVersion, requiredFeatures, permissions. */
export interface ExtensionInfoIR extends OptionsIR<"extension"> {
  readonly classRef: ClassRef;
  readonly hasInit: boolean;
}

export type SettingType = "boolean" | "string" | "number" | "string[]";

/** `@setting` options: label, default, description, options. */
export interface SettingFieldIR extends OptionsIR<"setting"> {
  readonly name: string;
  readonly type: SettingType;
  readonly span: Span;
}

export interface SettingsIR {
  readonly className: string;
  /** Property of the extension class holding the settings object, when there is one. */
  readonly property: string | null;
  readonly fields: readonly SettingFieldIR[];
}

/** `@blobData` options: compression, lazy, quantize. */
export interface BlobFieldIR extends OptionsIR<"blobData"> {
  readonly name: string;
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

/** `@model` options: version, scope, sync, name (`models.model_type`). */
export interface ModelIR extends OptionsIR<"model"> {
  readonly classRef: ClassRef;
  /** Inline data fields (not `id`, not blob fields), in declaration order. */
  readonly fields: readonly ModelFieldIR[];
  /** JSON Schema of the inline data. */
  readonly schema: JsonSchema;
  readonly blobFields: readonly BlobFieldIR[];
}

/** `@job` options: parallelism, trigger, event, everySeconds, kinds. */
export interface JobIR extends OptionsIR<"job"> {
  readonly name: string;
  readonly params: readonly ParamIR[];
  readonly span: Span;
}

/** `@task` options: retries, timeoutMs, backoffMs. */
export interface TaskIR extends OptionsIR<"task"> {
  readonly name: string;
  readonly params: readonly ParamIR[];
  readonly returns: JsonSchema;
  readonly span: Span;
}

/** `@action` options: title. */
export interface ActionIR extends OptionsIR<"action"> {
  readonly name: string;
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

/** `@agent` options: scheduleEverySeconds; `@agentTrail` options: level, format. */
export interface AgentIR extends OptionsIR<"agent"> {
  readonly hooks: readonly HookIR[];
  readonly trail: OptionsIR<"agentTrail"> | null;
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

/** A `@query()` method: its spec as the sdk's builder gives it, and its parameters. */
export interface QueryIR {
  readonly name: string;
  readonly label?: string;
  readonly params: readonly ParamIR[];
  readonly spec: Frozen<QuerySpec>;
  readonly span: Span;
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
  readonly queries: readonly QueryIR[];
  readonly agent: AgentIR | null;
  readonly memory: MemoryIR | null;
  /** Files under `prompts/`, relative, `/`-separated, sorted. */
  readonly prompts: readonly string[];
  /** Exported functions of `kernels/*.ts`, sorted. */
  readonly kernels: readonly string[];
  readonly hasUi: boolean;
}
