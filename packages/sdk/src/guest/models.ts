/**
 * Model instances ↔ wire rows. A model is an instance of its `@model` class: on the way out its
 * own fields split into inline `data` and `@blobData` `blobs` (never `id`); on the way back the
 * class is instantiated and filled, so methods and `instanceof` work on what queries return.
 */
import type { WireModel } from "../protocol.js";
import { registry } from "../decorators/registry.js";
import type { AnyConstructor, GuestBindings } from "./bindings.js";
import type { FilterOp, ModelClass, ModelQuery } from "../types/context.js";
import type { JsonValue, ModelScopeRef } from "../types/data.js";
import { callHost } from "./host.js";
import { isPlainJson } from "../protocol/codec.js";
import { trackMethods } from "./floating.js";

export interface ModelParts {
  data: Record<string, unknown>;
  blobs: Record<string, unknown>;
}

export class ModelCatalog {
  readonly #bindings: GuestBindings;
  /** Where each model object the guest created or loaded is attached (for `vdfs.scopeOf`). */
  readonly #scopes = new WeakMap<object, ModelScopeRef>();
  /** `models.get` request JSON up to the key's value, per model type and key (see `getRequestPrefix`). */
  readonly #getPrefixes = new Map<string, Record<string, string>>();
  /** `models.create` request JSON up to the scope, per model type. */
  readonly #createHeads = new Map<string, string>();
  readonly #blobSets = new Map<string, ReadonlySet<string>>();
  constructor(bindings: GuestBindings) {
    this.#bindings = bindings;
  }

