/**
 * The agent-memory tables in `library.db`, created idempotently on first use (they are not part of
 * the core migrations: a library that never ran an agent has none of them).
 *
 * Every row is keyed by `(extension_id, field)` and carries the field's sync strategy, an HLC
 * stamp and the writing device (a 16-byte BLOB, as everywhere in the library), which is what a
 * cross-device sync needs to merge rows (last-writer-wins by `hlc`). Rows have a UUID where they need a stable identity across devices.
 * Working memory's `clear` keeps its row with `value = NULL` (a tombstone a sync can ship).
 *
 * Vectors live only in sqlite-vec `vec0` tables, one per dimension
 * (`agent_memory_assoc_vec_<dim>`), partitioned by `extension_id` and `field` so a kNN query scans
 * only the caller's own chunks; the vec0 rowid equals `agent_memory_assoc_items.id`.
 * `agent_memory_assoc_items.sync_vectors = 0` tells a sync engine to ship the item without its
 * vector (the receiving device recomputes it).
 */
import type Database from "better-sqlite3";

/** One memory table: its columns and what follows them, and its indexes (all `IF NOT EXISTS`). */
interface MemoryTable {
  name: string;
  columns: string;
  suffix: string;
  indexes: string[];
}

/**
 * `device_uuid` is the 16-byte BLOB every other table of the library uses for a device (it was
 * 36-character text before: memory rows could not be joined with models on device, and a sync
 * would have shipped two forms of one identity).
 */
const TABLES: readonly MemoryTable[] = [
  {
    name: "agent_memory_fields",
    columns: `extension_id TEXT NOT NULL,
  field TEXT NOT NULL,
  kind TEXT NOT NULL,
  sync TEXT NOT NULL,
  sync_vectors INTEGER NOT NULL DEFAULT 0,
  -- associative fields: fixed by the first remembered vector
  dimension INTEGER,
  hlc TEXT NOT NULL,
  device_uuid BLOB NOT NULL,
  PRIMARY KEY (extension_id, field)`,
    suffix: "WITHOUT ROWID",
    indexes: [],
  },
  {
    name: "agent_memory_temporal",
    columns: `id INTEGER PRIMARY KEY,
  uuid BLOB NOT NULL UNIQUE,
  extension_id TEXT NOT NULL,
  field TEXT NOT NULL,
  at TEXT NOT NULL,
  at_ms INTEGER NOT NULL,
  event TEXT NOT NULL,
  sync TEXT NOT NULL,
  hlc TEXT NOT NULL,
  device_uuid BLOB NOT NULL`,
    suffix: "",
    indexes: [
      "CREATE INDEX IF NOT EXISTS agent_memory_temporal_by_time ON agent_memory_temporal (extension_id, field, at_ms, id)",
      "CREATE INDEX IF NOT EXISTS agent_memory_temporal_by_hlc ON agent_memory_temporal (hlc)",
    ],
  },
  {
    name: "agent_memory_assoc_items",
    columns: `id INTEGER PRIMARY KEY,
  uuid BLOB NOT NULL UNIQUE,
  extension_id TEXT NOT NULL,
  field TEXT NOT NULL,
  dimension INTEGER NOT NULL,
  payload TEXT NOT NULL,
  sync TEXT NOT NULL,
  sync_vectors INTEGER NOT NULL,
  hlc TEXT NOT NULL,
  device_uuid BLOB NOT NULL`,
    suffix: "",
    indexes: [
      "CREATE INDEX IF NOT EXISTS agent_memory_assoc_items_by_field ON agent_memory_assoc_items (extension_id, field)",
      "CREATE INDEX IF NOT EXISTS agent_memory_assoc_items_by_hlc ON agent_memory_assoc_items (hlc)",
    ],
  },
  {
    name: "agent_memory_assoc_edges",
    columns: `extension_id TEXT NOT NULL,
  field TEXT NOT NULL,
  from_uuid BLOB NOT NULL,
  to_uuid BLOB NOT NULL,
  weight REAL NOT NULL,
  sync TEXT NOT NULL,
  hlc TEXT NOT NULL,
  device_uuid BLOB NOT NULL,
  PRIMARY KEY (extension_id, field, from_uuid, to_uuid)`,
    suffix: "WITHOUT ROWID",
    indexes: [],
  },
  {
    name: "agent_memory_working",
    columns: `extension_id TEXT NOT NULL,
  field TEXT NOT NULL,
  value TEXT,
  sync TEXT NOT NULL,
  hlc TEXT NOT NULL,
  device_uuid BLOB NOT NULL,
  PRIMARY KEY (extension_id, field)`,
    suffix: "WITHOUT ROWID",
    indexes: [],
  },
];

const createTable = (table: MemoryTable, name = table.name) => `CREATE TABLE IF NOT EXISTS ${name} (\n  ${table.columns}\n) ${table.suffix};`;

export const MEMORY_SCHEMA_SQL = TABLES.map((t) => [createTable(t), ...t.indexes.map((i) => `${i};`)].join("\n")).join("\n\n");

/**
 * Creates the tables, first rebuilding any created by an sdx that stored `device_uuid` as text
 * (36-character UUIDs become the 16-byte BLOBs; row ids are kept, so vec0 rowids still match).
 */
export function ensureMemorySchema(db: Database.Database): void {
  db.transaction(() => {
    for (const table of TABLES) {
      const columns = db.prepare(`PRAGMA table_info(${table.name})`).all() as Array<{ name: string; type: string }>;
      const device = columns.find((c) => c.name === "device_uuid");
      if (!device || device.type.toUpperCase() === "BLOB") continue;
      const names = columns.map((c) => c.name);
      const select = names.map((n) => (n === "device_uuid" ? "unhex(replace(device_uuid, '-', ''))" : n)).join(", ");
      db.exec(`${createTable(table, `${table.name}__blob_device`)}
        INSERT INTO ${table.name}__blob_device (${names.join(", ")}) SELECT ${select} FROM ${table.name};
        DROP TABLE ${table.name};
        ALTER TABLE ${table.name}__blob_device RENAME TO ${table.name};`);
    }
    db.exec(MEMORY_SCHEMA_SQL);
  }).immediate();
}

/** Tables whose `hlc` column the library clock must have seen before it stamps new rows. */
export const HLC_TABLES = TABLES.map((t) => t.name);

/** sqlite-vec's limit on vec0 dimensions. */
export const MAX_DIMENSION = 8192;

export function vecTableName(dimension: number): string {
  if (!Number.isInteger(dimension) || dimension < 1 || dimension > MAX_DIMENSION) throw new RangeError(`bad vector dimension ${dimension}`);
  return `agent_memory_assoc_vec_${dimension}`;
}

/** `vec0` with cosine distance; the dimension is an integer checked above, never guest text. */
export function vecTableSql(dimension: number): string {
  return `CREATE VIRTUAL TABLE IF NOT EXISTS ${vecTableName(dimension)} USING vec0(
    extension_id TEXT PARTITION KEY,
    field TEXT PARTITION KEY,
    embedding float[${dimension}] distance_metric=cosine
  )`;
}

/** Dimensions that already have a vec0 table in this database. */
export function existingVecDimensions(db: Database.Database): number[] {
  const rows = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name GLOB 'agent_memory_assoc_vec_[0-9]*' AND sql LIKE 'CREATE VIRTUAL TABLE%'").all() as Array<{ name: string }>;
  return rows.map((r) => Number(r.name.slice("agent_memory_assoc_vec_".length))).filter((n) => Number.isInteger(n));
}
