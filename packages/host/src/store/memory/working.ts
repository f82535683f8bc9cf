/**
 * Rows of `agent_memory_working`: one JSON value (text, NULL once cleared) per (extension, field),
 * stamped for sync. Semantics in core/memory/working.ts.
 */
import type { MemoryStore } from "./store.js";

const UPSERT = `INSERT INTO agent_memory_working (extension_id, field, value, sync, hlc, device_uuid) VALUES (?, ?, ?, ?, ?, ?)
  ON CONFLICT (extension_id, field) DO UPDATE SET value = excluded.value, sync = excluded.sync, hlc = excluded.hlc, device_uuid = excluded.device_uuid`;

/** The stored JSON text; null when unset or cleared. */
export function readWorking(store: MemoryStore, extensionId: string, field: string): string | null {
  const row = store.stmt("SELECT value FROM agent_memory_working WHERE extension_id = ? AND field = ?").get(extensionId, field) as
    | { value: string | null }
    | undefined;
  return row?.value ?? null;
}

/** Sets the value (null: the cleared tombstone) with a fresh stamp. */
export function writeWorking(store: MemoryStore, extensionId: string, field: { name: string; sync: string }, text: string | null): void {
  const { hlc, device } = store.stamp();
  store.stmt(UPSERT).run(extensionId, field.name, text, field.sync, hlc, device);
}
