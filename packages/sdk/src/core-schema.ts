/**
 * The core library schema an extension touches, as SQL text shared by the host (which applies it
 * as versioned migrations) and the codegen (which emits the additions into `schema.sql`).
 *
 * `CORE_BASE_SQL` is the core before extensions (schema v1). `CORE_SCHEMA_ADDITIONS_SQL` is the
 * spec's "Required Core Schema Changes" (schema v2), written so SQLite accepts it: SQLite has no
 * `ALTER TABLE … ADD CONSTRAINT`, so change 5 rebuilds `collection_items` with the `model_uuid`
 * column and the `check_item_type` constraint (the documented 12-step table rebuild). UUIDs are
 * 16-byte BLOBs, timestamps ISO-8601 TEXT, as in Spacedrive.
 * @see docs/library-schema.md
 */

export const CORE_BASE_SQL = `
CREATE TABLE devices (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid BLOB UNIQUE NOT NULL,
    name TEXT NOT NULL,
    is_local BOOLEAN NOT NULL DEFAULT 0,
    capabilities TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL
);

CREATE TABLE locations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid BLOB UNIQUE NOT NULL,
    device_uuid BLOB NOT NULL REFERENCES devices(uuid),
    path TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_indexed_at TEXT,
    UNIQUE (device_uuid, path)
);

CREATE TABLE content_identities (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid BLOB UNIQUE NOT NULL,
    content_hash TEXT UNIQUE NOT NULL,
    hash_kind TEXT NOT NULL,
    size INTEGER NOT NULL,
    kind TEXT NOT NULL,
    first_seen_at TEXT NOT NULL
);

CREATE TABLE entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid BLOB UNIQUE NOT NULL,
    location_id INTEGER NOT NULL REFERENCES locations(id) ON DELETE CASCADE,
    device_uuid BLOB NOT NULL,
    relative_path TEXT NOT NULL,
    raw_path BLOB,
    name TEXT NOT NULL,
    extension TEXT,
    kind TEXT NOT NULL,
    is_dir BOOLEAN NOT NULL DEFAULT 0,
    size INTEGER NOT NULL DEFAULT 0,
    inode INTEGER,
    modified_at TEXT,
    content_identity_uuid BLOB REFERENCES content_identities(uuid),
    error TEXT,
    hlc_timestamp TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (location_id, relative_path)
);
CREATE INDEX idx_entries_content ON entries(content_identity_uuid);
CREATE INDEX idx_entries_location ON entries(location_id);

CREATE TABLE user_metadata (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid BLOB UNIQUE NOT NULL,
    entry_uuid BLOB REFERENCES entries(uuid),
    content_identity_uuid BLOB REFERENCES content_identities(uuid),
    notes TEXT,
    favorite BOOLEAN NOT NULL DEFAULT 0,
    hidden BOOLEAN NOT NULL DEFAULT 0,
    custom_data TEXT NOT NULL DEFAULT '{}',
    hlc_timestamp TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CHECK (entry_uuid IS NULL OR content_identity_uuid IS NULL)
);
CREATE UNIQUE INDEX idx_user_metadata_entry ON user_metadata(entry_uuid) WHERE entry_uuid IS NOT NULL;
CREATE UNIQUE INDEX idx_user_metadata_content ON user_metadata(content_identity_uuid) WHERE content_identity_uuid IS NOT NULL;

CREATE TABLE tags (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid BLOB UNIQUE NOT NULL,
    name TEXT UNIQUE NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE tag_links (
    tag_id INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
    metadata_id INTEGER NOT NULL REFERENCES user_metadata(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    hlc_timestamp TEXT,
    PRIMARY KEY (tag_id, metadata_id)
);
CREATE INDEX idx_tag_links_metadata ON tag_links(metadata_id);

CREATE TABLE collections (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid BLOB UNIQUE NOT NULL,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE collection_items (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
    entry_uuid BLOB REFERENCES entries(uuid),
    content_uuid BLOB REFERENCES content_identities(uuid),
    added_at TEXT NOT NULL
);
`;

