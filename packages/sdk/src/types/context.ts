/**
 * What a job, task, action, agent hook or init function receives as its first parameter.
 *
 * Method names follow the spec in camelCase (`create_model_for_content` → `createModelForContent`).
 * Model operations take the model class, because TypeScript erases type arguments at run time.
 * @see docs/api.md
 */
import type { QueryPage, QueryRow } from "../query/constants.js";
import type {
  ActionChange, Collection, CollectionItemRef, Device, Entry, EntryData, EntryKind, JsonValue, LogLevel, ModelScopeRef, SdPath,
  TagTarget, Uuid,
} from "./data.js";
import type { Ai, ModelRegistry } from "./ai.js";

// The AI types live in ai.ts; these names stay importable from here.
export type {
  Ai, AiModel, ChatMessage, GenerateOptions, ImageSource, ImageTensorOptions, ModelRegistration, ModelRegistry, ModelSource, RegisteredModelInfo,
} from "./ai.js";

/** A class decorated with `@model`. */
export type ModelClass<T = object> = new () => T;

/** A job or task method as seen through `this.method`. */
export type TaskFn<A extends unknown[] = never, R = unknown> = (ctx: TaskContext, ...args: A) => Promise<R>;
export type JobFn<A extends unknown[] = never> = (ctx: JobContext, ...args: A) => Promise<unknown>;

/** Builds a query over entries the extension is allowed to read. */
export interface EntryQuery extends AsyncIterable<Entry> {
  /** Entries under a location or directory. */
  inLocation(location: SdPath): EntryQuery;
  /** Only entries of these kinds (from magic bytes and extension). */
  ofKind(...kinds: EntryKind[]): EntryQuery;
  /** Only entries whose path matches the glob (picomatch), intersected with the granted scope. */
  matching(glob: string): EntryQuery;
  /** Entries that point at this content. */
  whereContentId(contentUuid: Uuid): EntryQuery;
  /** Only entries on the local device. */
  onThisDevice(): EntryQuery;
  /** Entries carrying this tag (directly or through their content). */
  withTag(tag: string): EntryQuery;
  limit(n: number): EntryQuery;
  collect(): Promise<Entry[]>;
  first(): Promise<Entry | null>;
  count(): Promise<number>;
}

export type FilterOp = "=" | "!=" | "<" | "<=" | ">" | ">=" | "like" | "in";

/** Builds a query over the extension's own models of one type. */
export interface ModelQuery<T> {
  /** Filter on an inline (non-blob) field. */
  where<K extends keyof T & string>(field: K, op: FilterOp, value: JsonValue): ModelQuery<T>;
  /** Models attached to this content. */
  forContent(contentUuid: Uuid): ModelQuery<T>;
  /** Models carrying this tag. */
  withTag(tag: string): ModelQuery<T>;
  orderBy<K extends keyof T & string>(field: K, direction?: "asc" | "desc"): ModelQuery<T>;
  limit(n: number): ModelQuery<T>;
  offset(n: number): ModelQuery<T>;
  /** Do not load `@blobData` fields (the fast path: no blob row is read). */
  selectInlineOnly(): ModelQuery<T>;
  collect(): Promise<T[]>;
  first(): Promise<T | null>;
  count(): Promise<number>;
}

/**
 * Loaders for a model's blob fields. Lazy blob fields are optional fields of the model class (the
 * build warns otherwise), so the accessors are typed for the optional data fields; at run time there
 * is one per `@blobData` field of the model's declaration.
 */
export type BlobAccessors<T> = {
  readonly [K in keyof T as K extends "id" ? never : T[K] extends (...args: never[]) => unknown ? never : undefined extends T[K] ? K : never]-?: () => Promise<T[K]>;
};

/** The virtual distributed file system, as the extension's grants let it see it. */
export interface Vdfs {
  queryEntries(): EntryQuery;
  getEntry(entryUuid: Uuid): Promise<Entry | null>;

