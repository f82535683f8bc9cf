/**
 * `WorkingMemory<T>`: one JSON value per (extension, field), the short-term state of a plan.
 * `get` is null when unset or cleared; `clear` keeps the row with a NULL value and a fresh stamp
 * (a tombstone, so a sync can tell "cleared here later" from "never set").
 */
import type { ResolvedField } from "./fields.js";
import { toStoredJson } from "./fields.js";
import type { MemoryStore } from "./store.js";

const UPSERT = `INSERT INTO agent_memory_working (extension_id, field, value, sync, hlc, device_uuid) VALUES (?, ?, ?, ?, ?, ?)
  ON CONFLICT (extension_id, field) DO UPDATE SET value = excluded.value, sync = excluded.sync, hlc = excluded.hlc, device_uuid = excluded.device_uuid`;

export class WorkingStore {
  constructor(
    private readonly store: MemoryStore,
    private readonly extensionId: string,
    private readonly field: ResolvedField,
  ) {}

  get(): unknown {
    const row = this.store.stmt("SELECT value FROM agent_memory_working WHERE extension_id = ? AND field = ?").get(this.extensionId, this.field.name) as
      | { value: string | null }
      | undefined;
    return row?.value == null ? null : (JSON.parse(row.value) as unknown);
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
    const { hlc, device } = this.store.stamp();
    this.store.stmt(UPSERT).run(this.extensionId, this.field.name, text, this.field.sync, hlc, device);
  }
}
