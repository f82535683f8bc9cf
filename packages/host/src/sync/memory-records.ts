/**
 * Agent memory fields marked `@sync("shared")` (spec §4), as sync records and merged back
 * (docs/devices.md#agent-memory): a working memory value is one register (last writer wins, a cleared
 * value included); temporal events and associative items are written once and never change (kept
 * by UUID); an edge's weight is one register. An associative item travels with its vector when its
 * field syncs vectors. Records arrive only for a field the installed extension declares shared,
 * and items are checked against the field's item schema.
 */
import { resolveField, type MemoryKind } from "../core/memory/fields.js";
import { SdxError } from "../errors.js";
import { hlcDevice } from "../store/hlc.js";
import type { Library } from "../store/library.js";
import { memoryStore } from "../store/memory/store.js";
import { assocItemForSync, edgeForSync, putAssocEdge, putAssocItem } from "../store/memory/associative.js";
import { putTemporal, temporalForSync } from "../store/memory/temporal.js";
import { putWorking, workingForSync } from "../store/memory/working.js";
import { putSyncRow, syncRow, type SyncRow } from "../store/sync-rows.js";
import { uuidToBlob } from "../store/uuid.js";
import { refused, type MergeContext, type MergeOutcome } from "./merge-context.js";
import { winners } from "./merge-model.js";
import type { SyncRecord } from "./wire.js";

type MemoryRecord = Extract<SyncRecord, { entity: "memory_working" | "memory_event" | "memory_item" | "memory_edge" }>;

export function memoryRecord(library: Library, row: SyncRow): MemoryRecord | null {
  const store = memoryStore(library);
  const base = { key: row.key, clocks: row.clocks, deleted: row.deleted };
  const parts = row.key.split(":");
  switch (row.entity) {
    case "memory_working": {
      const value = workingForSync(store, parts[0]!, parts[1]!);
      return value ? { entity: "memory_working", ...base, value: { extensionId: parts[0]!, field: parts[1]!, valueJson: value.text } } : null;
    }
    case "memory_event": {
      const value = temporalForSync(store, uuidToBlob(row.key));
      return value ? { entity: "memory_event", ...base, value } : null;
    }
    case "memory_item": {
      const value = assocItemForSync(store, uuidToBlob(row.key));
      return value ? { entity: "memory_item", ...base, value } : null;
    }
    case "memory_edge": {
      const [extensionId, field, from, to] = parts as [string, string, string, string];
      const weight = edgeForSync(store, extensionId, field, uuidToBlob(from), uuidToBlob(to));
      return weight === undefined ? null : { entity: "memory_edge", ...base, value: { extensionId, field, from, to, weight } };
    }
    default:
      return null;
  }
}

const KIND: Record<MemoryRecord["entity"], MemoryKind> = { memory_working: "working", memory_event: "temporal", memory_item: "associative", memory_edge: "associative" };

export function mergeMemory(ctx: MergeContext, record: MemoryRecord): MergeOutcome {
  const { extensionId, field } = record.value;
  const expectedKey = record.entity === "memory_working" ? `${extensionId}:${field}`
    : record.entity === "memory_edge" ? `${extensionId}:${field}:${record.value.from}:${record.value.to}` : record.key;
  if (record.key !== expectedKey) throw refused(`memory record ${JSON.stringify(record.key)} does not match its value`);
  const manifest = ctx.manifest(extensionId);
  if (!manifest) throw refused(`memory of ${extensionId}, which is not installed here`);
  const declared = manifest.memory?.fields.find((f) => f.name === field);
  if (!declared || declared.kind !== KIND[record.entity] || declared.sync !== "shared") {
    throw refused(`memory field ${field} of ${extensionId} is not a shared ${KIND[record.entity]} field here`);
  }
  const local = syncRow(ctx.library, record.entity, record.key);
  const won = winners(local?.clocks, record.clocks);
  if (won.length === 0) return "unchanged";
  const store = memoryStore(ctx.library);
  const resolved = resolveField(manifest, field, KIND[record.entity]);
  const check = (json: string, what: string) => {
    try {
      resolved.validate(JSON.parse(json), what);
    } catch (error) {
      throw refused(`memory ${record.key}: ${error instanceof SdxError || error instanceof SyntaxError ? error.message : String(error)}`);
    }
  };
  const newest = Object.values(record.clocks).sort().at(-1)!;
  const device = uuidToBlob(hlcDevice(newest));
  switch (record.entity) {
    case "memory_working":
      if (record.value.valueJson !== null) check(record.value.valueJson, "the value");
      putWorking(store, extensionId, field, record.value.valueJson, newest, device);
      break;
    case "memory_event":
      check(record.value.eventJson, "the event");
      putTemporal(store, { uuid: uuidToBlob(record.key), ...record.value }, newest, device);
      break;
    case "memory_item": {
      check(record.value.payloadJson, "the payload");
      const { vector, dimension } = record.value;
      if (vector && vector.length !== dimension) throw refused(`memory item ${record.key}: its vector has ${vector.length} values, not ${dimension}`);
      const table = vector && store.vectorIndexAvailable ? store.vecTable(dimension) : null;
      putAssocItem(store, table, { uuid: uuidToBlob(record.key), ...record.value }, newest, device);
      break;
    }
    case "memory_edge":
      putAssocEdge(store, extensionId, { name: field, sync: "shared" }, uuidToBlob(record.value.from), uuidToBlob(record.value.to), record.value.weight, newest, device);
      break;
  }
  const clocks = { ...local?.clocks };
  for (const f of won) clocks[f] = record.clocks[f]!;
  putSyncRow(ctx.library, record.entity, record.key, clocks, false);
  return "applied";
}