  /** Creates a content-scoped model (one per content per type); returns its UUID and sets `model.id`. */
  createModelForContent<T extends object>(contentUuid: Uuid, model: T): Promise<Uuid>;
  /** Creates an entry-scoped (device-owned) model. */
  createModelForEntry<T extends object>(entryUuid: Uuid, model: T): Promise<Uuid>;
  /** Creates a standalone model (not tied to any file). */
  createModel<T extends object>(model: T): Promise<Uuid>;
  /** The content-scoped model of this type for the content, lazy blob fields not loaded; `null` if none. */
  getModelByContent<T extends object>(modelClass: ModelClass<T>, contentUuid: Uuid): Promise<T | null>;
  getModelByEntry<T extends object>(modelClass: ModelClass<T>, entryUuid: Uuid): Promise<T | null>;
  getModel<T extends object>(modelClass: ModelClass<T>, modelUuid: Uuid): Promise<T | null>;
  queryModels<T extends object>(modelClass: ModelClass<T>): ModelQuery<T>;
  /** Loads a lazy `@blobData` field into the model and returns it. */
  loadBlob<T extends object, K extends keyof T & string>(model: T, field: K): Promise<T[K]>;
  /**
   * The model's `@blobData` fields as loaders, the spec's `analysis.detected_faces().await`:
   * `await vdfs.blobs(analysis).detectedFaces()` returns the field, loading it (and keeping it on the
   * model) only when it is not loaded yet. One accessor per blob field the model declares.
   * @see docs/api.md#lazy-blobs
   */
  blobs<T extends object>(model: T): BlobAccessors<T>;
  /** Where a model returned or created by this Vdfs is attached (`{ content }`, `{ entry }` or `{ standalone: true }`); `null` for other objects. */
  scopeOf(model: object): ModelScopeRef | null;
  /** Saves the model's current fields (by `model.id`). */
  updateModel<T extends object>(model: T): Promise<void>;
  deleteModel<T extends object>(modelClass: ModelClass<T>, modelUuid: Uuid): Promise<void>;

  /** Tags the content: every entry pointing at it carries the tag. */
  addTagToContent(contentUuid: Uuid, tag: string): Promise<void>;
  addTagToEntry(entryUuid: Uuid, tag: string): Promise<void>;
  addTagToModel(modelUuid: Uuid, tag: string): Promise<void>;
  addTag(target: TagTarget, tag: string): Promise<void>;
  removeTag(target: TagTarget, tag: string): Promise<void>;
  tagsOf(target: TagTarget): Promise<string[]>;

  createCollection(name: string, items?: CollectionItemRef[]): Promise<Uuid>;
  addToCollection(collectionUuid: Uuid, items: CollectionItemRef[]): Promise<void>;
  getCollection(collectionUuid: Uuid): Promise<Collection | null>;

  readSidecar<T = JsonValue>(contentUuid: Uuid, kind: string): Promise<T | null>;
  writeSidecar(contentUuid: Uuid, kind: string, data: JsonValue): Promise<void>;
  /** The extension's own key in `user_metadata.custom_data` of the target. */
  setCustomMetadata(target: { content: Uuid } | { entry: Uuid }, data: JsonValue): Promise<void>;

  /**
   * Moves an entry's file to `to` (an absolute path on the entry's device, or an `SdPath`), never
   * replacing a file there. The entry keeps its UUID, content identity, tags and models. Only in an
   * action (planned in the preview as a `move_file` change, made in the execute step); needs
   * `Permission.writeFiles` covering the source and the destination.
   * @see docs/permissions.md#file-operations
   */
  moveEntry(entry: EntryData, to: SdPath | string): Promise<void>;
  /** `moveEntry` within the entry's folder. */
  renameEntry(entry: EntryData, name: string): Promise<void>;
  /** Creates a directory and its missing parents (nothing when it exists). Only in an action; needs `Permission.writeFiles`. */
  createDirectory(path: SdPath | string): Promise<void>;
  /** Writes a new file (refused if one exists there; the new file is indexed). Only in an action; needs `Permission.writeFiles`. */
  writeFile(path: SdPath | string, data: Uint8Array | string): Promise<void>;
}

/**
 * Fluent device selection (spec §8): the devices of the library this extension may use (its
 * `useDevices` grant covers the capabilities asked for) that can run work (this one, and paired
 * devices that serve), filtered and ranked.
 * @see docs/devices.md
 */
export interface DeviceSelector {
  /** Only devices with this capability: `cpu`, `gpu`, `model:<name>`, or one a user declared. */
  withCapability(capability: string): DeviceSelector;
  /** Only devices with at least this many CPU cores. */
  withMinCores(cores: number): DeviceSelector;
  /** Only devices with at least this much memory, in bytes. */
  withMinMemory(bytes: number): DeviceSelector;
  /** This device first, when it qualifies. */
  preferLocal(): DeviceSelector;
  /** Another device first, when one qualifies (offload work). */
  preferRemote(): DeviceSelector;
  /** The best device; NotFound (SDX3008) saying why when none qualifies. */
  select(): Promise<Device>;
  /** Every qualifying device, best first (empty when none). */
  selectAll(): Promise<Device[]>;
}

export interface Logger {
  log(level: LogLevel, message: string, data?: JsonValue): void;
  info(message: string, data?: JsonValue): void;
  warn(message: string, data?: JsonValue): void;
  error(message: string, data?: JsonValue): void;
  debug(message: string, data?: JsonValue): void;
}

