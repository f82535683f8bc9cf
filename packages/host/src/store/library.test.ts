import { SdxError } from "@sdx/sdk/errors";
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { Library } from "./library.js";
import { LIBRARY_SCHEMA_VERSION, migrate } from "./migrations.js";
import { Hlc, parseHlc } from "./hlc.js";
import { contentUuidFor, blobToUuid, uuidToBlob, newUuid } from "./uuid.js";
import { cleanupTempDirs, tempDir } from "./__tests__/fixture.js";

afterAll(cleanupTempDirs);

type Column = { name: string; type: string; notnull: number; pk: number; dflt_value: string | null };
const columns = (db: Database.Database, table: string): Column[] => db.prepare(`PRAGMA table_info(${table})`).all() as Column[];

describe("library schema", () => {
  const library = Library.open(path.join(tempDir(), "lib"), { deviceName: "test-box" });
  const db = library.db;
  const now = new Date().toISOString();

  it("creates library.db in WAL mode with foreign keys, at the latest version, with a local device", () => {
    expect(fs.existsSync(path.join(library.dir, "library.db"))).toBe(true);
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(db.pragma("foreign_keys", { simple: true })).toBe(1);
    expect(db.pragma("user_version", { simple: true })).toBe(LIBRARY_SCHEMA_VERSION);
    const device = db.prepare("SELECT uuid, name, is_local FROM devices").all() as Array<{ uuid: Buffer; name: string; is_local: number }>;
    expect(device).toHaveLength(1);
    expect(device[0]).toMatchObject({ name: "test-box", is_local: 1 });
    expect(blobToUuid(device[0].uuid)).toBe(library.deviceUuid);
  });

  it("has the spec's models table with its columns", () => {
    const cols = columns(db, "models");
    expect(cols.map((c) => c.name)).toEqual([
      "id", "uuid", "extension_id", "model_type", "data", "entry_uuid", "content_identity_uuid", "standalone",
      "metadata_id", "sync_strategy", "hlc_timestamp", "device_uuid", "created_at", "updated_at",
    ]);
    const byName = Object.fromEntries(cols.map((c) => [c.name, c]));
    expect(byName.uuid).toMatchObject({ type: "BLOB", notnull: 1 });
    expect(byName.data).toMatchObject({ type: "TEXT", notnull: 1 });
    expect(byName.metadata_id).toMatchObject({ type: "INTEGER", notnull: 1 });
    expect(byName.sync_strategy).toMatchObject({ type: "INTEGER", notnull: 1 });
    const fks = db.prepare("PRAGMA foreign_key_list(models)").all() as Array<{ table: string; from: string; to: string }>;
    expect(fks.map((f) => `${f.from}->${f.table}.${f.to}`).sort()).toEqual([
      "content_identity_uuid->content_identities.uuid", "entry_uuid->entries.uuid", "metadata_id->user_metadata.id",
    ]);
  });

  it("has metadata_blobs, model_blobs, user_metadata_blobs and collection_items.model_uuid", () => {
    expect(columns(db, "metadata_blobs").map((c) => c.name)).toEqual([
      "id", "blob_hash", "blob_data", "blob_type", "size_bytes", "compression", "reference_count", "created_at", "last_accessed_at",
    ]);
    expect(columns(db, "metadata_blobs").find((c) => c.name === "reference_count")?.dflt_value).toBe("1");
    expect(columns(db, "model_blobs").filter((c) => c.pk > 0).map((c) => c.name)).toEqual(["model_uuid", "blob_key"]);
    expect(columns(db, "user_metadata_blobs").filter((c) => c.pk > 0).map((c) => c.name)).toEqual(["metadata_id", "blob_key"]);
    expect(columns(db, "collection_items").map((c) => c.name)).toContain("model_uuid");
    const sql = (db.prepare("SELECT sql FROM sqlite_master WHERE name = 'collection_items'").get() as { sql: string }).sql;
    expect(sql).toMatch(/CONSTRAINT check_item_type/);
  });

  it("has the spec's indexes", () => {
    const indexes = (db.prepare("SELECT name, tbl_name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL").all() as Array<{ name: string; tbl_name: string }>).map((r) => `${r.tbl_name}.${r.name}`);
    for (const name of ["models.idx_models_uuid", "models.idx_models_extension", "models.idx_models_content", "models.idx_models_metadata", "metadata_blobs.idx_metadata_blobs_hash", "model_blobs.idx_model_blobs_model"]) {
      expect(indexes).toContain(name);
    }
    const unique = db.prepare("PRAGMA index_list(metadata_blobs)").all() as Array<{ name: string; unique: number }>;
    expect(unique.find((i) => i.name === "idx_metadata_blobs_hash")?.unique).toBe(1);
  });

  it("enforces the models scope CHECK (exactly one scope)", () => {
    const meta = Number(db.prepare("INSERT INTO user_metadata (uuid, created_at, updated_at) VALUES (?, ?, ?)").run(uuidToBlob(newUuid()), now, now).lastInsertRowid);
    const content = uuidToBlob(newUuid());
    db.prepare("INSERT INTO content_identities (uuid, content_hash, hash_kind, size, kind, first_seen_at) VALUES (?, 'h1', 'blake3', 1, 'text', ?)").run(content, now);
    const insert = (entry: Buffer | null, contentUuid: Buffer | null, standalone: number) => () =>
      db.prepare("INSERT INTO models (uuid, extension_id, model_type, data, entry_uuid, content_identity_uuid, standalone, metadata_id, sync_strategy, created_at, updated_at) VALUES (?, 'x', 'T', '{}', ?, ?, ?, ?, 1, ?, ?)")
        .run(uuidToBlob(newUuid()), entry, contentUuid, standalone, meta, now, now);
    expect(insert(null, null, 0)).toThrow(/CHECK constraint failed/);
    expect(insert(null, content, 1)).toThrow(/CHECK constraint failed/);
    expect(insert(null, null, 1)).not.toThrow();
    expect(insert(null, content, 0)).not.toThrow();
    // NOT NULL on metadata_id and the foreign key on content
    expect(() => db.prepare("INSERT INTO models (uuid, extension_id, model_type, data, standalone, metadata_id, sync_strategy, created_at, updated_at) VALUES (?, 'x', 'T', '{}', 1, NULL, 1, ?, ?)").run(uuidToBlob(newUuid()), now, now)).toThrow(/NOT NULL/);
    expect(insert(null, uuidToBlob(newUuid()), 0)).toThrow(/FOREIGN KEY/);
  });

  it("enforces check_item_type on collection_items and the user_metadata scoping check", () => {
    const collection = Number(db.prepare("INSERT INTO collections (uuid, name, created_at, updated_at) VALUES (?, 'c', ?, ?)").run(uuidToBlob(newUuid()), now, now).lastInsertRowid);
    expect(() => db.prepare("INSERT INTO collection_items (collection_id, added_at) VALUES (?, ?)").run(collection, now)).toThrow(/CHECK constraint failed: check_item_type/);
    const content = (db.prepare("SELECT uuid FROM content_identities LIMIT 1").get() as { uuid: Buffer }).uuid;
    expect(() => db.prepare("INSERT INTO collection_items (collection_id, content_uuid, added_at) VALUES (?, ?, ?)").run(collection, content, now)).not.toThrow();
    expect(() => db.prepare("INSERT INTO user_metadata (uuid, entry_uuid, content_identity_uuid, created_at, updated_at) VALUES (?, ?, ?, ?, ?)").run(uuidToBlob(newUuid()), null, content, now, now)).not.toThrow();
  });

  it("reopens the same library with the same device", () => {
    const dir = library.dir;
    const device = library.deviceUuid;
    library.close();
    const again = Library.open(dir);
    expect(again.deviceUuid).toBe(device);
    again.close();
  });
});