  /** The model type name of a `@model` class. */
  typeOf(cls: unknown): string {
    if (typeof cls === "function") {
      const record = registry.model(cls as AnyConstructor);
      if (record) return record.type;
      for (const [type, known] of Object.entries(this.#bindings.models)) if (known === cls) return type;
    }
    const name = typeof cls === "function" && cls.name ? cls.name : String(cls);
    throw new TypeError(`${name} is not a @model class of this extension (known models: ${Object.keys(this.#bindings.models).join(", ") || "none"})`);
  }

  typeOfInstance(model: unknown): string {
    if (model === null || typeof model !== "object") throw new TypeError(`expected a model instance, got ${model === null ? "null" : typeof model}`);
    return this.typeOf((model as object).constructor);
  }

  classOf(type: string): AnyConstructor {
    const cls = this.#bindings.models[type] ?? (registry.modelByType(type) as AnyConstructor | undefined);
    if (!cls) throw new TypeError(`unknown model type "${type}"`);
    return cls;
  }

  blobFields(type: string): string[] {
    return [...this.#blobFieldSet(type)];
  }

  /** The `@blobData` fields of a model type, looked up once per type. */
  #blobFieldSet(type: string): ReadonlySet<string> {
    let set = this.#blobSets.get(type);
    if (set === undefined) {
      const declared = this.#bindings.manifest.models.find((m) => m.name === type);
      const record = declared ? undefined : registry.model(this.classOf(type));
      set = new Set(declared ? declared.blobFields.map((b) => b.name) : record ? record.blobFields.keys() : []);
      this.#blobSets.set(type, set);
    }
    return set;
  }

  /** Splits a model into inline data and blob fields; `id` and undefined fields are left out. */
  split(type: string, model: object): ModelParts {
    const blobNames = this.#blobFieldSet(type);
    const data: Record<string, unknown> = {};
    const blobs: Record<string, unknown> = {};
    // Object.keys, as Object.entries did (own enumerable string keys), without a pair per field.
    const keys = Object.keys(model);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      const value = (model as Record<string, unknown>)[key];
      if (key === "id" || value === undefined || typeof value === "function") continue;
      (blobNames.size !== 0 && blobNames.has(key) ? blobs : data)[key] = value;
    }
    return { data, blobs };
  }

  /**
   * The JSON of a `models.create` request, exactly as `encodeMessage` writes it, from cached parts
   * and one JSON.stringify per part that varies (in QuickJS each object JSON.stringify walks costs
   * ~1 µs); null when `data` or `blobs` need the codec (binary, bigint): then use encodeMessage.
   */
  createRequestJson(type: string, scope: ModelScopeRef, data: Record<string, unknown>, blobs: Record<string, unknown>): string | null {
    if (!isPlainJson(data, 1) || !isPlainJson(blobs, 1)) return null;
    let head = this.#createHeads.get(type);
    if (head === undefined) {
      head = `{"modelType":${JSON.stringify(type)},"scope":`;
      this.#createHeads.set(type, head);
    }
    const where = scopeJson(scope);
    if (where === null) return null;
    const blobsJson = Object.keys(blobs).length === 0 ? "{}" : JSON.stringify(blobs);
    return `${head}${where},"data":${JSON.stringify(data)},"blobs":${blobsJson}}`;
  }

  /** `{"modelType":<type>,"by":{"<by>":` exactly as JSON.stringify writes it; the caller appends the value and `}}`. */
  getRequestPrefix(type: string, by: "uuid" | "content" | "entry"): string {
    let prefixes = this.#getPrefixes.get(type);
    if (prefixes === undefined) {
      const head = `{"modelType":${JSON.stringify(type)},"by":{`;
      prefixes = { uuid: `${head}"uuid":`, content: `${head}"content":`, entry: `${head}"entry":` };
      this.#getPrefixes.set(type, prefixes);
    }
    return prefixes[by]!;
  }

  rebuild<T extends object>(cls: ModelClass<T>, row: WireModel): T {
    const model = Object.assign(new cls(), row.data, row.blobs);
    (model as { id?: string }).id = row.uuid;
    this.#scopes.set(model, row.scope);
    return model;
  }

  rememberScope(model: object, scope: ModelScopeRef): void {
    this.#scopes.set(model, scope);
  }

  scopeOf(model: object): ModelScopeRef | null {
    return (model !== null && typeof model === "object" && this.#scopes.get(model)) || null;
  }
}

/** The JSON of a scope as JSON.stringify writes it, for the three shapes the SDK makes; null for anything else. */
function scopeJson(scope: ModelScopeRef): string | null {
  const keys = Object.keys(scope);
  if (keys.length !== 1) return null;
  const s = scope as { content?: unknown; entry?: unknown; standalone?: unknown };
  if (typeof s.content === "string") return `{"content":${JSON.stringify(s.content)}}`;
  if (typeof s.entry === "string") return `{"entry":${JSON.stringify(s.entry)}}`;
  if (s.standalone === true) return `{"standalone":true}`;
  return null;
}

interface QueryState {
  filters: Array<{ field: string; op: FilterOp; value: JsonValue }>;
  contentUuid?: string;
  tag?: string;
  orderBy?: { field: string; direction: "asc" | "desc" };
  limit?: number;
  offset?: number;
  inlineOnly: boolean;
}

/** Immutable builder: each call returns a new query, so a base query can be reused. */
export class ModelQueryImpl<T extends object> implements ModelQuery<T> {
  readonly #catalog: ModelCatalog;
  readonly #cls: ModelClass<T>;
  readonly #type: string;
  readonly #state: QueryState;

  constructor(catalog: ModelCatalog, cls: ModelClass<T>, state: QueryState = { filters: [], inlineOnly: false }) {
    this.#catalog = catalog;
    this.#cls = cls;
    this.#type = catalog.typeOf(cls);
    this.#state = state;
  }

  #with(patch: Partial<QueryState>): ModelQueryImpl<T> {
    return new ModelQueryImpl(this.#catalog, this.#cls, { ...this.#state, ...patch });
  }

  where<K extends keyof T & string>(field: K, op: FilterOp, value: JsonValue): ModelQuery<T> {
    if (this.#catalog.blobFields(this.#type).includes(field)) {
      throw new TypeError(`${this.#type}.${field} is a @blobData field; queries can only filter on inline fields`);
    }
    return this.#with({ filters: [...this.#state.filters, { field, op, value }] });
  }
  forContent(contentUuid: string): ModelQuery<T> {
    return this.#with({ contentUuid });
  }
  withTag(tag: string): ModelQuery<T> {
    return this.#with({ tag });
  }
  orderBy<K extends keyof T & string>(field: K, direction: "asc" | "desc" = "asc"): ModelQuery<T> {
    return this.#with({ orderBy: { field, direction } });
  }
  limit(n: number): ModelQuery<T> {
    return this.#with({ limit: n });
  }
  offset(n: number): ModelQuery<T> {
    return this.#with({ offset: n });
  }
  selectInlineOnly(): ModelQuery<T> {
    return this.#with({ inlineOnly: true });
  }

  async #run(extra: { limit?: number; countOnly?: boolean }) {
    const s = this.#state;
    return callHost("models.query", {
      modelType: this.#type, filters: s.filters, contentUuid: s.contentUuid, tag: s.tag, orderBy: s.orderBy,
      limit: extra.limit ?? s.limit, offset: s.offset, inlineOnly: s.inlineOnly, countOnly: extra.countOnly,
    });
  }

  async collect(): Promise<T[]> {
    const { models } = await this.#run({});
    return models.map((row) => this.#catalog.rebuild(this.#cls, row));
  }
  async first(): Promise<T | null> {
    const { models } = await this.#run({ limit: 1 });
    return models[0] ? this.#catalog.rebuild(this.#cls, models[0]) : null;
  }
  async count(): Promise<number> {
    const result = await this.#run({ countOnly: true });
    return result.count ?? result.models.length;
  }
}

// Promises these methods return are tracked: one never awaited that fails fails the invocation.
trackMethods(ModelQueryImpl, "queryModels()");
