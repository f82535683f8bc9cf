/**
 * What an extension's agent memory holds, read from outside the extension (tools, test harnesses):
 * a working field's value, or a temporal field's events (oldest first, up to the query limit).
 * Associative memory is searched by vector, so it is read through the extension.
 */
import type { Manifest } from "@sdx/sdk/manifest";
import type { Library } from "../../store/library.js";
import { memoryStore } from "../../store/memory/store.js";
import { validationFailed } from "../../errors.js";
import { resolveField } from "./fields.js";
import { MAX_TEMPORAL_LIMIT, TemporalStore, type TemporalEvent } from "./temporal.js";
import { WorkingStore } from "./working.js";

export type MemoryView = { kind: "working"; value: unknown } | { kind: "temporal"; events: TemporalEvent[] };

export function readMemory(library: Library, manifest: Manifest, field: string): MemoryView {
  const declared = manifest.memory?.fields.find((f) => f.name === field);
  if (!declared) throw validationFailed(`${manifest.id} has no memory field "${field}" (fields: ${manifest.memory?.fields.map((f) => f.name).join(", ") || "none"})`);
  const store = memoryStore(library);
  if (declared.kind === "working") return { kind: "working", value: new WorkingStore(store, manifest.id, resolveField(manifest, field, "working")).get() };
  if (declared.kind === "temporal") return { kind: "temporal", events: new TemporalStore(store, manifest.id, resolveField(manifest, field, "temporal")).query({ limit: MAX_TEMPORAL_LIMIT }) };
  throw validationFailed(`${field} is ${declared.kind} memory: search it through the extension (ctx.memory()), it has no listing`);
}