/** Available in every context. */
export interface ExtensionContext {
  readonly extensionId: string;
  vdfs(): Vdfs;
  ai(): Ai;
  models(): ModelRegistry;
  /** The user's settings (the `@setting` fields of the config class). */
  config<T extends object = Record<string, unknown>>(): T;
  selectDevice(): DeviceSelector;
  /**
   * Runs a declared `@task` on `device` (from `selectDevice()`), with its arguments, and returns its
   * result: there, in that device's sandbox, with that device's grants, with the task's retries and
   * timeout. Not an arbitrary closure: code never travels, only the task's name and arguments (JSON
   * and binary data; pass content UUIDs rather than entries, which belong to one device). Only from
   * a job or a task; inside a job the result is recorded, so a resumed job does not run it again.
   * @see docs/devices.md
   */
  executeOn<A extends unknown[], R>(device: Device, task: (ctx: TaskContext, ...args: A) => Promise<R>, ...args: A): Promise<R>;
  /** Calls an exported function of the extension's AssemblyScript kernels (runs on the host, outside QuickJS). */
  kernel<R = unknown>(name: string, ...args: Array<number | Float32Array | Float64Array | Int32Array | Uint8Array>): Promise<R>;
  /**
   * One page of the extension's named query `name` (an `@query()` method), with its parameters;
   * pass `page.cursor` = the previous page's `nextCursor` for the next one.
   * @see docs/queries.md
   */
  query(name: string, params?: Record<string, JsonValue>, page?: { limit?: number; cursor?: string | null }): Promise<QueryPage>;
  /** Every row of the named query, fetched page by page as the loop goes. */
  queryAll(name: string, params?: Record<string, JsonValue>): AsyncIterable<QueryRow>;
  readonly log: Logger;
}

export interface TaskContext extends ExtensionContext {
  readonly taskName: string;
  /** 1 for the first attempt. */
  readonly attempt: number;
  readonly jobId: Uuid;
}

export interface JobContext extends ExtensionContext {
  readonly jobId: Uuid;
  readonly jobName: string;
  /** Runs a `@task` method with retries and its timeout; completed results are recorded and never redone on resume. */
  run<A extends unknown[], R>(task: (ctx: TaskContext, ...args: A) => Promise<R>, ...args: A): Promise<R>;
  /** Saves state to resume from after a crash; read it back with `resumeState()`. */
  checkpoint(state: JsonValue): Promise<void>;
  /** The last checkpointed state, or `null` on a fresh start. */
  resumeState<T extends JsonValue = JsonValue>(): T | null;
  progress(done: number, total: number, message?: string): Promise<void>;
  /** Queues another of the extension's jobs. Requires `Permission.dispatchJobs`. */
  dispatchJob<A extends unknown[]>(job: (ctx: JobContext, ...args: A) => Promise<unknown>, ...args: A): Promise<Uuid>;
  /** True once the user cancelled or paused the job; long loops should check it. */
  isCancelled(): boolean;
}

export interface ActionContext extends ExtensionContext {
  readonly actionName: string;
  /** `preview` while computing the preview (mutations are recorded, not applied), then `execute`. */
  readonly phase: "preview" | "execute";
  /** Mutations recorded so far during preview. */
  plannedChanges(): ActionChange[];
}

/** Agent memory field types (spec §4). */
export interface TemporalMemory<T> {
  append(event: T, at?: string): Promise<void>;
  query(options?: { from?: string; to?: string; where?: Partial<Record<keyof T & string, JsonValue>>; limit?: number }): Promise<Array<{ at: string; event: T }>>;
}

export interface AssociativeMemory<T> {
  /** Stores a vector with a payload; returns the node id. */
  remember(vector: Float32Array, payload: T): Promise<Uuid>;
  /** k nearest neighbours by cosine distance. */
  querySimilar(vector: Float32Array, k: number): Promise<Array<{ id: Uuid; distance: number; payload: T }>>;
  link(from: Uuid, to: Uuid, weight: number): Promise<void>;
  neighbours(id: Uuid): Promise<Array<{ id: Uuid; weight: number; payload: T }>>;
}

export interface WorkingMemory<T> {
  get(): Promise<T | null>;
  set(value: T): Promise<void>;
  clear(): Promise<void>;
}

export interface AgentContext extends ExtensionContext {
  /** Writes to the agent trail (debug logs, never read back by the agent). */
  trace(message: string, data?: JsonValue): void;
  /** The extension's `@agentMemory` class, with its fields bound to the host's stores. */
  memory<M extends object>(memoryClass?: new () => M): M;
  dispatchJob<A extends unknown[]>(job: (ctx: JobContext, ...args: A) => Promise<unknown>, ...args: A): Promise<Uuid>;
  /** The id of the event being delivered; stable across redeliveries, for deduplication. */
  readonly eventId: string;
}
