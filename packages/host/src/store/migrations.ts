/**
 * Versioned schema migrations of `library.db`, tracked in `PRAGMA user_version`.
 *
 *   v1  core tables before extensions (`CORE_BASE_SQL`)
 *   v2  the spec's "Required Core Schema Changes" (`CORE_SCHEMA_ADDITIONS_SQL`)
 *   v3  host tables: installed extensions, grants, audit log, sidecars, per-row model versions,
 *       one-model-per-(extension, type, content|entry) unique indexes
 *   v4  authors: the key each extension id is bound to (`extension_authors`), and the key that
 *       signed the installed bundle (`extensions.signed_by`)
 *   v5  sync between devices: per-row field clocks and change order, peers, pending records,
 *       pairing tokens, what each device reports (sync-schema.ts)
 *
 * An older library is migrated forward, one version per transaction. A library from a future
 * version is refused (SDX3013): this host cannot know what the newer schema means.
 */
import type Database from "better-sqlite3";
import { CORE_BASE_SQL, CORE_SCHEMA_ADDITIONS_SQL } from "@sdx/sdk/core-schema";
import { sdxError } from "./errors.js";
import { SYNC_SCHEMA_SQL } from "./sync-schema.js";

/** Marks the file as an sdx library ("SDX1"), so a foreign SQLite file is not mistaken for one. */
export const SDX_APPLICATION_ID = 0x53445831;

export const HOST_TABLES_SQL = `
CREATE TABLE extensions (
    id TEXT PRIMARY KEY,
    version TEXT NOT NULL,
    manifest TEXT NOT NULL,
    bundle_hash TEXT NOT NULL,
    bundle_path TEXT NOT NULL,
    schema_objects TEXT NOT NULL DEFAULT '[]',  -- views/indexes its schema.sql created (dropped on uninstall)
    installed_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE extension_grants (
    extension_id TEXT NOT NULL REFERENCES extensions(id) ON DELETE CASCADE,
    permission_index INTEGER NOT NULL,
    permission TEXT NOT NULL,                   -- the manifest permission (JSON), as granted
    scope TEXT NOT NULL DEFAULT '[]',           -- canonical absolute paths; [] = whole library
    granted_at TEXT NOT NULL,
    PRIMARY KEY (extension_id, permission_index)
);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    who TEXT NOT NULL,
    op TEXT NOT NULL,
    target TEXT NOT NULL,
    result TEXT NOT NULL CHECK (result IN ('ok', 'denied', 'error')),
    detail TEXT
);
CREATE INDEX idx_audit_log_who ON audit_log(who, id);

CREATE TABLE sidecars (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    content_uuid BLOB NOT NULL REFERENCES content_identities(uuid),
    kind TEXT NOT NULL,
    data TEXT NOT NULL,
    written_by TEXT NOT NULL,                   -- 'core' or an extension id
    hlc_timestamp TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (content_uuid, kind)
);

CREATE TABLE model_versions (
    model_uuid BLOB PRIMARY KEY REFERENCES models(uuid) ON DELETE CASCADE,
    version TEXT NOT NULL
);

CREATE UNIQUE INDEX idx_models_one_per_content ON models(extension_id, model_type, content_identity_uuid)
    WHERE content_identity_uuid IS NOT NULL;
CREATE UNIQUE INDEX idx_models_one_per_entry ON models(extension_id, model_type, entry_uuid)
    WHERE entry_uuid IS NOT NULL;
CREATE INDEX idx_model_blobs_blob ON model_blobs(blob_id);
CREATE INDEX idx_collection_items_collection ON collection_items(collection_id);
CREATE INDEX idx_entries_inode ON entries(location_id, inode);
`;

/**
 * Who may replace an installed extension: the key that first installed a signed version of it.
 * No foreign key to `extensions`: the binding outlives an uninstall that keeps the extension's
 * models, so another author cannot take the id over and read them (`--purge` removes it).
 */
export const AUTHORS_SQL = `
CREATE TABLE extension_authors (
    extension_id TEXT PRIMARY KEY,
    key_fingerprint TEXT NOT NULL,              -- sha256:<hex> of the Ed25519 public key
    public_key TEXT NOT NULL,                   -- the 32 raw bytes, base64
    bound_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
ALTER TABLE extensions ADD COLUMN signed_by TEXT;  -- fingerprint of the installed bundle's signer; NULL = unsigned
`;

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: "core base", sql: CORE_BASE_SQL },
  { version: 2, name: "core schema additions (extensions)", sql: CORE_SCHEMA_ADDITIONS_SQL },
  { version: 3, name: "host tables", sql: HOST_TABLES_SQL },
  { version: 4, name: "extension authors", sql: AUTHORS_SQL },
  { version: 5, name: "sync between devices", sql: SYNC_SCHEMA_SQL },
];

export const LIBRARY_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

export function schemaVersion(db: Database.Database): number {
  return db.pragma("user_version", { simple: true }) as number;
}

/**
 * Brings `db` to `target` (default: the latest). Each step runs in its own transaction with
 * foreign keys off (SQLite's table-rebuild procedure requires it; v2 rebuilds `collection_items`),
 * then `foreign_key_check` proves the step left no dangling reference.
 */
export function migrate(db: Database.Database, location: string, target = LIBRARY_SCHEMA_VERSION): { from: number; to: number } {
  const appId = db.pragma("application_id", { simple: true }) as number;
  const from = schemaVersion(db);
  if (appId !== 0 && appId !== SDX_APPLICATION_ID) {
    throw sdxError("SDX3023", `${location} is an SQLite file of another application (application_id ${appId}), not an sdx library`);
  }
  if (from > LIBRARY_SCHEMA_VERSION) {
    throw sdxError("SDX3013", `the library at ${location} has schema version ${from}, but this sdx supports up to version ${LIBRARY_SCHEMA_VERSION}; it was written by a newer sdx: upgrade sdx to open it`,
      { schemaVersion: from, supported: LIBRARY_SCHEMA_VERSION },
    );
  }
  if (from >= target) return { from, to: from };
  const foreignKeys = db.pragma("foreign_keys", { simple: true }) as number;
  db.pragma("foreign_keys = OFF");
  try {
    for (const migration of MIGRATIONS) {
      if (migration.version <= from || migration.version > target) continue;
      db.transaction(() => {
        db.exec(migration.sql);
        const problems = db.pragma("foreign_key_check") as unknown[];
        if (problems.length > 0) throw new Error(`migration ${migration.version} left ${problems.length} dangling references`);
        db.pragma(`user_version = ${migration.version}`);
        db.pragma(`application_id = ${SDX_APPLICATION_ID}`);
      }).immediate();
    }
  } finally {
    db.pragma(`foreign_keys = ${foreignKeys ? "ON" : "OFF"}`);
  }
  return { from, to: target };
}
