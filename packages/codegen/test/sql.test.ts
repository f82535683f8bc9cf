/**
 * schema.sql against a real SQLite library (better-sqlite3): the core additions apply on top of
 * the base schema, registrations are idempotent, and each model's view exposes its inline scalar
 * fields from `models.data`.
 */
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { CORE_BASE_SQL } from "@sdx/sdk/core-schema";
import { generate } from "@sdx/codegen";
import { FIXTURES } from "./fixture-harness.js";

function sections(sql: string): { core: string; registrations: string } {
  const [core, registrations] = sql.split("-- sdx:section registrations");
  return { core: core!, registrations: registrations! };
}

describe("schema.sql", () => {
  const sql = generate({ projectDir: join(FIXTURES, "valid-full") }).artifacts!.schemaSql;

  it("applies to a library with the base schema, and its registrations can run again (upgrade)", () => {
    const db = new Database(":memory:");
    db.exec(CORE_BASE_SQL);
    db.exec(sql);
    db.exec(sections(sql).registrations);
    const rows = db.prepare("SELECT model_type, version, scope, sync_strategy, blob_fields FROM extension_model_types ORDER BY model_type").all() as Array<Record<string, string>>;
    expect(rows.map((r) => [r.model_type, r.version, r.scope, r.sync_strategy])).toEqual([
      ["LocalEditState", "0.1.0", "entry", "device_owned"],
      ["Person", "1.0.0", "standalone", "shared"],
      ["PhotoAnalysis", "1.0.0", "content", "shared"],
    ]);
    expect(JSON.parse(rows[2]!.blob_fields!)).toEqual([
      { name: "embeddings", compression: "zstd", lazy: true, quantize: "f16", schema: { "x-sdx-typedArray": "Float32Array" } },
    ]);
    // The core additions keep their CHECK constraint: a model row scoped twice is refused.
    db.exec("INSERT INTO user_metadata (uuid, created_at, updated_at) VALUES (x'01', 'now', 'now')");
    expect(() =>
      db.exec(
        "INSERT INTO models (uuid, extension_id, model_type, data, entry_uuid, content_identity_uuid, metadata_id, sync_strategy, created_at, updated_at) VALUES (x'02', 'e', 'm', '{}', x'03', x'04', 1, 1, 'now', 'now')",
      ),
    ).toThrow(/CHECK constraint failed/);
  });

  it("creates a view per model with its inline scalar fields as columns", () => {
    const db = new Database(":memory:");
    db.exec(CORE_BASE_SQL);
    db.exec(sql);
    db.exec("INSERT INTO user_metadata (uuid, created_at, updated_at) VALUES (x'01', 'now', 'now')");
    db.prepare(
      "INSERT INTO models (uuid, extension_id, model_type, data, standalone, metadata_id, sync_strategy, created_at, updated_at) VALUES (x'aa', 'com.spacedrive.photos', 'Person', ?, 1, 1, 1, 't1', 't2')",
    ).run(JSON.stringify({ name: "Alice", photoCount: 42, favorite: true }));
    const columns = (db.prepare(`PRAGMA table_info("ext_com_spacedrive_photos__Person")`).all() as Array<{ name: string }>).map((c) => c.name);
    expect(columns).toEqual(["uuid", "entry_uuid", "content_identity_uuid", "standalone", "name", "photoCount", "favorite", "created_at", "updated_at"]);
    const row = db.prepare(`SELECT name, photoCount, favorite FROM "ext_com_spacedrive_photos__Person" WHERE photoCount > 10`).get();
    expect(row).toEqual({ name: "Alice", photoCount: 42, favorite: 1 });
    // Blob fields and non-scalar fields are not columns.
    const analysis = (db.prepare(`PRAGMA table_info("ext_com_spacedrive_photos__PhotoAnalysis")`).all() as Array<{ name: string }>).map((c) => c.name);
    expect(analysis).toEqual(["uuid", "entry_uuid", "content_identity_uuid", "standalone", "takenAt", "created_at", "updated_at"]);
  });
});
