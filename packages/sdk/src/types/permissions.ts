/**
 * Permissions an extension requests in `@extension({ permissions })`.
 *
 * Each builder returns plain data; the codegen reads the calls statically (arguments must be
 * literals) and writes them into the manifest. At install the user grants each one and scopes it
 * to locations or paths; the host checks the grant on every operation.
 *
 * @see docs/permissions.md
 */

/** Where a model may run. The user's own preference always wins over the extension's. */
export type ModelPreference = "local" | "cloud" | "any";

/** One requested permission, as it appears in the manifest. */
export type PermissionRequest =
  | { kind: "read_entries"; glob: string }
  | { kind: "read_sidecars"; kinds: string[] }
  | { kind: "write_sidecars"; kinds: string[] }
  | { kind: "write_tags" }
  | { kind: "write_collections" }
  | { kind: "write_custom_metadata" }
  | { kind: "use_model"; category: string; preference: ModelPreference }
  | { kind: "dispatch_jobs" }
  | { kind: "use_devices"; capabilities: string[] }
  | { kind: "write_files"; glob: string };

/** The `kind` of every permission, for exhaustive handling on the host. */
export type PermissionKind = PermissionRequest["kind"];

/** Permission builders. @example `Permission.readEntries({ glob: "**\/*.{jpg,png}" })` */
export const Permission = {
  /**
   * Read entries (and their bytes) whose path matches `glob` (picomatch syntax, matched without
   * regard to case: `*.jpg` matches `IMG_0001.JPG`), inside the granted scope.
   */
  readEntries(options: { glob: string }): PermissionRequest {
    return { kind: "read_entries", glob: options.glob };
  },
  /** Read sidecars of the given kinds (e.g. `"exif"`, `"ocr"`, `"thumbnail"`). */
  readSidecars(options: { kinds: string[] }): PermissionRequest {
    return { kind: "read_sidecars", kinds: [...options.kinds] };
  },
  /** Write sidecars of the given kinds for content the extension can read. */
  writeSidecars(options: { kinds: string[] }): PermissionRequest {
    return { kind: "write_sidecars", kinds: [...options.kinds] };
  },
  /** Add and remove tags on content, entries and models. */
  writeTags(): PermissionRequest {
    return { kind: "write_tags" };
  },
  /** Create collections and add entries, content or models to them. */
  writeCollections(): PermissionRequest {
    return { kind: "write_collections" };
  },
  /** Write the extension's own keys in `user_metadata.custom_data`. */
  writeCustomMetadata(): PermissionRequest {
    return { kind: "write_custom_metadata" };
  },
  /** Run (and register) AI models of one category, e.g. `"face_detection"`, `"llm"`, `"ocr"`. */
  useModel(options: { category: string; preference?: ModelPreference }): PermissionRequest {
    return { kind: "use_model", category: options.category, preference: options.preference ?? "local" };
  },
  /** Dispatch the extension's own jobs from agents, actions or other jobs. */
  dispatchJobs(): PermissionRequest {
    return { kind: "dispatch_jobs" };
  },
  /**
   * Move, rename and write files whose path matches `glob` (case-insensitive, like `readEntries`),
   * and create directories, inside the folders the user grants. Only in an action's execute step:
   * the user sees every move (source and destination) and every new file in the preview first.
   * @see docs/permissions.md#file-operations
   */
  writeFiles(options: { glob: string }): PermissionRequest {
    return { kind: "write_files", glob: options.glob };
  },
  /** Select devices with the given capabilities and run work on them. */
  useDevices(options: { capabilities: string[] }): PermissionRequest {
    return { kind: "use_devices", capabilities: [...options.capabilities] };
  },
} as const;

/** Names of the builders, used by the codegen to recognize calls. */
export type PermissionBuilderName = keyof typeof Permission;

/**
 * What an SDK method needs: a permission `kind`, and for the kinds that name things (sidecar
 * kinds, model categories) which argument names it (`arg`, and `property` when that argument is an
 * object).
 */
export interface MethodPermission {
  readonly kind: PermissionKind;
  readonly arg?: number;
  readonly property?: string;
}

/**
 * The permission each SDK method needs: the host refuses the call without it (SDX3001). `sdx build`
 * checks against this table that every SDK method an extension's code reaches has its permission
 * requested (SDX1040, with the `Permission.*` to add) and warns about a requested permission
 * nothing uses (`unused-permission`). Keys are `<interface>.<method>` of the SDK's types
 * (types/context.ts, types/data.ts). Methods not listed need no permission (the extension's own
 * models, memory, prompts, kernels, logging).
 */
export const METHOD_PERMISSIONS: Readonly<Record<string, MethodPermission>> = {
  "Vdfs.queryEntries": { kind: "read_entries" },
  "Vdfs.getEntry": { kind: "read_entries" },
  "Entry.read": { kind: "read_entries" },
  "Entry.sidecar": { kind: "read_sidecars", arg: 0 },
  "Vdfs.readSidecar": { kind: "read_sidecars", arg: 1 },
  "Vdfs.writeSidecar": { kind: "write_sidecars", arg: 1 },
  "Vdfs.addTag": { kind: "write_tags" },
  "Vdfs.addTagToContent": { kind: "write_tags" },
  "Vdfs.addTagToEntry": { kind: "write_tags" },
  "Vdfs.addTagToModel": { kind: "write_tags" },
  "Vdfs.removeTag": { kind: "write_tags" },
  "Vdfs.createCollection": { kind: "write_collections" },
  "Vdfs.addToCollection": { kind: "write_collections" },
  "Vdfs.setCustomMetadata": { kind: "write_custom_metadata" },
  "Vdfs.moveEntry": { kind: "write_files" },
  "Vdfs.renameEntry": { kind: "write_files" },
  "Vdfs.createDirectory": { kind: "write_files" },
  "Vdfs.writeFile": { kind: "write_files" },
  "JobContext.dispatchJob": { kind: "dispatch_jobs" },
  "AgentContext.dispatchJob": { kind: "dispatch_jobs" },
  "DeviceSelector.select": { kind: "use_devices" },
  "ModelRegistry.register": { kind: "use_model", arg: 0, property: "category" },
  "AiModel.run": { kind: "use_model" },
  "AiModel.generate": { kind: "use_model" },
  "AiModel.chat": { kind: "use_model" },
  "AiModel.embed": { kind: "use_model" },
  "AiModel.detectFaces": { kind: "use_model" },
  "AiModel.embedFace": { kind: "use_model" },
  "AiModel.classify": { kind: "use_model" },
  "AiModel.ocr": { kind: "use_model" },
};
