/**
 * The model registry: what `ctx.models().register(...)`, `sdx models list|add|remove` and
 * inference share. One per models directory (see models-dir.ts); the catalog is `catalog.db`, the
 * files live once each under `files/<sha256>` (model-files.ts).
 *
 * Sources: `bundled` (bytes from the extension bundle's assets), `local` (a file on this machine,
 * copied in), `download` (URL + sha256; without network, or without the user's consent for a
 * non-loopback URL, the model is registered but not installed, and `sdx models add --file` or
 * `installFromDir` installs it later). A hash mismatch is refused (SDX3017) and leaves nothing.
 * Endpoint models (Ollama, OpenAI-compatible) are catalog rows with a loader configuration.
 *
 * A name belongs to whoever registered it first: the same registrant may replace its model, the
 * same bytes may be registered again by anyone (idempotent), different bytes under a name someone
 * else registered are refused (SDX3017).
 */
import fs from "node:fs";
import path from "node:path";
import { notFound, validationFailed, sdxError } from "../../store/errors.js";
import { Catalog, type CatalogRow, type EndpointConfig, type ModelSource } from "../../store/ai-catalog.js";
import { DownloadError, hashBytes, hashFile } from "./download.js";
import { ModelFiles, integrityError } from "./model-files.js";
import { resolveModelsDir } from "./models-dir.js";

import type { ModelFamily } from "../../store/ai-catalog.js";
export type { EndpointConfig, LoaderKind, ModelSource, ModelFamily } from "../../store/ai-catalog.js";

export interface ModelRecord extends CatalogRow {
  /** A file model whose file is stored (endpoint models are always installed). */
  installed: boolean;
  /** The stored file, when installed. */
  path: string | null;
}

export interface RegisterOptions {
  /** Extension id, or `"user"` for the CLI (default). */
  registeredBy?: string;
  /** The bundle's assets, for `bundled` sources. */
  assets?: Record<string, Uint8Array>;
  /** Do not download now; the string is recorded as the reason. Default: `SDX_OFFLINE=1` means offline. */
  offline?: string | false;
  /** Download timeout (connect and stalls), default 30 s. */
  timeoutMs?: number;
  /**
   * Checks a stored file before the row is saved (the declared family against the model's real
   * inputs and outputs); a throw refuses the registration and leaves the catalog as it was.
   */
  check?: (file: string) => Promise<void>;
}

export interface EndpointRegistration extends EndpointConfig {
  category: string;
}

export const USER = "user";

const SHA256 = /^[0-9a-f]{64}$/;

function checkName(name: string): void {
  // eslint-disable-next-line no-control-regex
  if (name.length === 0 || name.length > 200 || /[\u0000-\u001f]/.test(name)) {
    throw validationFailed(`invalid model name ${JSON.stringify(name)}: 1–200 characters, no control characters`);
  }
}

function findAsset(assets: Record<string, Uint8Array> | undefined, wanted: string): Uint8Array | null {
  const clean = wanted.replace(/^\.?\/+/, "");
  return assets?.[clean] ?? assets?.[`assets/${clean}`] ?? null;
}

export class ModelRegistry {
  readonly dir: string;
  private readonly catalog: Catalog;
  private readonly files: ModelFiles;

  /** `dir` defaults to `SDX_MODELS_DIR`, then `~/.spacedrive/models/`. */
  constructor(dir?: string) {
    this.dir = resolveModelsDir(dir);
    fs.mkdirSync(this.dir, { recursive: true });
    this.files = new ModelFiles(this.dir);
    this.catalog = new Catalog(this.dir);
  }

  list(): ModelRecord[] {
    return this.catalog.all().map((row) => this.record(row));
  }

  get(name: string): ModelRecord | null {
    const row = this.catalog.get(name);
    return row ? this.record(row) : null;
  }

  pathOf(name: string): string | null {
    return this.get(name)?.path ?? null;
  }

