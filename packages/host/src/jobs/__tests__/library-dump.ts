/**
 * Library dumps for durability and action tests.
 *
 * - `exactDump`: every row of the tables library writes touch, every column as an SQL literal.
 *   Two equal exact dumps are the same library state (used for "preview changed nothing" and
 *   "undo restored the previous state").
 * - `canonicalDump`: what an extension's jobs produced, independent of UUIDs, row ids and times
 *   (a standalone model's UUID depends on its job's id): each model as type, scope (content hash
 *   or entry path), data, version, blob hashes and tags; each collection as name and items. Two
 *   runs of the same job are equivalent when their canonical dumps are equal.
 */
import type Database from "better-sqlite3";

const TABLES = [
  "models", "model_versions", "model_blobs", "metadata_blobs", "user_metadata", "user_metadata_blobs",
  "tags", "tag_links", "collections", "collection_items", "sidecars", "entries", "content_identities",
];

export function exactDump(db: Database.Database): string {
  const out: string[] = [];
  for (const table of TABLES) {
    const columns = (db.prepare(`PRAGMA table_info("${table}")`).all() as Array<{ name: string }>).map((c) => `quote("${c.name}")`);
    const rows = db.prepare(`SELECT rowid AS r, json_array(${columns.join(", ")}) AS v FROM "${table}" ORDER BY rowid`).all() as Array<{ r: number; v: string }>;
    out.push(`${table}:`, ...rows.map((row) => `  ${row.r} ${row.v}`));
  }
  return out.join("\n");
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]));
}

export interface CanonicalDump {
  text: string;
  models: number;
  /** Models whose canonical form appears more than once. */
  duplicates: number;
  collections: number;
}

export function canonicalDump(db: Database.Database, extensionId: string): CanonicalDump {
  const models = db.prepare(`
    SELECT m.uuid, m.model_type, m.data, v.version, ci.content_hash, e.relative_path, m.standalone, m.metadata_id
    FROM models m LEFT JOIN model_versions v ON v.model_uuid = m.uuid
      LEFT JOIN content_identities ci ON ci.uuid = m.content_identity_uuid LEFT JOIN entries e ON e.uuid = m.entry_uuid
    WHERE m.extension_id = ?`).all(extensionId) as Array<{
      uuid: Buffer; model_type: string; data: string; version: string | null; content_hash: string | null; relative_path: string | null; standalone: number; metadata_id: number;
    }>;
  const blobs = db.prepare("SELECT mb.blob_key, b.blob_hash FROM model_blobs mb JOIN metadata_blobs b ON b.id = mb.blob_id WHERE mb.model_uuid = ? ORDER BY mb.blob_key");
  const tags = db.prepare("SELECT t.name FROM tag_links tl JOIN tags t ON t.id = tl.tag_id WHERE tl.metadata_id = ? ORDER BY t.name");
  const byUuid = new Map<string, string>();
  const lines: string[] = [];
  for (const m of models) {
    const line = JSON.stringify(sortKeys({
      type: m.model_type,
      scope: m.content_hash ? { content: m.content_hash } : m.relative_path ? { entry: m.relative_path } : "standalone",
      data: JSON.parse(m.data),
      version: m.version,
      blobs: (blobs.all(m.uuid) as Array<{ blob_key: string; blob_hash: string }>).map((b) => `${b.blob_key}=${b.blob_hash}`),
      tags: (tags.all(m.metadata_id) as Array<{ name: string }>).map((t) => t.name),
    }));
    byUuid.set(m.uuid.toString("hex"), line);
    lines.push(line);
  }
  lines.sort();
  const duplicates = lines.filter((line, i) => i > 0 && lines[i - 1] === line).length;
  const collections = (db.prepare("SELECT id, name FROM collections ORDER BY id").all() as Array<{ id: number; name: string }>).map((c) => {
    const items = (db.prepare("SELECT hex(entry_uuid) AS e, hex(content_uuid) AS c, hex(model_uuid) AS m FROM collection_items WHERE collection_id = ?").all(c.id) as Array<{ e: string; c: string; m: string }>)
      .map((i) => (i.m ? `model ${byUuid.get(i.m.toLowerCase()) ?? i.m}` : i.c ? `content ${i.c}` : `entry ${i.e}`))
      .sort();
    return JSON.stringify({ name: c.name, items });
  }).sort();
  return { text: [...lines, ...collections].join("\n"), models: lines.length, duplicates, collections: collections.length };
}
