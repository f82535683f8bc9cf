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
import { trackMethods } from "./floating.js";

export interface ModelParts {
  data: Record<string, unknown>;
  blobs: Record<string, unknown>;
}

export class ModelCatalog {
  readonly #bindings: GuestBindings;
  /** Where each model object the guest created or loaded is attached (for `vdfs.scopeOf`). */
  readonly #scopes = new WeakMap<object, ModelScopeRef>();
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
    const declared = this.#bindings.manifest.models.find((m) => m.name === type);
    if (declared) return declared.blobFields.map((b) => b.name);
    const record = registry.model(this.classOf(type));
    return record ? [...record.blobFields.keys()] : [];
  }

  /** Splits a model into inline data and blob fields; `id` and undefined fields are left out. */
  split(type: string, model: object): ModelParts {
    const blobNames = new Set(this.blobFields(type));
    const data: Record<string, unknown> = {};
    const blobs: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(model)) {
      if (key === "id" || value === undefined || typeof value === "function") continue;
      (blobNames.has(key) ? blobs : data)[key] = value;
    }
    return { data, blobs };
  }

  rebuild<T extends object>(cls: ModelClass<T>, row: WireModel): T {
    const model = Object.assign(new cls(), row.data, row.blobs, { id: row.uuid });
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
