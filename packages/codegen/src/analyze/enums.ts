/**
 * Allowed option values, read from the manifest's zod schema so the codegen and the manifest
 * cannot disagree about what a valid scope, trigger or log level is.
 */
import { agentSchema, blobFieldSchema, hookSchema, jobSchema, memoryFieldSchema, modelSchema } from "@sdx/sdk/manifest";

export const SCOPES = modelSchema.shape.scope.options;
export const SYNCS = modelSchema.shape.sync.options;
export const COMPRESSIONS = blobFieldSchema.shape.compression.options;
export const QUANTIZE = blobFieldSchema.shape.quantize.options;
export const TRIGGERS = jobSchema.shape.trigger.options;
export const JOB_EVENTS = jobSchema.shape.event.unwrap().options;
export const HOOK_EVENTS = hookSchema.shape.event.options;
export const TRAIL_LEVELS = agentSchema.shape.trail.unwrap().shape.level.options;
export const MEMORY_KINDS = memoryFieldSchema.shape.kind.options;
