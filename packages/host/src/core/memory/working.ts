/**
 * `WorkingMemory<T>`: one JSON value per (extension, field), the short-term state of a plan.
 * `get` is null when unset or cleared; `clear` keeps the row with a NULL value and a fresh stamp
 * (a tombstone, so a sync can tell "cleared here later" from "never set").
 */
import type { ResolvedField } from "./fields.js";
import { toStoredJson } from "./fields.js";
import type { MemoryStore } from "../../store/memory/store.js";
import { readWorking, writeWorking } from "../../store/memory/working.js";

export class WorkingStore {
  constructor(
    private readonly store: MemoryStore,
    private readonly extensionId: string,
    private readonly field: ResolvedField,
  ) {}

  get(): unknown {
    const value = readWorking(this.store, this.extensionId, this.field.name);
    return value === null ? null : (JSON.parse(value) as unknown);
  }

  set(value: unknown): void {
    const { text, json } = toStoredJson(value, "the value");
    this.field.validate(json, "the value");
    this.write(text);
  }

  clear(): void {
    this.write(null);
  }

  private write(text: string | null): void {
    this.store.field(this.extensionId, this.field);
    writeWorking(this.store, this.extensionId, this.field, text);
  }
}
