/**
 * The extension manifest: one zod schema, the single definition of its shape.
 *
 * The codegen emits it, the bundle carries it, the host and the store validate it. Every object is
 * `.strict()`: an unknown field is refused, because the store must not accept what the host would
 * ignore. `schema/manifest.schema.json` is generated from this file (`npm run gen:schema`).
 * It is also where a decorator option is declared: see `DECORATOR_OPTIONS` at the end.
 * @see docs/bundle-format.md
 */
import { z } from "zod";
import parseSpdx from "spdx-expression-parse";
import { permissionSentence } from "./permission-sentence.js";
import { querySpecSchema } from "./query/spec.js";

export { permissionSentence } from "./permission-sentence.js";

/**
 * The manifest format version written by this sdx. A reader accepts every version from 1 up to its
 * own and refuses a newer one (SDX2011): the schema is strict, so a field it does not know would be
 * refused anyway, and a field it knows may have changed meaning. The version is bumped by any
 * change an older reader could misread: a field added, removed or renamed, a change of meaning or
 * of a permission sentence's wording. Version 2 added `author`, `license`, `homepage`,
 * `repository`, `icon` and each permission's `description`.
 * @see docs/bundle-format.md#manifest-versions
 */
export const MANIFEST_VERSION = 2;
/** The oldest manifest version this sdx still reads. */
export const MIN_MANIFEST_VERSION = 1;

/** A JSON Schema (draft 2020-12) object, as emitted by the codegen for a TypeScript type. */
export const jsonSchema: z.ZodType<Record<string, unknown>> = z.record(z.string(), z.unknown());

const identifier = z.string().regex(/^[A-Za-z_$][A-Za-z0-9_$]*$/);
const semver = z.string().regex(/^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/, "a semantic version like 1.2.3");
export const EXTENSION_ID_PATTERN = /^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$/;

/**
 * `description`: the permission's sentence (`permissionSentence`) for a store to show; required
 * from manifest version 2 on, and always exactly the sentence of the permission's data.
 */
const description = z.string().min(1).optional();

export const permissionSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("read_entries"), glob: z.string().min(1), description }).strict(),
  z.object({ kind: z.literal("read_sidecars"), kinds: z.array(z.string().min(1)).min(1), description }).strict(),
  z.object({ kind: z.literal("write_sidecars"), kinds: z.array(z.string().min(1)).min(1), description }).strict(),
  z.object({ kind: z.literal("write_tags"), description }).strict(),
  z.object({ kind: z.literal("write_collections"), description }).strict(),
  z.object({ kind: z.literal("write_custom_metadata"), description }).strict(),
  z.object({ kind: z.literal("use_model"), category: z.string().min(1), preference: z.enum(["local", "cloud", "any"]), description }).strict(),
  z.object({ kind: z.literal("dispatch_jobs"), description }).strict(),
  z.object({ kind: z.literal("use_devices"), capabilities: z.array(z.string()), description }).strict(),
  z.object({ kind: z.literal("write_files"), glob: z.string().min(1), description }).strict(),
]);

/**
 * How permission globs (`readEntries`, `writeFiles`) and entry-query globs are matched, by the
 * host's grants and the codegen's checks alike (picomatch options): dotfiles included, and
 * without regard to case, so the spec's `**\/*.{jpg,png,heic}` matches a camera's `IMG_0001.JPG`.
 * Case folds in the whole glob, directory names too; what limits access is the granted scope
 * (canonical folders, compared exactly), not the glob. @see docs/permissions.md#globs
 */
export const PERMISSION_GLOB_OPTIONS = Object.freeze({ dot: true, nocase: true });

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

/** A named query (`@query()` method): its spec, its parameters (the method's after the `Query`) and a label for UIs. */
export const namedQuerySchema = z.object({
  name: identifier,
  label: z.string().min(1).optional(),
  params: z.array(paramSchema),
  ...querySpecSchema.shape,
}).strict();

export const agentTrailSchema = z.object({ level: z.enum(["trace", "debug", "info", "warn", "error"]), format: z.literal("jsonl") }).strict();

export const agentSchema = z.object({
  hooks: z.array(hookSchema),
  trail: agentTrailSchema.nullable(),
  scheduleEverySeconds: z.number().int().positive().optional(),
}).strict();

export const memoryFieldSchema = z.object({
  name: identifier,
  kind: z.enum(["temporal", "associative", "working"]),
  sync: z.enum(["shared", "device_owned"]),
  /** JSON Schema of `T` in `TemporalMemory<T>` etc. */
  itemSchema: jsonSchema,
}).strict();

