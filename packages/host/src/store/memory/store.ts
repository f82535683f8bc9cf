/**
 * One `MemoryStore` per open `Library`: it loads sqlite-vec into the library's connection,
 * creates the agent-memory tables (schema.ts), advances the library clock past every memory row
 * already written (so stamps stay monotonic across restarts), and keeps the `agent_memory_fields`
 * rows and the vec0 tables. Its statements go through the library's statement cache (sqlite.ts).
 * The rows of each memory kind are read and written by temporal.ts, working.ts and associative.ts
 * here; what they mean (validation, limits, errors) is core/memory/.
 *
 * sqlite-vec is loaded from its prebuilt npm package (`sqlite-vec-<os>-<arch>`). If it cannot load,
 * associative memory is unavailable (SDX3020 naming the cause); temporal and working memory still
 * work. The vec0 tables need the extension loaded to be read, which only this store does.
 *
 * `mmap_size` is raised on the connection: kNN scans read every vector of a partition, and
 * reading them through mmap instead of the page cache is ~1.4× faster at 100k×512.
 */
import type Database from "better-sqlite3";
import * as sqliteVec from "sqlite-vec";
import type { Library } from "../library.js";
import { hostFailed } from "../errors.js";
import { raiseMmapSize } from "../sqlite.js";
import { HLC_TABLES, ensureMemorySchema, existingVecDimensions, vecTableName, vecTableSql } from "./schema.js";

/** What the store needs of a memory field (core/memory/fields.ts resolves them from the manifest). */
export interface MemoryFieldSpec {
  readonly name: string;
  readonly kind: string;
  readonly sync: string;
  readonly syncVectors: boolean;
}

const MMAP_BYTES = 1 << 30;

const stores = new WeakMap<Library, MemoryStore>();

/** The store of an open library (created on first use). */
export function memoryStore(library: Library): MemoryStore {
  let store = stores.get(library);
  if (!store || store.db !== library.db || !library.db.open) {
    store = new MemoryStore(library);
    stores.set(library, store);
  }
  return store;
}

export class MemoryStore {
  readonly db: Database.Database;
  private readonly vecTables = new Set<number>();
  private readonly fields = new Map<string, { dimension: number | null }>();
  private vecError: Error | null = null;

  constructor(readonly library: Library) {
    this.db = library.db;
    try {
      sqliteVec.load(this.db);
    } catch (error) {
      this.vecError = error as Error;
    }
    raiseMmapSize(this.db, MMAP_BYTES);
    ensureMemorySchema(this.db);
    if (!this.vecError) for (const dim of existingVecDimensions(this.db)) this.vecTables.add(dim);
    for (const table of HLC_TABLES) {
      const row = this.db.prepare(`SELECT max(hlc) AS h FROM ${table}`).get() as { h: string | null };
      if (row.h) library.hlc.receive(row.h);
    }
  }

  /** Whether sqlite-vec loaded (associative memory needs it). */
  get vectorIndexAvailable(): boolean {
    return this.vecError === null;
  }

  /** A cached prepared statement (the library's cache); SQL text is host-built, never guest text. */
  stmt(sql: string): Database.Statement {
    return this.library.stmt(sql);
  }

  transaction<T>(fn: () => T): T {
    return this.library.transaction(fn);
  }

  /** An HLC stamp and the writing device (its 16-byte BLOB), for a new or changed row. */
  stamp(): { hlc: string; device: Buffer } {
    return { hlc: this.library.hlc.now(), device: this.library.deviceUuidBlob };
  }

  /** The vec0 table for a dimension, created on first use. */
  vecTable(dimension: number): string {
    if (this.vecError) {
      throw hostFailed(`associative memory needs the sqlite-vec extension, which failed to load on this machine: ${this.vecError.message}`, this.vecError);
    }
    if (!this.vecTables.has(dimension)) {
      this.db.exec(vecTableSql(dimension));
      this.vecTables.add(dimension);
    }
    return vecTableName(dimension);
  }

  /**
   * The field's state (its vector dimension). With `write`, also records the field in
   * `agent_memory_fields` (kind, sync strategy, vector sync) the first time this store sees it or
   * when the manifest changed them; reads never write.
   */
  field(extensionId: string, field: MemoryFieldSpec, write = true): { dimension: number | null } {
    const key = `${extensionId}\u0000${field.name}\u0000${field.kind}\u0000${field.sync}\u0000${field.syncVectors}`;
    let state = this.fields.get(key);
    if (state) return state;
    const row = this.stmt("SELECT kind, sync, sync_vectors, dimension FROM agent_memory_fields WHERE extension_id = ? AND field = ?")
      .get(extensionId, field.name) as { kind: string; sync: string; sync_vectors: number; dimension: number | null } | undefined;
    const syncVectors = field.syncVectors ? 1 : 0;
    // The dimension survives a manifest change: the field's stored vectors keep it.
    const dimension = row?.dimension ?? null;
    if (!row || row.kind !== field.kind || row.sync !== field.sync || row.sync_vectors !== syncVectors) {
      if (!write) return { dimension };
      const { hlc, device } = this.stamp();
      this.stmt(`INSERT INTO agent_memory_fields (extension_id, field, kind, sync, sync_vectors, dimension, hlc, device_uuid) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (extension_id, field) DO UPDATE SET kind = excluded.kind, sync = excluded.sync, sync_vectors = excluded.sync_vectors,
        hlc = excluded.hlc, device_uuid = excluded.device_uuid`)
        .run(extensionId, field.name, field.kind, field.sync, syncVectors, dimension, hlc, device);
    }
    state = { dimension };
    // An associative field without a dimension is re-read until it has one: another process
    // sharing the library may fix it first.
    if (dimension !== null || field.kind !== "associative") this.fields.set(key, state);
    return state;
  }

  /** Fixes an associative field's dimension (at its first vector). */
  setDimension(extensionId: string, field: MemoryFieldSpec, dimension: number): void {
    const state = this.field(extensionId, field);
    const { hlc, device } = this.stamp();
    this.stmt("UPDATE agent_memory_fields SET dimension = ?, hlc = ?, device_uuid = ? WHERE extension_id = ? AND field = ?")
      .run(dimension, hlc, device, extensionId, field.name);
    state.dimension = dimension;
  }

  /** Removes every memory row of an extension (for uninstall). */
  deleteExtension(extensionId: string): void {
    for (const key of [...this.fields.keys()]) if (key.startsWith(`${extensionId}\u0000`)) this.fields.delete(key);
    this.transaction(() => {
      if (!this.vecError) {
        for (const dim of this.vecTables) this.db.prepare(`DELETE FROM ${vecTableName(dim)} WHERE extension_id = ?`).run(extensionId);
      }
      for (const table of HLC_TABLES) this.db.prepare(`DELETE FROM ${table} WHERE extension_id = ?`).run(extensionId);
    });
  }
}
