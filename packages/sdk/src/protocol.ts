/**
 * The guest↔host protocol, defined once: version, the typed table of host operations (zod schemas
 * for every request and response), the invocation and error shapes, and the binary codec.
 *
 * It is the only code the guest runtime and the host share. The guest imports only types from
 * here and the codec from `protocol/codec.ts` (re-exported below): this file builds zod schemas at
 * load, which no bundler can drop, so importing it would put zod in the guest. The host validates
 * every request against `ops[op].request` before running it.
 *
 * Wire format: a value is encoded as JSON text plus a list of binary attachments. Every typed
 * array or ArrayBuffer in the value is replaced by `{"$bin": index, "type": "Float32Array"}` and
 * its bytes travel as an ArrayBuffer, so tensors and file contents never become JSON number lists.
 * @see docs/protocol.md
 */
import { z } from "zod";

export { PROTOCOL_VERSION, encodeMessage, decodeMessage } from "./protocol/codec.js";
export type { BinaryTypeName, WireMessage } from "./protocol/codec.js";
export { errorClassOf, sdxError, wireError, failure, toWireError } from "./protocol/errors.js";
import type { WireMessage } from "./protocol/codec.js";
import { faceSchema, imageSource, modelFamily, ocrLineSchema } from "./protocol/ai-families.js";
export { modelFamily, faceDetectorFamily, faceEmbedderFamily, imageClassifierFamily } from "./protocol/ai-families.js";

// ───────────────────────── errors as data ─────────────────────────

export type { WireError, WireResult } from "./protocol/errors.js";

// ───────────────────────── the ABI between sandbox and guest ─────────────────────────

/**
 * Functions the host installs on the guest's `globalThis` before the bundle is evaluated.
 * The op name is the first argument; `json`/`buffers` are `encodeMessage(payload)`; the reply
 * decodes to a `WireResult` of the op's response.
 */
export interface HostBindings {
  /**
   * Asynchronous host operation; the promise settles when the host finishes. With `decode`, it
   * settles with `decode(reply)` instead (or rejects with what `decode` threw): one promise layer
   * fewer than a `.then`. A host whose binding has this parameter has `__sdx_call.length === 4`.
   */
  __sdx_call<T = WireMessage>(op: string, json: string, buffers: ArrayBuffer[], decode?: (reply: WireMessage) => T): Promise<T>;
  /** Synchronous host operation (only ops in `SYNC_OPS`). */
  __sdx_call_sync(op: string, json: string, buffers: ArrayBuffer[]): WireMessage;
}

/** What the guest bundle defines on `globalThis.__sdx_guest`. */
export interface GuestExports {
  /** Runs one invocation; `json`/`buffers` encode an `Invocation`, the reply a `WireResult`. */
  invoke(json: string, buffers: ArrayBuffer[]): Promise<WireMessage>;
  /** Protocol version the guest was built with. */
  protocolVersion: number;
}

/** One call from the host into the guest. */
export type Invocation =
  | { kind: "job"; name: string; args: unknown[]; context: JobInvocationContext }
  | { kind: "task"; name: string; args: unknown[]; context: TaskInvocationContext }
  | { kind: "action_preview"; name: string; args: unknown[]; context: InvocationContextBase }
  | { kind: "action_execute"; name: string; args: [unknown]; context: InvocationContextBase }
  | { kind: "hook"; name: string; args: unknown[]; context: InvocationContextBase & { eventId: string } }
  | { kind: "init"; name: "init"; args: []; context: InvocationContextBase };

export interface InvocationContextBase {
  extensionId: string;
  /** The user's settings for this extension. */
  config: Record<string, unknown>;
  /** The local device. */
  deviceUuid: string;
}
export interface JobInvocationContext extends InvocationContextBase {
  jobId: string;
  /** Last checkpointed state, `null` on a fresh start. */
  resumeState: unknown;
}
export interface TaskInvocationContext extends InvocationContextBase {
  jobId: string;
  attempt: number;
}

// ───────────────────────── the op table ─────────────────────────

