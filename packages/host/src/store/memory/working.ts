/**
 * Rows of `agent_memory_working`: one JSON value (text, NULL once cleared) per (extension, field),
 * stamped for sync. Semantics in core/memory/working.ts.
 */
import type { MemoryStore } from "./store.js";
import { stampRow, syncKey } from "../sync-rows.js";

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
  if (field.sync === "shared") stampRow(store.library, "memory_working", syncKey.memoryField(extensionId, field.name), ["value"], hlc, false);
}

/** A value a sync applied (its writer's stamp and device). */
export function putWorking(store: MemoryStore, extensionId: string, field: string, text: string | null, hlc: string, device: Buffer): void {
  store.stmt(UPSERT).run(extensionId, field, text, "shared", hlc, device);
}

/** A shared value's row (for a sync batch); undefined when there is none. */
export function workingForSync(store: MemoryStore, extensionId: string, field: string): { text: string | null } | undefined {
  const row = store.stmt("SELECT value FROM agent_memory_working WHERE extension_id = ? AND field = ? AND sync = 'shared'").get(extensionId, field) as { value: string | null } | undefined;
  return row && { text: row.value };
}
