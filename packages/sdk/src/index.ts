/**
 * @module @sdx/sdk
 *
 * Everything an extension author imports. Decorate one class with `@extension`, declare data with
 * `@model`, work with `@job`/`@task`, user operations with `@action`, autonomous behaviour with
 * `@agent` and `@agentMemory`. `sdx build` reads these declarations with the type checker and
 * produces the manifest, SQL, bindings and one bundle; `sdx run` executes it in a sandbox.
 *
 * @example
 * ```ts
 * import { extension, model, job, task, Permission, type JobContext, type TaskContext,
 *          type Entry, type SdPath, type Uuid } from "@sdx/sdk";
 * ```
 * @see docs/getting-started.md
 */

export { extension, model, agent, agentTrail, agentMemory, settings } from "./decorators/class-decorators.js";
export { job, task, action, actionExecute, setting, blobData, sync } from "./decorators/member-decorators.js";
export { query } from "./decorators/query-decorator.js";
export { Query, ModelSelection, EntrySelection, param } from "./query/builder.js";
export type { QueryArg, ModelField, EntryField, QuerySelection } from "./query/builder.js";
export type { QuerySpec } from "./query/spec.js";
export type { QueryRow, QueryPage, QueryOp } from "./query/constants.js";
export type {
  ExtensionOptions, ModelOptions, ModelScope, SyncStrategy, BlobDataOptions, BlobQuantization, SettingOptions,
  SettingValue, JobOptions, JobTrigger, HostEvent, TaskOptions, ActionOptions, QueryOptions, AgentOptions, AgentTrailOptions, CoreFeature,
} from "./decorators/options.js";
export { Permission } from "./types/permissions.js";
export type { PermissionRequest, PermissionKind, ModelPreference } from "./types/permissions.js";
export type {
  Uuid, Timestamp, JsonValue, SdPath, EntryKind, EntryData, Entry, ContentIdentity, Device, Tensor, TensorType,
  ActionChange, ActionPreview, TagTarget, CollectionItemRef, ModelScopeRef, Collection, LogLevel,
} from "./types/data.js";
export type {
  ModelClass, EntryQuery, ModelQuery, FilterOp, Vdfs, BlobAccessors, Ai, AiModel, GenerateOptions, ChatMessage, ImageTensorOptions, ImageSource,
  ModelSource, ModelRegistration, RegisteredModelInfo, ModelRegistry, DeviceSelector, Logger,
  ExtensionContext, TaskContext, JobContext, ActionContext, AgentContext,
  TemporalMemory, AssociativeMemory, WorkingMemory,
} from "./types/context.js";
export type {
  ModelFamily, FaceDetectorFamily, FaceEmbedderFamily, ImageClassifierFamily, ImageInput, ImageNormalization,
  FaceDetection, DetectedFaces, OcrText, TensorRef, ModelChoice, PromptTemplate, JsonSchema,
} from "./types/ai.js";
export { ModelSources } from "./types/model-sources.js";
export { SdxError, PermissionDenied, ValidationError, NotFound, TaskFailed, JobCancelled, ConsentRequired } from "./errors.js";