export const CORE_SCHEMA_ADDITIONS_SQL = `
-- 1. Extension models (lightweight data)
CREATE TABLE models (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid BLOB UNIQUE NOT NULL,
    extension_id TEXT NOT NULL,
    model_type TEXT NOT NULL,
    data TEXT NOT NULL,  -- Lightweight JSON only

    -- Scoping (exactly one set)
    entry_uuid BLOB REFERENCES entries(uuid),
    content_identity_uuid BLOB REFERENCES content_identities(uuid),
    standalone BOOLEAN DEFAULT 0,

    -- Metadata (for tags/collections)
    metadata_id INTEGER NOT NULL REFERENCES user_metadata(id),

    -- Sync
    sync_strategy INTEGER NOT NULL,  -- 0=DeviceOwned, 1=Shared
    hlc_timestamp TEXT,
    device_uuid BLOB,

    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,

    CHECK (
        (entry_uuid IS NOT NULL AND content_identity_uuid IS NULL AND standalone = 0) OR
        (entry_uuid IS NULL AND content_identity_uuid IS NOT NULL AND standalone = 0) OR
        (entry_uuid IS NULL AND content_identity_uuid IS NULL AND standalone = 1)
    )
);

-- 2. Large data storage (content-addressed, deduplicated)
CREATE TABLE metadata_blobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    blob_hash TEXT UNIQUE NOT NULL,      -- BLAKE3 hash for deduplication
    blob_data BLOB NOT NULL,             -- Compressed binary data
    blob_type TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    compression TEXT,                    -- "zstd", "gzip", NULL
    reference_count INTEGER DEFAULT 1,
    created_at TEXT NOT NULL,
    last_accessed_at TEXT NOT NULL
);

-- 3. Links models to large blobs
CREATE TABLE model_blobs (
    model_uuid BLOB NOT NULL REFERENCES models(uuid),
    blob_key TEXT NOT NULL,              -- Field name ("embeddings", "cache")
    blob_id INTEGER NOT NULL REFERENCES metadata_blobs(id),
    PRIMARY KEY (model_uuid, blob_key)
);

-- 4. Links user_metadata to large blobs (for entries/content)
CREATE TABLE user_metadata_blobs (
    metadata_id INTEGER NOT NULL REFERENCES user_metadata(id),
    blob_key TEXT NOT NULL,
    blob_id INTEGER NOT NULL REFERENCES metadata_blobs(id),
    PRIMARY KEY (metadata_id, blob_key)
);

-- 5. Extend collections to support models. SQLite cannot ADD CONSTRAINT, so the table is rebuilt
--    with the new column and the check (SQLite's documented procedure for changing a table).
CREATE TABLE collection_items_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
    entry_uuid BLOB REFERENCES entries(uuid),
    content_uuid BLOB REFERENCES content_identities(uuid),
    added_at TEXT NOT NULL,
    model_uuid BLOB REFERENCES models(uuid),
    CONSTRAINT check_item_type
        CHECK (entry_uuid IS NOT NULL OR content_uuid IS NOT NULL OR model_uuid IS NOT NULL)
);
INSERT INTO collection_items_new (id, collection_id, entry_uuid, content_uuid, added_at, model_uuid)
    SELECT id, collection_id, entry_uuid, content_uuid, added_at, NULL FROM collection_items;
DROP TABLE collection_items;
ALTER TABLE collection_items_new RENAME TO collection_items;

-- Indexes
CREATE INDEX idx_models_uuid ON models(uuid);
CREATE INDEX idx_models_extension ON models(extension_id, model_type);
CREATE INDEX idx_models_content ON models(content_identity_uuid);
CREATE INDEX idx_models_metadata ON models(metadata_id);
CREATE UNIQUE INDEX idx_metadata_blobs_hash ON metadata_blobs(blob_hash);
CREATE INDEX idx_model_blobs_model ON model_blobs(model_uuid);

-- sdx: registry of model types per extension and version (filled by each extension's schema.sql)
CREATE TABLE extension_model_types (
    extension_id TEXT NOT NULL,
    model_type TEXT NOT NULL,
    version TEXT NOT NULL,
    scope TEXT NOT NULL CHECK (scope IN ('content', 'standalone', 'entry')),
    sync_strategy TEXT NOT NULL CHECK (sync_strategy IN ('shared', 'device_owned')),
    json_schema TEXT NOT NULL,
    blob_fields TEXT NOT NULL,
    PRIMARY KEY (extension_id, model_type, version)
);
`;

/**
 * Section markers of an extension's generated `schema.sql`: the codegen writes them, the host's
 * install applies only what follows `registrations` (the core additions are a library migration).
 */
export const SCHEMA_SECTIONS = {
  coreAdditions: "-- sdx:section core-additions",
  registrations: "-- sdx:section registrations",
} as const;
