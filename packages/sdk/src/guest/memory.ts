/**
 * Agent memory: an instance of the `@agentMemory` class whose fields are bound, by field name, to
 * the host's temporal, associative and working stores (`memory.*` ops). Kinds come from the
 * manifest, because the field's TypeScript type (`TemporalMemory<T>`…) is erased at run time.
 */
import type { AssociativeMemory, TemporalMemory, WorkingMemory } from "../types/context.js";
import type { JsonValue } from "../types/data.js";
import type { Manifest } from "../manifest.js";
import { callHost } from "./host.js";
import { trackMethods } from "./floating.js";

class TemporalMemoryImpl<T> implements TemporalMemory<T> {
  constructor(readonly field: string) {}
  async append(event: T, at?: string): Promise<void> {
    await callHost("memory.temporal.append", { field: this.field, event, at });
  }
  async query(options: { from?: string; to?: string; where?: Partial<Record<keyof T & string, JsonValue>>; limit?: number } = {}) {
    const { events } = await callHost("memory.temporal.query", { field: this.field, ...options } as { field: string });
    return events as Array<{ at: string; event: T }>;
  }
}

class AssociativeMemoryImpl<T> implements AssociativeMemory<T> {
  constructor(readonly field: string) {}
  async remember(vector: Float32Array, payload: T): Promise<string> {
    return (await callHost("memory.assoc.remember", { field: this.field, vector: vector as Float32Array<ArrayBuffer>, payload })).id;
  }
  async querySimilar(vector: Float32Array, k: number) {
    return (await callHost("memory.assoc.query", { field: this.field, vector: vector as Float32Array<ArrayBuffer>, k })).results as Array<{ id: string; distance: number; payload: T }>;
  }
  async link(from: string, to: string, weight: number): Promise<void> {
    await callHost("memory.assoc.link", { field: this.field, from, to, weight });
  }
  async neighbours(id: string) {
    return (await callHost("memory.assoc.neighbours", { field: this.field, id })).results as Array<{ id: string; weight: number; payload: T }>;
  }
}

class WorkingMemoryImpl<T> implements WorkingMemory<T> {
  constructor(readonly field: string) {}
  async get(): Promise<T | null> {
    const { value } = await callHost("memory.working.get", { field: this.field });
    return (value ?? null) as T | null;
  }
  async set(value: T): Promise<void> {
    await callHost("memory.working.set", { field: this.field, value });
  }
  async clear(): Promise<void> {
    await callHost("memory.working.clear", { field: this.field });
  }
}

/** Creates the memory object with every declared field bound to its store. */
export function bindMemory<M extends object>(manifest: Manifest, memoryClass: (new () => M) | undefined): M {
  const declared = manifest.memory;
  if (!declared && !memoryClass) {
    throw new TypeError("ctx.memory(): this extension declares no @agentMemory class");
  }
  const mind = (memoryClass ? new memoryClass() : {}) as Record<string, unknown>;
  for (const field of declared?.fields ?? []) {
    mind[field.name] = field.kind === "temporal" ? new TemporalMemoryImpl(field.name)
      : field.kind === "associative" ? new AssociativeMemoryImpl(field.name)
      : new WorkingMemoryImpl(field.name);
  }
  return mind as M;
}

// Promises these methods return are tracked: one never awaited that fails fails the invocation.
trackMethods(TemporalMemoryImpl, "memory");
trackMethods(AssociativeMemoryImpl, "memory");
trackMethods(WorkingMemoryImpl, "memory");