  async register(registration: { name: string; category: string; source: ModelSource; family?: ModelFamily | null }, options: RegisterOptions = {}): Promise<ModelRecord> {
    const { name, category, source } = registration;
    checkName(name);
    const by = options.registeredBy ?? USER;
    const base = { name, category, source, endpoint: null, registeredBy: by, lastError: null, family: registration.family ?? null };
    const checked = async (sha256: string) => {
      if (!options.check) return;
      try {
        await options.check(this.files.pathFor(sha256));
      } catch (error) {
        this.dropUnreferenced(sha256);
        throw error;
      }
    };
    switch (source.kind) {
      case "bundled": {
        const bytes = findAsset(options.assets, source.path);
        if (!bytes) throw notFound(`bundled model file "${source.path}" (the bundle's assets: ${Object.keys(options.assets ?? {}).join(", ") || "none"})`);
        const sha256 = hashBytes(bytes);
        this.checkOwnership(name, category, sha256, by);
        const stored = await this.files.storeBytes(bytes, sha256);
        await checked(sha256);
        return this.save({ ...base, sha256, size: stored.size });
      }
      case "local": {
        const file = path.resolve(source.path);
        if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw notFound(`model file ${file}`);
        const { sha256 } = await hashFile(file);
        this.checkOwnership(name, category, sha256, by);
        const stored = await this.files.storeCopy(file, sha256);
        await checked(sha256);
        return this.save({ ...base, source: { kind: "local", path: file }, sha256, size: stored.size });
      }
      case "download": {
        const sha256 = source.sha256.toLowerCase();
        if (!SHA256.test(sha256)) throw validationFailed(`sha256 of model ${name} must be 64 lowercase hex digits`);
        this.checkOwnership(name, category, sha256, by);
        const size = this.files.sizeOf(sha256);
        if (size !== null) {
          await checked(sha256);
          return this.save({ ...base, sha256, size });
        }
        const offline = options.offline ?? (process.env.SDX_OFFLINE === "1" ? "offline (SDX_OFFLINE=1)" : false);
        if (offline) return this.save({ ...base, sha256, size: null, lastError: offline });
        try {
          const stored = await this.files.storeDownload(source.url, sha256, { timeoutMs: options.timeoutMs });
          await checked(sha256);
          return this.save({ ...base, sha256, size: stored.size });
        } catch (error) {
          // Not reachable now: registered, not installed. A hash mismatch (HostOpError) is refused.
          if (error instanceof DownloadError) return this.save({ ...base, sha256, size: null, lastError: error.message });
          throw error;
        }
      }
    }
  }

  /** Downloads a model registered by URL (user-initiated, e.g. `sdx models add <name>` online). */
  async download(name: string, options: { timeoutMs?: number } = {}): Promise<ModelRecord> {
    const row = this.requireRow(name);
    if (row.source?.kind !== "download" || !row.sha256) throw validationFailed(`model ${name} was not registered by URL`);
    try {
      const stored = await this.files.storeDownload(row.source.url, row.sha256, options);
      return this.save({ ...row, size: stored.size, lastError: null });
    } catch (error) {
      if (error instanceof DownloadError) this.save({ ...row, lastError: error.message });
      throw error instanceof DownloadError ? sdxError("SDX3020", error.message) : error;
    }
  }

  /**
   * Installs a local file as `name`. Works offline for a model registered by URL: the file must
   * hash to the registered sha256. A `sha256` given here must match the file too. A new name
   * needs a category.
   */
  async addFile(name: string, file: string, options: { category?: string; sha256?: string } = {}): Promise<ModelRecord> {
    checkName(name);
    const absolute = path.resolve(file);
    if (!fs.existsSync(absolute) || !fs.statSync(absolute).isFile()) throw notFound(`model file ${absolute}`);
    const { sha256 } = await hashFile(absolute);
    const given = options.sha256?.toLowerCase();
    if (given !== undefined && given !== sha256) {
      throw integrityError(`${absolute} has sha256 ${sha256}, not the given ${given}; refused`, given, sha256);
    }
    const row = this.catalog.get(name);
    if (row?.endpoint) throw validationFailed(`model ${name} is served by ${row.endpoint.kind} at ${row.endpoint.baseUrl}; remove it first to add a file`);
    if (row?.sha256 && row.sha256 !== sha256) {
      throw integrityError(`${absolute} has sha256 ${sha256}, but model ${name} is registered with ${row.sha256}; refused`, row.sha256, sha256);
    }
    if (row && options.category && options.category !== row.category) {
      throw validationFailed(`model ${name} is registered with category "${row.category}", not "${options.category}"`);
    }
    if (!row && !options.category) throw validationFailed(`model ${name} is not registered yet: give its category`);
    const stored = await this.files.storeCopy(absolute, sha256);
    if (row) return this.save({ ...row, sha256, size: stored.size, lastError: null });
    return this.save({
      name, category: options.category!, source: { kind: "local", path: absolute }, sha256, size: stored.size,
      endpoint: null, registeredBy: USER, lastError: null, family: null,
    });
  }

