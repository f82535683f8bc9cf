/**
 * The builder an `@query()` method returns. The codegen reads the method's body statically (the
 * chain of calls below, with literal arguments and the method's parameters), so the method never
 * runs in the host; at run time the same builder produces the same `QuerySpec`, which is how tests
 * check the two agree. Field names are typed by the model class.
 * @see docs/queries.md
 */
import type { Uuid } from "../types/data.js";
import { MAX_QUERY_LIMIT, type QueryOp } from "./constants.js";
import type { QueryFilter, QueryShow, QuerySpec, QueryValue } from "./spec.js";

type ModelClassOf<T> = new () => T;
type Scalar = string | number | boolean | null;
/** What a filter compares with: a literal, or one of the query method's parameters. */
export type QueryArg = Scalar | readonly (string | number | boolean)[];
/** The data fields of model `T` that are not functions. */
export type ModelField<T> = { [K in keyof T & string]: T[K] extends (...args: never[]) => unknown ? never : K }[keyof T & string];
/** Fields of entries (plus `tags`, `<sidecar kind>.<key>` and `<Model>.<field>` of the extension's content-scoped models). */
export type EntryField = "name" | "extension" | "kind" | "size" | "modifiedAt" | "path" | "tags" | `${string}.${string}`;

/** What an `@query()` method returns: a selection that gives its spec. */
export interface QuerySelection {
  toSpec(): QuerySpec;
}

abstract class Selection<F extends string> implements QuerySelection {
  protected readonly filters: QueryFilter[] = [];
  protected order: QuerySpec["orderBy"];
  protected pageSize: number | undefined;
  protected shown: QueryShow = {};

  protected constructor(protected readonly source: QuerySpec["from"]) {}

  /**
   * Rows whose `field` compares with `value` (`contains`: an array field holds the value; `like`: SQL LIKE, `%` and `_`).
   * `value` may be an optional parameter of the query method: the filter then applies only when the caller gives it.
   */
  where(field: F, op: QueryOp, value: QueryArg | undefined): this {
    this.filters.push({ field, op, value: value as QueryValue });
    return this;
  }

  orderBy(field: F, direction: "asc" | "desc" = "asc"): this {
    this.order = { field, direction };
    return this;
  }

  /** Rows per page unless the caller asks for another size (1…1000). */
  limit(rows: number): this {
    if (!Number.isInteger(rows) || rows < 1 || rows > MAX_QUERY_LIMIT) throw new RangeError(`limit must be an integer from 1 to ${MAX_QUERY_LIMIT}`);
    this.pageSize = rows;
    return this;
  }

  /**
   * Which fields the UI shows as the row's title, subtitle, date, place and thumbnail (`cover`: a
   * content UUID field; `coverFrom`: `"<Model>.<field>"` of a content-scoped model listing the row's id).
   */
  show(fields: { [K in Exclude<keyof QueryShow, "coverFrom">]?: F } & { coverFrom?: string }): this {
    this.shown = { ...this.shown, ...(fields as QueryShow) };
    return this;
  }

  /** The query as data (what the codegen writes into the manifest). */
  toSpec(): QuerySpec {
    const spec: QuerySpec = { from: this.source, where: [...this.filters], show: { ...this.shown } };
    if (this.order) spec.orderBy = this.order;
    if (this.pageSize !== undefined) spec.limit = this.pageSize;
    return spec;
  }
}

/** The extension's own models of one type. */
export class ModelSelection<T> extends Selection<ModelField<T> | "tags"> {
  constructor(model: string) {
    super({ kind: "models", model });
  }
}

/** The entries (indexed files) the extension's read_entries grants cover. */
export class EntrySelection extends Selection<EntryField> {
  constructor() {
    super({ kind: "entries" });
  }

  /** Entries of this kind (`"image"`, `"video"`, `"document"`, …). */
  ofKind(kind: string): this {
    return this.where("kind", "=", kind);
  }

  /** Entries carrying a tag (on the entry or on its content). */
  withTag(tag: string): this {
    return this.where("tags", "=", tag);
  }
}

/** The first parameter of an `@query()` method: where its rows come from. */
export class Query {
  /** The extension's models of this `@model` class. */
  models<T>(model: ModelClassOf<T>): ModelSelection<T> {
    return new ModelSelection<T>(model.name);
  }

  /** Entries inside the extension's read_entries grants. */
  entries(): EntrySelection {
    return new EntrySelection();
  }
}

/** Stands for a query parameter when a test runs an `@query()` method itself: `people(new Query(), param("personId"))`. */
export function param<T = Uuid>(name: string): T {
  return { param: name } as unknown as T;
}
