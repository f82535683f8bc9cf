/**
 * Allowed values of decorator arguments that are not options objects, read from the manifest's
 * zod schema so the codegen and the manifest cannot disagree. (Options objects get theirs from
 * `DECORATOR_OPTIONS` through decorator-options.ts.)
 */
import { memoryFieldSchema } from "@sdx/sdk/manifest";

/** `@sync("shared" | "device_owned")` on a memory field. */
export const SYNCS = memoryFieldSchema.shape.sync.options;