  /** Installs every file under `dir` whose sha256 matches a registered, not yet installed model. */
  async installFromDir(dir: string): Promise<ModelRecord[]> {
    const waiting = new Map<string, CatalogRow[]>();
    for (const row of this.catalog.all()) {
      if (!row.sha256 || row.endpoint || this.files.has(row.sha256)) continue;
      waiting.set(row.sha256, [...(waiting.get(row.sha256) ?? []), row]);
    }
    const installed: ModelRecord[] = [];
    if (waiting.size === 0) return installed;
    const files = fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((d) => d.isFile());
    for (const dirent of files) {
      const file = path.join(dirent.parentPath, dirent.name);
      const { sha256 } = await hashFile(file);
      const rows = waiting.get(sha256);
      if (!rows) continue;
      waiting.delete(sha256);
      const stored = await this.files.storeCopy(file, sha256);
      for (const row of rows) installed.push(this.save({ ...row, size: stored.size, lastError: null }));
    }
    return installed;
  }

  /** Records a model served by Ollama or an OpenAI-compatible server (no file). */
  addEndpoint(name: string, registration: EndpointRegistration, registeredBy = USER): ModelRecord {
    checkName(name);
    const { category, ...endpoint } = registration;
    if (endpoint.kind !== "ollama" && endpoint.kind !== "openai") throw validationFailed(`unknown loader kind ${JSON.stringify(endpoint.kind)} (ollama or openai)`);
    let url: URL;
    try {
      url = new URL(endpoint.baseUrl);
    } catch {
      throw validationFailed(`baseUrl ${JSON.stringify(endpoint.baseUrl)} is not a URL`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") throw validationFailed(`baseUrl must be http(s), not ${url.protocol}`);
    if (!endpoint.model) throw validationFailed(`give the model's name on the ${endpoint.kind} server`);
    const row = this.catalog.get(name);
    if (row && !row.endpoint) throw validationFailed(`model ${name} is a file model; remove it first to serve it from an endpoint`);
    const previous = row?.sha256;
    const saved = this.save({
      name, category, source: null, sha256: null, size: null, endpoint: { ...endpoint, baseUrl: endpoint.baseUrl.replace(/\/+$/, "") },
      registeredBy, lastError: null, family: null,
    });
    if (previous) this.dropUnreferenced(previous);
    return saved;
  }

  remove(name: string): boolean {
    const removed = this.catalog.delete(name);
    if (!removed) return false;
    if (removed.sha256) this.dropUnreferenced(removed.sha256);
    return true;
  }

  /** The verified file of an installed file model, for inference (SDX3008 if absent, SDX3017 if altered). */
  async verifiedPath(name: string): Promise<string> {
    const record = this.get(name);
    if (!record) throw notFound(`model ${name}`);
    return this.verifiedFile(record);
  }

  /** `verifiedPath` of a record the caller just read (one catalog read per call instead of two). */
  async verifiedFile(record: ModelRecord): Promise<string> {
    const { name } = record;
    if (record.endpoint || !record.sha256) throw validationFailed(`model ${name} is served by ${record.endpoint?.kind ?? "an endpoint"}; use generate, chat or embed`);
    if (!record.installed) {
      const why = record.lastError ? ` (${record.lastError})` : "";
      throw sdxError("SDX3008", `model ${name} is registered but not installed${why}: install it with \`sdx models add ${name} --file <path>\``, { installed: false });
    }
    return this.files.verify(record.sha256, name);
  }

  close(): void {
    this.catalog.close();
  }

  private requireRow(name: string): CatalogRow {
    const row = this.catalog.get(name);
    if (!row) throw notFound(`model ${name}`);
    return row;
  }

  private checkOwnership(name: string, category: string, sha256: string, by: string): void {
    const row = this.catalog.get(name);
    if (!row || row.registeredBy === by) return;
    if (row.sha256 === sha256 && row.category === category) return;
    const what = row.endpoint ? `served by ${row.endpoint.kind}` : `registered with sha256 ${row.sha256} in category "${row.category}"`;
    throw integrityError(`model ${name} is already ${what} by ${row.registeredBy}; refusing different bytes or category under that name`, row.sha256 ?? "", sha256);
  }

  private save(row: Omit<CatalogRow, "registeredAt" | "updatedAt">): ModelRecord {
    const existing = this.catalog.get(row.name);
    // The same bytes registered again keep their first registrant (the name's owner).
    const registeredBy = existing && existing.sha256 === row.sha256 && existing.endpoint === null ? existing.registeredBy : row.registeredBy;
    const saved = this.catalog.put({ ...row, registeredBy });
    if (existing?.sha256 && existing.sha256 !== row.sha256) this.dropUnreferenced(existing.sha256);
    return this.record(saved);
  }

  private dropUnreferenced(sha256: string): void {
    if (this.catalog.references(sha256) === 0) this.files.remove(sha256);
  }

  private record(row: CatalogRow): ModelRecord {
    if (row.endpoint) return { ...row, installed: true, path: null };
    const installed = row.sha256 !== null && this.files.has(row.sha256);
    return { ...row, installed, path: installed ? this.files.pathFor(row.sha256!) : null, lastError: installed ? null : row.lastError };
  }
}