const uuid = z.string().min(1).max(64);
const json: z.ZodType<unknown> = z.unknown();
const sdPath = z.object({ device: uuid, path: z.string() }).strict();
const entryKind = z.enum(["image", "video", "audio", "document", "text", "archive", "code", "directory", "unknown"]);
export const entryDataSchema = z.object({
  uuid, name: z.string(), extension: z.string().nullable(), kind: entryKind, path: sdPath, locationUuid: uuid,
  size: z.number(), contentUuid: uuid, modifiedAt: z.string(),
}).strict();
const tagTarget = z.union([
  z.object({ content: uuid }).strict(), z.object({ entry: uuid }).strict(), z.object({ model: uuid }).strict(),
]);
const itemRef = tagTarget;
const modelScope = z.union([
  z.object({ content: uuid }).strict(), z.object({ entry: uuid }).strict(), z.object({ standalone: z.literal(true) }).strict(),
]);
const tag = z.string().min(1).max(256);
const typedArray = z.custom<ArrayBufferView>((v) => ArrayBuffer.isView(v), "expected a typed array");
export const tensorSchema = z.object({
  type: z.enum(["float32", "float64", "int32", "int64", "uint8", "int8", "bool"]),
  dims: z.array(z.number().int().nonnegative()),
  data: typedArray,
}).strict();
/** A tensor kept on the host (`ai.imageTensor`): the guest holds its handle, never its data. */
const tensorRef = z.object({ ref: z.string().min(1).max(64), type: tensorSchema.shape.type, dims: z.array(z.number().int().nonnegative()) }).strict();
const tensorInput = z.union([tensorSchema, z.object({ ref: z.string().min(1).max(64) }).strict()]);
const wireModel = z.object({
  uuid, modelType: z.string(), version: z.string(), scope: modelScope,
  data: z.record(z.string(), json),
  /** Blob fields that were loaded, by field name. Lazy fields not asked for are absent. */
  blobs: z.record(z.string(), json),
  createdAt: z.string(), updatedAt: z.string(),
}).strict();
const filter = z.object({
  field: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "field names are identifiers"),
  op: z.enum(["=", "!=", "<", "<=", ">", ">=", "like", "in"]),
  value: json,
}).strict();
const modelSource = z.union([
  z.object({ kind: z.literal("bundled"), path: z.string() }).strict(),
  z.object({ kind: z.literal("download"), url: z.string().url(), sha256: z.string().regex(/^[0-9a-f]{64}$/) }).strict(),
  z.object({ kind: z.literal("local"), path: z.string() }).strict(),
]);
const modelInfo = z.object({
  name: z.string(), category: z.string(), sha256: z.string(), size: z.number(), installed: z.boolean(),
  family: z.string().nullable().optional(),
}).strict();
const genOptions = z.object({
  maxTokens: z.number().int().positive().optional(), temperature: z.number().optional(),
  template: z.string().optional(), variables: z.record(z.string(), json).optional(),
}).strict();
const chatMessage = z.object({ role: z.enum(["system", "user", "assistant"]), content: z.string() }).strict();
const nothing = z.null();
const deviceSchema = z.object({
  uuid, name: z.string(), isLocal: z.boolean(), capabilities: z.array(z.string()),
  /** Proof that the host selected this device for this extension (executeOn refuses any other object). */
  handle: z.string(),
  cores: z.number().nullable(), memoryBytes: z.number().nullable(),
}).strict();
/** A row of a named query (`QueryRow` in @sdx/sdk). */
const queryRow = z.object({
  kind: z.enum(["model", "entry"]), id: uuid, modelType: z.string().optional(), contentUuid: uuid.optional(), title: z.string(),
  subtitle: z.string().optional(), date: z.string().optional(), location: z.object({ latitude: z.number(), longitude: z.number() }).strict().optional(),
  thumbnail: uuid.optional(), data: z.record(z.string(), json),
}).strict();

