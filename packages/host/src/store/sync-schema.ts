/**
 * Schema v5 of `library.db`: what sync between devices keeps (docs/devices.md).
 *
 *   sync_rows             one row per shared thing (a model, a tag on content, a collection, …): the
 *                         HLC of each of its fields (`clocks`, JSON `{field: hlc}`, the registers
 *                         last-writer-wins compares) and the newest of them (`hlc`), whether it is
 *                         deleted (a tombstone), and `seq`,
 *                         this library's order of changes, which peers page through ("what changed
 *                         since seq N")
 *   sync_peers            paired devices: their public key, where they listen, and how far their
 *                         changes have been applied here (`received_seq`, in the peer's seq space)
 *   sync_pending          records that arrived before what they refer to (a tag on a model not here
 *                         yet), applied once it is
 *   sync_pairing_tokens   one-time pairing tokens (their SHA-256 only), valid for a few minutes
 *   devices.info          what a device reports about itself (cores, memory, ONNX providers, models)
 */
export const SYNC_SCHEMA_SQL = `
CREATE TABLE sync_rows (
    entity TEXT NOT NULL,
    key TEXT NOT NULL,
    seq INTEGER NOT NULL,
    clocks TEXT NOT NULL,
    hlc TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    PRIMARY KEY (entity, key)
) WITHOUT ROWID;
CREATE UNIQUE INDEX idx_sync_rows_seq ON sync_rows(seq);
CREATE INDEX idx_sync_rows_hlc ON sync_rows(hlc);

CREATE TABLE sync_peers (
    device_uuid BLOB PRIMARY KEY REFERENCES devices(uuid),
    public_key TEXT NOT NULL,
    url TEXT,
    paired_at TEXT NOT NULL,
    received_seq INTEGER NOT NULL DEFAULT 0,
    last_sync_at TEXT,
    last_error TEXT
);

CREATE TABLE sync_pending (
    entity TEXT NOT NULL,
    key TEXT NOT NULL,
    record TEXT NOT NULL,
    from_device BLOB NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (entity, key)
) WITHOUT ROWID;

CREATE TABLE sync_pairing_tokens (
    token_hash TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_by BLOB
);

ALTER TABLE devices ADD COLUMN info TEXT NOT NULL DEFAULT '{}';
ALTER TABLE devices ADD COLUMN updated_at TEXT;
`;
