/**
 * The extension manifest: one zod schema, the single definition of its shape.
 *
 * The codegen emits it, the bundle carries it, the host and the store validate it. Every object is
 * `.strict()`: an unknown field is refused, because the store must not accept what the host would
 * ignore. `schema/manifest.schema.json` is generated from this file (`npm run gen:schema`).
 * @see docs/bundle-format.md
 */
import { z } from "zod";

export const MANIFEST_VERSION = 1;

/** A JSON Schema (draft 2020-12) object, as emitted by the codegen for a TypeScript type. */
export const jsonSchema: z.ZodType<Record<string, unknown>> = z.record(z.string(), z.unknown());

const identifier = z.string().regex(/^[A-Za-z_$][A-Za-z0-9_$]*$/);
const semver = z.string().regex(/^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/, "a semantic version like 1.2.3");
export const EXTENSION_ID_PATTERN = /^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$/;

export const permissionSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("read_entries"), glob: z.string().min(1) }).strict(),
  z.object({ kind: z.literal("read_sidecars"), kinds: z.array(z.string().min(1)).min(1) }).strict(),
  z.object({ kind: z.literal("write_sidecars"), kinds: z.array(z.string().min(1)).min(1) }).strict(),
  z.object({ kind: z.literal("write_tags") }).strict(),
  z.object({ kind: z.literal("write_collections") }).strict(),
  z.object({ kind: z.literal("write_custom_metadata") }).strict(),
  z.object({ kind: z.literal("use_model"), category: z.string().min(1), preference: z.enum(["local", "cloud", "any"]) }).strict(),
  z.object({ kind: z.literal("dispatch_jobs") }).strict(),
  z.object({ kind: z.literal("use_devices"), capabilities: z.array(z.string()) }).strict(),
]);

/** A parameter of a job, task, action or hook. `sdkType` names SDK types the host converts (e.g. a CLI path to `SdPath`). */
export const paramSchema = z.object({
  name: identifier,
  schema: jsonSchema,
  optional: z.boolean(),
  sdkType: z.enum(["SdPath", "Entry", "ContentIdentity", "ActionPreview", "Uuid"]).optional(),
}).strict();

export const settingFieldSchema = z.object({
  name: identifier,
  label: z.string().min(1),
  type: z.enum(["boolean", "string", "number", "string[]"]),
  default: z.union([z.string(), z.number(), z.boolean(), z.array(z.string())]),
  description: z.string().optional(),
  options: z.array(z.string()).optional(),
}).strict();

export const blobFieldSchema = z.object({
  name: identifier,
  compression: z.enum(["zstd", "none"]),
  lazy: z.boolean(),
  quantize: z.enum(["none", "f16", "int8"]),
  schema: jsonSchema,
}).strict();

export const modelSchema = z.object({
  /** `models.model_type`. */
  name: identifier,
  className: identifier,
  version: semver,
  scope: z.enum(["content", "standalone", "entry"]),
  sync: z.enum(["shared", "device_owned"]),
  /** JSON Schema of the inline data (`models.data`), without the `id` field and blob fields. */
  schema: jsonSchema,
  blobFields: z.array(blobFieldSchema),
}).strict();

export const jobSchema = z.object({
  name: identifier,
  parallelism: z.number().int().min(1).max(64),
  trigger: z.enum(["user_initiated", "on_event", "scheduled"]),
  event: z.enum(["entry_indexed", "model_created", "job_completed"]).optional(),
  everySeconds: z.number().int().positive().optional(),
  kinds: z.array(z.string()).optional(),
  params: z.array(paramSchema),
}).strict();

export const taskSchema = z.object({
  name: identifier,
  retries: z.number().int().min(0).max(100),
  timeoutMs: z.number().int().positive(),
  backoffMs: z.number().int().nonnegative(),
  params: z.array(paramSchema),
  returns: jsonSchema,
}).strict();

export const actionSchema = z.object({
  name: identifier,
  title: z.string(),
  /** Method name of the execute step (`<name>Execute`). */
  execute: identifier,
  params: z.array(paramSchema),
}).strict();

export const hookSchema = z.object({
  /** Method name, e.g. `onNewPhoto`. */
  name: identifier,
  event: z.enum(["entry_indexed", "model_created", "job_completed", "schedule"]),
  /** For `entry_indexed`: only entries of these kinds (`onNewPhoto` → `["image"]`). */
  kinds: z.array(z.string()).optional(),
  params: z.array(paramSchema),
}).strict();

export const agentSchema = z.object({
  hooks: z.array(hookSchema),
  trail: z.object({ level: z.enum(["trace", "debug", "info", "warn", "error"]), format: z.literal("jsonl") }).strict().nullable(),
  scheduleEverySeconds: z.number().int().positive().optional(),
}).strict();

export const memoryFieldSchema = z.object({
  name: identifier,
  kind: z.enum(["temporal", "associative", "working"]),
  sync: z.enum(["shared", "device_owned"]),
  /** JSON Schema of `T` in `TemporalMemory<T>` etc. */
  itemSchema: jsonSchema,
}).strict();

export const manifestSchema = z.object({
  manifestVersion: z.literal(MANIFEST_VERSION),
  protocolVersion: z.number().int().positive(),
  id: z.string().regex(EXTENSION_ID_PATTERN, "a reverse-DNS id like com.example.photos"),
  name: z.string().min(1),
  version: semver,
  description: z.string(),
  minCoreVersion: semver,
  requiredFeatures: z.array(z.string()),
  permissions: z.array(permissionSchema),
  settings: z.array(settingFieldSchema),
  models: z.array(modelSchema),
  jobs: z.array(jobSchema),
  tasks: z.array(taskSchema),
  actions: z.array(actionSchema),
  agent: agentSchema.nullable(),
  memory: z.object({ className: identifier, fields: z.array(memoryFieldSchema) }).strict().nullable(),
  /** Model categories the extension uses (from `useModel` permissions). */
  aiModels: z.array(z.object({ category: z.string(), preference: z.enum(["local", "cloud", "any"]) }).strict()),
  /** Prompt templates bundled from `prompts/`, by path relative to it. */
  prompts: z.array(z.string()),
  /** AssemblyScript kernel exports callable through `ctx.kernel(name, …)`. */
  kernels: z.array(z.string()),
  /** Whether the extension class has an `init(ctx: ExtensionContext)` method run at install. */
  hasInit: z.boolean(),
  hasUi: z.boolean(),
}).strict();

export type Manifest = z.output<typeof manifestSchema>;
export type ManifestModel = z.output<typeof modelSchema>;
export type ManifestJob = z.output<typeof jobSchema>;
export type ManifestTask = z.output<typeof taskSchema>;
export type ManifestAction = z.output<typeof actionSchema>;
export type ManifestParam = z.output<typeof paramSchema>;
export type ManifestPermission = z.output<typeof permissionSchema>;
export type ManifestSetting = z.output<typeof settingFieldSchema>;
export type ManifestHook = z.output<typeof hookSchema>;
export type ManifestMemoryField = z.output<typeof memoryFieldSchema>;

/** Parses a manifest, returning zod's issues instead of throwing. */
export function parseManifest(value: unknown): { ok: true; manifest: Manifest } | { ok: false; issues: Array<{ path: string; message: string }> } {
  const result = manifestSchema.safeParse(value);
  if (result.success) return { ok: true, manifest: result.data };
  return {
    ok: false,
    issues: result.error.issues.map((issue) => ({ path: issue.path.map(String).join("."), message: issue.message })),
  };
}