/**
 * What an op does, which decides how the host treats it (see docs/protocol.md#effects):
 * - `env`: touches no data (logging, randomness, text codecs, the trail). May be called
 *   synchronously (`__sdx_call_sync`) when `sync` is set.
 * - `read`: reads the library, the registry or runs inference; allowed in an action's preview.
 * - `write`: changes data (the library, agent memory, the model registry). Inside a job it gets a
 *   write key (a resumed job never repeats it); it passes the write gate; it is refused in a
 *   preview and recorded in an action's execute step.
 * - `job`: talks to the job system (progress, checkpoints, tasks, dispatch); never in an action.
 */
export type OpEffect = "env" | "read" | "write" | "job";

interface OpOptions<S extends boolean> {
  /** Callable synchronously (`__sdx_call_sync`): cheap, no I/O. */
  sync?: S;
  /** Reads the user's library data (entries, models, tags, collections, sidecars): an action's preview is based on its answer. */
  library?: boolean;
}

function op<Req extends z.ZodType, Res extends z.ZodType, E extends OpEffect, S extends boolean = false>(request: Req, response: Res, effect: E, options: OpOptions<S> = {}) {
  return { request, response, effect, sync: (options.sync ?? false) as S, library: options.library === true };
}

/** Every host operation. The guest calls them by name; the host validates each request. */
export const ops = {
  // logging and environment
  "log": op(z.object({ level: z.enum(["trace", "debug", "info", "warn", "error"]), message: z.string(), data: json.optional() }).strict(), nothing, "env", { sync: true }),
  "crypto.randomBytes": op(z.object({ length: z.number().int().min(0).max(65536) }).strict(), z.object({ bytes: z.instanceof(Uint8Array) }).strict(), "env", { sync: true }),
  "text.encode": op(z.object({ text: z.string() }).strict(), z.object({ bytes: z.instanceof(Uint8Array) }).strict(), "env", { sync: true }),
  "crypto.sha256": op(z.object({ bytes: z.instanceof(Uint8Array) }).strict(), z.object({ hex: z.string() }).strict(), "env", { sync: true }),
  "text.decode": op(z.object({ bytes: z.instanceof(Uint8Array), fatal: z.boolean().optional() }).strict(), z.object({ text: z.string() }).strict(), "env", { sync: true }),

  // entries
  "entries.query": op(z.object({
    location: sdPath.optional(), kinds: z.array(entryKind).optional(), glob: z.string().optional(),
    contentUuid: uuid.optional(), thisDeviceOnly: z.boolean().optional(), tag: tag.optional(),
    limit: z.number().int().positive().max(10_000), cursor: z.string().nullable().optional(), countOnly: z.boolean().optional(),
  }).strict(), z.object({ entries: z.array(entryDataSchema), nextCursor: z.string().nullable(), count: z.number().optional() }).strict(), "read", { library: true }),
  "entries.get": op(z.object({ entryUuid: uuid }).strict(), z.object({ entry: entryDataSchema.nullable() }).strict(), "read", { library: true }),
  "entries.read": op(z.object({ entryUuid: uuid }).strict(), z.object({ bytes: z.instanceof(Uint8Array) }).strict(), "read", { library: true }),

  // models
  "models.create": op(z.object({ modelType: z.string(), scope: modelScope, data: z.record(z.string(), json), blobs: z.record(z.string(), json) }).strict(), z.object({ uuid }).strict(), "write"),
  "models.get": op(z.object({
    modelType: z.string(), by: z.union([z.object({ uuid }).strict(), z.object({ content: uuid }).strict(), z.object({ entry: uuid }).strict()]),
  }).strict(), z.object({ model: wireModel.nullable() }).strict(), "read", { library: true }),
  "models.query": op(z.object({
    modelType: z.string(), filters: z.array(filter), contentUuid: uuid.optional(), tag: tag.optional(),
    orderBy: z.object({ field: z.string(), direction: z.enum(["asc", "desc"]) }).strict().optional(),
    limit: z.number().int().positive().max(100_000).optional(), offset: z.number().int().nonnegative().optional(),
    inlineOnly: z.boolean(), countOnly: z.boolean().optional(),
  }).strict(), z.object({ models: z.array(wireModel), count: z.number().optional() }).strict(), "read", { library: true }),
  "models.loadBlob": op(z.object({ modelUuid: uuid, field: z.string() }).strict(), z.object({ value: json }).strict(), "read", { library: true }),
  "models.update": op(z.object({ modelType: z.string(), uuid, data: z.record(z.string(), json), blobs: z.record(z.string(), json) }).strict(), nothing, "write"),
  "models.delete": op(z.object({ modelType: z.string(), uuid }).strict(), nothing, "write"),

  // named queries (docs/queries.md)
  "queries.run": op(z.object({
    name: z.string().regex(/^[A-Za-z_$][A-Za-z0-9_$]*$/), params: z.record(z.string(), json),
    limit: z.number().int().min(1).max(1000).optional(), cursor: z.string().max(4096).nullable().optional(),
  }).strict(), z.object({ rows: z.array(queryRow), nextCursor: z.string().nullable() }).strict(), "read", { library: true }),

  // tags, collections, sidecars, custom metadata
  "tags.add": op(z.object({ target: tagTarget, tag }).strict(), nothing, "write"),
  "tags.remove": op(z.object({ target: tagTarget, tag }).strict(), nothing, "write"),
  "tags.list": op(z.object({ target: tagTarget }).strict(), z.object({ tags: z.array(z.string()) }).strict(), "read", { library: true }),
  "collections.create": op(z.object({ name: z.string().min(1), items: z.array(itemRef) }).strict(), z.object({ uuid }).strict(), "write"),
  "collections.add": op(z.object({ collection: uuid, items: z.array(itemRef) }).strict(), nothing, "write"),
  "collections.get": op(z.object({ collection: uuid }).strict(), z.object({ collection: z.object({ uuid, name: z.string(), items: z.array(itemRef) }).strict().nullable() }).strict(), "read", { library: true }),
  "sidecars.read": op(z.object({ contentUuid: uuid, kind: z.string() }).strict(), z.object({ data: json }).strict(), "read", { library: true }),
  "sidecars.write": op(z.object({ contentUuid: uuid, kind: z.string(), data: json }).strict(), nothing, "write"),
  "metadata.setCustom": op(z.object({ target: z.union([z.object({ content: uuid }).strict(), z.object({ entry: uuid }).strict()]), data: json }).strict(), nothing, "write"),

  // files (only in an action's execute step; see docs/permissions.md#file-operations)
  "files.move": op(z.object({ entryUuid: uuid, from: sdPath, to: sdPath }).strict(), nothing, "write"),
  "files.mkdir": op(z.object({ path: sdPath }).strict(), nothing, "write"),
  "files.write": op(z.object({ path: sdPath, bytes: z.instanceof(Uint8Array) }).strict(), nothing, "write"),

  // jobs and tasks
  "jobs.progress": op(z.object({ jobId: uuid, done: z.number(), total: z.number(), message: z.string().optional() }).strict(), nothing, "job"),
  "jobs.checkpoint": op(z.object({ jobId: uuid, state: json }).strict(), nothing, "job"),
  "jobs.dispatch": op(z.object({ job: z.string(), args: z.array(json) }).strict(), z.object({ jobId: uuid }).strict(), "job"),
  "jobs.status": op(z.object({ jobId: uuid }).strict(), z.object({ cancelled: z.boolean() }).strict(), "job"),
  /** Runs a task through the host: it replays a recorded result, or runs the task with retries and its deadline. */
  "tasks.run": op(z.object({ jobId: uuid, task: z.string(), args: z.array(json) }).strict(), z.object({ result: json }).strict(), "job"),

  // AI
  "ai.run": op(z.object({ model: z.string(), inputs: z.record(z.string(), tensorInput) }).strict(), z.object({ outputs: z.record(z.string(), tensorSchema) }).strict(), "read"),
  // task-level operations: pre- and post-processing on the host, by the model's declared family
  "ai.detectFaces": op(z.object({ model: z.string(), source: imageSource, threshold: z.number().min(0).max(1).optional() }).strict(), z.object({ faces: z.array(faceSchema), width: z.number(), height: z.number() }).strict(), "read"),
  "ai.embedFace": op(z.object({ model: z.string(), source: imageSource, box: z.tuple([z.number(), z.number(), z.number(), z.number()]) }).strict(), z.object({ embedding: z.instanceof(Float32Array) }).strict(), "read"),
  "ai.classify": op(z.object({ model: z.string(), source: imageSource, top: z.number().int().positive().max(1000).optional() }).strict(), z.object({ labels: z.array(z.object({ label: z.string(), score: z.number() }).strict()) }).strict(), "read"),
  "ai.ocr": op(z.object({ model: z.string(), source: imageSource }).strict(), z.object({ text: z.string(), lines: z.array(ocrLineSchema), width: z.number(), height: z.number() }).strict(), "read"),
  "ai.generateJson": op(z.object({ model: z.string(), prompt: z.string(), schema: z.record(z.string(), json), retries: z.number().int().min(0).max(5).optional(), options: genOptions.optional() }).strict(), z.object({ value: json, attempts: z.number() }).strict(), "read"),
  "ai.pick": op(z.object({ category: z.string().min(1), prefer: z.enum(["local", "cloud", "any"]).optional(), family: z.string().optional() }).strict(), z.object({ model: z.string() }).strict(), "read"),
  "ai.readTensor": op(z.object({ ref: z.string().min(1).max(64) }).strict(), z.object({ tensor: tensorSchema }).strict(), "read"),
  "ai.generate": op(z.object({ model: z.string(), prompt: z.string(), options: genOptions.optional() }).strict(), z.object({ text: z.string() }).strict(), "read"),
  "ai.chat": op(z.object({ model: z.string(), messages: z.array(chatMessage), options: genOptions.optional() }).strict(), z.object({ message: chatMessage }).strict(), "read"),
  "ai.embed": op(z.object({ model: z.string(), texts: z.array(z.string()) }).strict(), z.object({ embeddings: z.array(z.instanceof(Float32Array)) }).strict(), "read"),
  "ai.imageTensor": op(z.object({
    source: z.union([z.object({ entry: uuid }).strict(), z.object({ bytes: z.instanceof(Uint8Array) }).strict()]),
    options: z.object({
      width: z.number().int().positive().max(8192), height: z.number().int().positive().max(8192),
      fit: z.enum(["fill", "cover", "contain"]).optional(),
      mean: z.tuple([z.number(), z.number(), z.number()]).optional(), std: z.tuple([z.number(), z.number(), z.number()]).optional(),
      scale: z.number().positive().optional(), layout: z.enum(["nchw", "nhwc"]).optional(),
      crop: z.object({ x: z.number(), y: z.number(), width: z.number().positive(), height: z.number().positive() }).strict().optional(),
    }).strict(),
  }).strict(), z.object({ tensor: tensorRef, width: z.number(), height: z.number() }).strict(), "read"),
  "prompts.render": op(z.object({ template: z.string(), variables: z.record(z.string(), json) }).strict(), z.object({ text: z.string() }).strict(), "read"),
  "registry.register": op(z.object({ name: z.string().min(1), category: z.string().min(1), source: modelSource, family: modelFamily.optional() }).strict(), modelInfo, "write"),
  "registry.get": op(z.object({ name: z.string() }).strict(), z.object({ model: modelInfo.nullable() }).strict(), "read"),

  // kernels, devices
  "kernel.call": op(z.object({ name: z.string(), args: z.array(z.union([z.number(), typedArray])) }).strict(), z.object({ result: json }).strict(), "read"),
  /** Devices of the library that qualify, best first (`all: false`: exactly the best one, or NotFound). */
  "device.select": op(z.object({
    capabilities: z.array(z.string()), preferLocal: z.boolean(), preferRemote: z.boolean().optional(),
    minCores: z.number().int().positive().optional(), minMemoryBytes: z.number().positive().optional(), all: z.boolean().optional(),
  }).strict(), z.object({ devices: z.array(deviceSchema) }).strict(), "read"),
  /** Runs a declared task on a device from `device.select`, there, with that device's grants; the result is recorded like a task's. */
  "device.execute": op(z.object({ device: z.object({ uuid, handle: z.string().max(200) }).strict(), task: z.string(), args: z.array(json) }).strict(), z.object({ result: json }).strict(), "job"),

  // agents and memory
  "agent.trace": op(z.object({ message: z.string(), data: json.optional() }).strict(), nothing, "env", { sync: true }),
  "memory.temporal.append": op(z.object({ field: z.string(), event: json, at: z.string().optional() }).strict(), nothing, "write"),
  "memory.temporal.query": op(z.object({ field: z.string(), from: z.string().optional(), to: z.string().optional(), where: z.record(z.string(), json).optional(), limit: z.number().int().positive().optional() }).strict(), z.object({ events: z.array(z.object({ at: z.string(), event: json }).strict()) }).strict(), "read"),
  "memory.assoc.remember": op(z.object({ field: z.string(), vector: z.instanceof(Float32Array), payload: json }).strict(), z.object({ id: uuid }).strict(), "write"),
  "memory.assoc.query": op(z.object({ field: z.string(), vector: z.instanceof(Float32Array), k: z.number().int().positive().max(1000) }).strict(), z.object({ results: z.array(z.object({ id: uuid, distance: z.number(), payload: json }).strict()) }).strict(), "read"),
  "memory.assoc.link": op(z.object({ field: z.string(), from: uuid, to: uuid, weight: z.number() }).strict(), nothing, "write"),
  "memory.assoc.neighbours": op(z.object({ field: z.string(), id: uuid }).strict(), z.object({ results: z.array(z.object({ id: uuid, weight: z.number(), payload: json }).strict()) }).strict(), "read"),
  "memory.working.get": op(z.object({ field: z.string() }).strict(), z.object({ value: json }).strict(), "read"),
  "memory.working.set": op(z.object({ field: z.string(), value: json }).strict(), nothing, "write"),
  "memory.working.clear": op(z.object({ field: z.string() }).strict(), nothing, "write"),
} as const;

