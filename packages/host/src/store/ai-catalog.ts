/**
 * The model catalog: `<models dir>/catalog.db`, SQLite in WAL mode with a busy timeout
 * (`CATALOG_PRAGMAS`, sqlite.ts), so several hosts and `sdx models` commands may use one models
 * directory at once (each write is one transaction). One row per model name.
 *
 * A row describes either a file model (`source` is how it was registered, `sha256` names the file
 * in `files/`) or an endpoint model (`endpoint` is the loader configuration: Ollama or an
 * OpenAI-compatible server; no file, no hash).
 */
import path from "node:path";
import type { z } from "zod";
import type { ops } from "@sdx/sdk/protocol";
import { CATALOG_PRAGMAS, openSqlite, type Db, type SqliteDb } from "./sqlite.js";

export type ModelSource = z.output<(typeof ops)["registry.register"]["request"]>["source"];
/** What a file model declares it is (face detector, embedder, classifier) and how to feed it. */
export type ModelFamily = NonNullable<z.output<(typeof ops)["registry.register"]["request"]>["family"]>;

export type LoaderKind = "ollama" | "openai";

/** How an endpoint model is reached. No secret is stored: an API key is read from `apiKeyEnv` at call time. */
export interface EndpointConfig {
  kind: LoaderKind;
  /** Ollama: `http://127.0.0.1:11434`; OpenAI-compatible: the base including `/v1`. */
  baseUrl: string;
  /** The model name on that server (`llama3.2`, `gpt-4o-mini`, `nomic-embed-text`). */
  model: string;
  /** Environment variable holding the bearer token (OpenAI-compatible servers). */
  apiKeyEnv?: string;
  /** Per-request timeout (default 120 s). */
  timeoutMs?: number;
  /** Retries on 5xx, 429 and connection errors (default 2). */
  retries?: number;
  /** First retry delay, doubled per retry (default 250 ms). */
  retryDelayMs?: number;
}

export interface CatalogRow {
  name: string;
  category: string;
  source: ModelSource | null;
  sha256: string | null;
  size: number | null;
  endpoint: EndpointConfig | null;
  registeredBy: string;
  registeredAt: string;
  updatedAt: string;
  /** Why a registered file is not installed (offline, HTTP status, no consent); null once installed. */
  lastError: string | null;
  /** The declared family (task-level operations), or null for a model only `run` can use. */
  family: ModelFamily | null;
}

interface RawRow {
  name: string;
  category: string;
  source: string | null;
  sha256: string | null;
  size: number | null;
  endpoint: string | null;
  registered_by: string;
  registered_at: string;
  updated_at: string;
  last_error: string | null;
  family: string | null;
}

export const CATALOG_FILE = "catalog.db";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS models (
  name TEXT PRIMARY KEY,
  category TEXT NOT NULL,
  source TEXT,
  sha256 TEXT,
  size INTEGER,
  endpoint TEXT,
  registered_by TEXT NOT NULL,
  registered_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  last_error TEXT,
  family TEXT
);
CREATE INDEX IF NOT EXISTS models_sha256 ON models(sha256);
`;

function fromRaw(row: RawRow): CatalogRow {
  return {
    name: row.name,
    category: row.category,
    source: row.source ? (JSON.parse(row.source) as ModelSource) : null,
    sha256: row.sha256,
    size: row.size,
    endpoint: row.endpoint ? (JSON.parse(row.endpoint) as EndpointConfig) : null,
    registeredBy: row.registered_by,
    registeredAt: row.registered_at,
    updatedAt: row.updated_at,
    lastError: row.last_error,
    family: row.family ? (JSON.parse(row.family) as ModelFamily) : null,
  };
}

export class Catalog {
  private readonly sqlite: SqliteDb;

  constructor(modelsDir: string) {
    this.sqlite = openSqlite(path.join(modelsDir, CATALOG_FILE), { pragmas: CATALOG_PRAGMAS, migrate: (db) => {
      db.exec(SCHEMA);
      // Catalogs made before model families had no `family` column.
      const columns = db.prepare("PRAGMA table_info(models)").all() as Array<{ name: string }>;
      if (!columns.some((c) => c.name === "family")) db.exec("ALTER TABLE models ADD COLUMN family TEXT");
    } });
  }

  get db(): Db {
    return this.sqlite.db;
  }

  all(): CatalogRow[] {
    return (this.sqlite.stmt("SELECT * FROM models ORDER BY name").all() as RawRow[]).map(fromRaw);
  }

  get(name: string): CatalogRow | null {
    const row = this.sqlite.stmt("SELECT * FROM models WHERE name = ?").get(name) as RawRow | undefined;
    return row ? fromRaw(row) : null;
  }

  /** Inserts or replaces the row; `registeredAt` of an existing row is kept. */
  put(row: Omit<CatalogRow, "registeredAt" | "updatedAt">): CatalogRow {
    const now = new Date().toISOString();
    this.sqlite.stmt(`
      INSERT INTO models (name, category, source, sha256, size, endpoint, registered_by, registered_at, updated_at, last_error, family)
      VALUES (@name, @category, @source, @sha256, @size, @endpoint, @registeredBy, @now, @now, @lastError, @family)
      ON CONFLICT(name) DO UPDATE SET category = excluded.category, source = excluded.source, sha256 = excluded.sha256,
        size = excluded.size, endpoint = excluded.endpoint, registered_by = excluded.registered_by,
        updated_at = excluded.updated_at, last_error = excluded.last_error, family = excluded.family
    `).run({
      family: row.family ? JSON.stringify(row.family) : null,
      name: row.name, category: row.category, source: row.source ? JSON.stringify(row.source) : null, sha256: row.sha256,
      size: row.size, endpoint: row.endpoint ? JSON.stringify(row.endpoint) : null, registeredBy: row.registeredBy,
      now, lastError: row.lastError,
    });
    return this.get(row.name)!;
  }

  /** Deletes the row and returns what it was (null if there was none), in one transaction. */
  delete(name: string): CatalogRow | null {
    return this.sqlite.transaction(() => {
      const row = this.get(name);
      if (row) this.sqlite.stmt("DELETE FROM models WHERE name = ?").run(name);
      return row;
    });
  }

  /** Whether any row still refers to this file. */
  references(sha256: string): number {
    return (this.sqlite.stmt("SELECT count(*) AS n FROM models WHERE sha256 = ?").get(sha256) as { n: number }).n;
  }

  close(): void {
    this.sqlite.close();
  }
}