/** Whether `value` is a valid SPDX license expression (`MIT`, `Apache-2.0 OR MIT`, `LicenseRef-Proprietary`). */
export function isSpdxExpression(value: string): boolean {
  try {
    parseSpdx(value);
    return true;
  } catch {
    return false;
  }
}

const webUrl = z.string().regex(/^https?:\/\/[^\s/?#]+[^\s]*$/, "an http(s) URL");
/** A bundled image: a path under `assets/` (what the bundle's `sdx.asset/<path>` sections are named by). */
export const ICON_PATTERN = /^assets\/(?:[^/\0]+\/)*[^/\0]+\.(?:png|svg)$/;

export const manifestSchema = z.object({
  manifestVersion: z.number().int().min(MIN_MANIFEST_VERSION).max(MANIFEST_VERSION),
  protocolVersion: z.number().int().positive(),
  id: z.string().regex(EXTENSION_ID_PATTERN, "a reverse-DNS id like com.example.photos"),
  name: z.string().min(1),
  version: semver,
  description: z.string(),
  /** Who publishes it, e.g. `"Jane Doe <jane@example.com>"` or an organization. */
  author: z.string().min(1).max(200).optional(),
  /** An SPDX license expression, e.g. `"MIT"` or `"Apache-2.0 OR MIT"`. */
  license: z.string().refine(isSpdxExpression, "an SPDX license expression such as MIT or Apache-2.0 OR MIT").optional(),
  homepage: webUrl.optional(),
  /** Where the source is, e.g. `"https://github.com/example/notes"`. */
  repository: webUrl.optional(),
  /** The store icon: a PNG or SVG under `assets/`, carried in the bundle (e.g. `"assets/icon.png"`). */
  icon: z.string().regex(ICON_PATTERN, "a .png or .svg file under assets/, e.g. assets/icon.png").optional(),
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
  /** Named queries (`@query()` methods), compiled by the host to SQL scoped to the grants. Absent in manifests of older builds. */
  queries: z.array(namedQuerySchema).default([]),
}).strict().superRefine((manifest, ctx) => {
  manifest.permissions.forEach((permission, i) => {
    const sentence = permissionSentence(permission);
    if (permission.description === undefined) {
      if (manifest.manifestVersion >= 2) ctx.addIssue({ code: "custom", path: ["permissions", i, "description"], message: `missing; it must be "${sentence}"` });
    } else if (permission.description !== sentence) {
      ctx.addIssue({ code: "custom", path: ["permissions", i, "description"], message: `does not describe the permission; it must be "${sentence}"` });
    }
  });
});

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
export type ManifestQuery = z.output<typeof namedQuerySchema>;

/** One problem of a manifest, located for an editor or a store's ingestion report. */
export interface ManifestIssue {
  /** Dotted path (`permissions.0.glob`), `""` for the root. */
  path: string;
  /** RFC 6901 JSON pointer (`/permissions/0/glob`), `""` for the root. */
  pointer: string;
  /** SDX2006 (does not match the schema) or SDX2011 (a newer manifest version). */
  code: "SDX2006" | "SDX2011";
  message: string;
}

function pointerOf(path: ReadonlyArray<PropertyKey>): string {
  return path.map((key) => `/${String(key).replace(/~/g, "~0").replace(/\//g, "~1")}`).join("");
}

/** Parses a manifest, returning every issue (located) instead of throwing. */
export function parseManifest(value: unknown): { ok: true; manifest: Manifest } | { ok: false; issues: ManifestIssue[] } {
  const version = (value as { manifestVersion?: unknown } | null)?.manifestVersion;
  if (typeof value === "object" && value !== null && Number.isInteger(version) && (version as number) > MANIFEST_VERSION) {
    // Nothing else is checked: this sdx cannot know what the fields of a newer version mean.
    return { ok: false, issues: [{ path: "manifestVersion", pointer: "/manifestVersion", code: "SDX2011", message: `manifest version ${String(version)} is newer than this sdx reads (${MIN_MANIFEST_VERSION}–${MANIFEST_VERSION}); upgrade sdx` }] };
  }
  const result = manifestSchema.safeParse(value);
  if (result.success) return { ok: true, manifest: result.data };
  return {
    ok: false,
    issues: result.error.issues.map((issue) => ({ path: issue.path.map(String).join("."), pointer: pointerOf(issue.path), code: "SDX2006", message: issue.message })),
  };
}

/** The permission with its sentence, as manifest version 2 writes it. */
export function describedPermission(permission: ManifestPermission): ManifestPermission & { description: string } {
  return { ...permission, description: permissionSentence(permission) };
}

/**
 * How an option may be left out of `@decorator({...})`:
 * - `"required"`: the author must write it;
 * - `"optional"`: it may be left out, and the manifest then leaves it out too (its field is optional);
 * - `"derived"`: it may be left out, and the decorator's analyzer derives it (model `name` from the class);
 * - `{ default: v }`: it may be left out, and the manifest gets `v`.
 */
export type OptionPresence<T> = undefined extends T ? "optional" : "required" | "derived" | { readonly default: T };

type OptionSpecs<S extends z.ZodObject> = { readonly [K in keyof z.output<S>]?: OptionPresence<z.output<S>[K]> };

/** One row of `DECORATOR_OPTIONS`; typed so that a row names only fields of its manifest object. */
function row<S extends z.ZodObject, const O extends OptionSpecs<S>>(schema: S, options: O & Record<Exclude<keyof O, keyof z.output<S>>, never>): { schema: S; options: O } {
  return { schema, options };
}

/**
 * The decorator options, declared once. Each decorator that takes an options object names the
 * manifest object its options land in and, per option, whether the author may leave it out; the
 * option's name is the manifest field's name, and its type and limits are that field's zod schema
 * above. The codegen derives from this table the options each decorator accepts, their static
 * kinds and allowed values, and their defaults; the IR and the manifest emitter copy the fields by
 * these names. The public `…Options` interfaces (decorators/options.ts), which carry the TSDoc
 * authors read, are checked against `AuthorOptions` by a type test. Adding an option is a field
 * above, a line here and the code in its analyzer that checks it.
 * @see docs/architecture.md#decorator-options
 */
export const DECORATOR_OPTIONS = {
  extension: row(manifestSchema, {
    id: "required", name: "required", version: "required", description: "required", minCoreVersion: "required",
    requiredFeatures: "required", permissions: "required",
    author: "optional", license: "optional", homepage: "optional", repository: "optional", icon: "optional",
  }),
  model: row(modelSchema, { version: "required", scope: "required", sync: "derived", name: "derived" }),
  blobData: row(blobFieldSchema, { compression: { default: "zstd" }, lazy: { default: false }, quantize: { default: "none" } }),
  setting: row(settingFieldSchema, { label: "required", default: "required", description: "optional", options: "optional" }),
  job: row(jobSchema, { parallelism: { default: 1 }, trigger: { default: "user_initiated" }, event: "optional", everySeconds: "optional", kinds: "optional" }),
  task: row(taskSchema, { retries: { default: 0 }, timeoutMs: { default: 30_000 }, backoffMs: { default: 100 } }),
  action: row(actionSchema, { title: "derived" }),
  query: row(namedQuerySchema, { label: "optional" }),
  agent: row(agentSchema, { scheduleEverySeconds: "optional" }),
  agentTrail: row(agentTrailSchema, { level: "required", format: "required" }),
};

/** A decorator that takes an options object. */
export type DecoratorName = keyof typeof DECORATOR_OPTIONS;
type Specs<D extends DecoratorName> = (typeof DECORATOR_OPTIONS)[D]["options"];
type Fields<D extends DecoratorName> = z.output<(typeof DECORATOR_OPTIONS)[D]["schema"]>;
/** The options of decorator `D`. */
export type OptionName<D extends DecoratorName> = keyof Specs<D> & keyof Fields<D> & string;
type RequiredName<D extends DecoratorName> = { [K in OptionName<D>]: Specs<D>[K] extends "required" ? K : never }[OptionName<D>];

/** The manifest fields the options of `D` become (what the codegen writes for them). */
export type ManifestOptions<D extends DecoratorName> = Pick<Fields<D>, OptionName<D>>;

/** What the author writes in `@D({...})`, by the table: the public `…Options` interfaces must equal it. */
export type AuthorOptions<D extends DecoratorName> = Flat<
  { [K in OptionName<D> as K extends RequiredName<D> ? K : never]: Fields<D>[K] } &
  { [K in OptionName<D> as K extends RequiredName<D> ? never : K]?: Exclude<Fields<D>[K], undefined> }
>;
// One object type instead of an intersection, so that type-level equality with an interface holds.
type Flat<T> = { [K in keyof T]: T[K] };

/** Which permission each SDK method needs (for `sdx build`'s permission checks); declared beside the permission builders. */
export { METHOD_PERMISSIONS, type MethodPermission } from "./types/permissions.js";