export type OpName = keyof typeof ops;
export type OpRequest<O extends OpName> = z.input<(typeof ops)[O]["request"]>;
export type OpResponse<O extends OpName> = z.output<(typeof ops)[O]["response"]>;

/** The ops the guest may call synchronously (cheap, no I/O): derived from the table's `sync` flags. */
export type SyncOpName = { [O in OpName]: (typeof ops)[O]["sync"] extends true ? O : never }[OpName];
export const SYNC_OPS: readonly SyncOpName[] = (Object.keys(ops) as OpName[]).filter((name): name is SyncOpName => ops[name].sync);

/**
 * The effect of `name`, or undefined for an op that is not in the table. Every list of read, write
 * or job ops in the host is this function: looked up at call time, so an op added to the table
 * (a test's fake write op included) is treated by its effect without touching any other file.
 */
export function effectOf(name: string): OpEffect | undefined {
  return Object.prototype.hasOwnProperty.call(ops, name) ? (ops as Record<string, { effect: OpEffect }>)[name]!.effect : undefined;
}

/** Whether `name` reads the user's library data (what an action's preview depends on). */
export function readsLibrary(name: string): boolean {
  return effectOf(name) === "read" && (ops as Record<string, { library: boolean }>)[name]!.library;
}

/** Whether `name` may be called synchronously (`__sdx_call_sync`). */
export function isSyncOp(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(ops, name) && (ops as Record<string, { sync: boolean }>)[name]!.sync;
}

/** A device as `device.select` returns it. */
export type WireDevice = z.output<typeof deviceSchema>;

/** Wire type of a model row as the host returns it. */
export type WireModel = z.output<typeof wireModel>;