describe("migrations", () => {
  it("migrates a v1 library forward and keeps its rows", () => {
    const dir = tempDir();
    const db = new Database(path.join(dir, "library.db"));
    migrate(db, "test", 1);
    expect(db.pragma("user_version", { simple: true })).toBe(1);
    const now = new Date().toISOString();
    const content = uuidToBlob(newUuid());
    db.prepare("INSERT INTO content_identities (uuid, content_hash, hash_kind, size, kind, first_seen_at) VALUES (?, 'abc', 'blake3', 3, 'text', ?)").run(content, now);
    db.prepare("INSERT INTO collections (uuid, name, created_at, updated_at) VALUES (?, 'old', ?, ?)").run(uuidToBlob(newUuid()), now, now);
    db.prepare("INSERT INTO collection_items (collection_id, content_uuid, added_at) VALUES (1, ?, ?)").run(content, now);
    expect(columns(db, "collection_items").map((c) => c.name)).not.toContain("model_uuid");
    db.close();

    const library = Library.open(dir);
    expect(library.db.pragma("user_version", { simple: true })).toBe(LIBRARY_SCHEMA_VERSION);
    const items = library.db.prepare("SELECT content_uuid, model_uuid FROM collection_items").all() as Array<{ content_uuid: Buffer; model_uuid: null }>;
    expect(items).toHaveLength(1);
    expect(Buffer.compare(items[0].content_uuid, content)).toBe(0);
    expect(items[0].model_uuid).toBeNull();
    expect(library.db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'models'").get()).toEqual({ n: 1 });
    library.close();
  });

  it("refuses a library from a future version with SDX3013", () => {
    const dir = tempDir();
    Library.open(dir).close();
    const db = new Database(path.join(dir, "library.db"));
    db.pragma(`user_version = ${LIBRARY_SCHEMA_VERSION + 1}`);
    db.close();
    let error: unknown;
    try {
      Library.open(dir);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SdxError);
    expect((error as SdxError).code).toBe("SDX3013");
    expect((error as SdxError).message).toMatch(new RegExp(`schema version ${LIBRARY_SCHEMA_VERSION + 1}.*upgrade sdx`));
  });

  it("refuses an SQLite file of another application", () => {
    const dir = tempDir();
    const db = new Database(path.join(dir, "library.db"));
    db.pragma("application_id = 42");
    db.close();
    expect(() => Library.open(dir)).toThrow(/another application/);
  });
});

describe("uuids and the clock", () => {
  it("derives the same content UUID from the same hash, as a v8 UUID", async () => {
    const a = await contentUuidFor("blake3", "ab".repeat(32));
    expect(a).toBe(await contentUuidFor("blake3", "ab".repeat(32)));
    expect(a).not.toBe(await contentUuidFor("blake3", "cd".repeat(32)));
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(blobToUuid(uuidToBlob(a))).toBe(a);
    expect(() => uuidToBlob("not-a-uuid")).toThrow(/not a UUID/);
  });

  it("issues strictly increasing HLC timestamps even when the wall clock stalls or goes back", () => {
    let wall = 1_000;
    const clock = new Hlc("dev", () => wall);
    const stamps = [clock.now(), clock.now()];
    wall = 500;
    stamps.push(clock.now());
    wall = 2_000;
    stamps.push(clock.now());
    clock.receive("0000000009999-000005-other");
    stamps.push(clock.now());
    for (let i = 1; i < stamps.length; i++) expect(stamps[i] > stamps[i - 1]).toBe(true);
    expect(parseHlc(stamps[4])).toEqual({ wallMs: 9999, counter: 6, device: "dev" });
  });

  it("moves the wall time on when the counter would overflow, and bounds stamps from the future", () => {
    let wall = 1_000;
    const clock = new Hlc("dev", () => wall);
    clock.receive("0000000001000-fffffe-other");
    const a = clock.now();
    const b = clock.now();
    expect(parseHlc(a)).toEqual({ wallMs: 1000, counter: 0xffffff, device: "dev" });
    expect(parseHlc(b)).toEqual({ wallMs: 1001, counter: 0, device: "dev" });
    expect(b > a).toBe(true);

    // A peer 10 minutes ahead is refused and does not move the clock; 1 minute ahead is merged.
    wall = 2_000_000;
    expect(clock.receiveRemote(`${String(wall + 10 * 60_000).padStart(13, "0")}-000000-peer`)).toBe(false);
    expect(parseHlc(clock.now())?.wallMs).toBe(wall);
    expect(clock.receiveRemote(`${String(wall + 60_000).padStart(13, "0")}-000003-peer`)).toBe(true);
    expect(parseHlc(clock.now())).toEqual({ wallMs: wall + 60_000, counter: 4, device: "dev" });
    expect(clock.receiveRemote("garbage")).toBe(false);
  });
});
