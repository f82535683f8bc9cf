/**
 * A named query as data: what `@query()` methods compile to (codegen), what the filter language
 * parses to (`filter-language.ts`), what the manifest carries and what the host compiles to SQL.
 * Plain JSON, never SQL text: fields are dotted identifiers, operators come from a fixed list,
 * values are literals or `{ param }` references bound at run time.
 * @see docs/queries.md
 */
import { z } from "zod";
import { MAX_QUERY_LIMIT, QUERY_FIELD_PATTERN, QUERY_OPS } from "./constants.js";

export { ENTRY_QUERY_FIELDS, MAX_QUERY_LIMIT, QUERY_FIELD_PATTERN, QUERY_OPS, isParamRef, type QueryOp, type QueryPage, type QueryRow } from "./constants.js";

const identifier = z.string().regex(/^[A-Za-z_$][A-Za-z0-9_$]*$/);
const field = z.string().regex(QUERY_FIELD_PATTERN, "a field name such as name, takenAt or exif.latitude");


/** A query parameter reference: `{ param: "personId" }`, bound when the query runs. */
export const queryParamRefSchema = z.object({ param: identifier }).strict();
const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
export const queryValueSchema = z.union([scalar, queryParamRefSchema, z.array(z.union([z.string(), z.number(), z.boolean()]))]);

export const queryFilterSchema = z.object({ field, op: z.enum(QUERY_OPS), value: queryValueSchema }).strict();

/** Where rows come from: the extension's own models of one type, or the entries its grants cover. */
export const querySourceSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("models"), model: identifier }).strict(),
  z.object({ kind: z.literal("entries") }).strict(),
]);

/** Which fields of a row the UI shows as its title, date, place and thumbnail. */
export const queryShowSchema = z.object({
  title: field.optional(),
  subtitle: field.optional(),
  date: field.optional(),
  latitude: field.optional(),
  longitude: field.optional(),
  /** A field holding a content UUID (or an array of them) whose thumbnail stands for the row. */
  cover: field.optional(),
  /**
   * `<Model>.<field>` of a content-scoped model whose array field lists the row's id: the first such
   * content stands for the row (a person's face from the photos that name them).
   */
  coverFrom: field.optional(),
}).strict();


export const querySpecSchema = z.object({
  from: querySourceSchema,
  where: z.array(queryFilterSchema),
  orderBy: z.object({ field, direction: z.enum(["asc", "desc"]) }).strict().optional(),
  /** Rows per page when the caller asks for no other size (at most `MAX_QUERY_LIMIT`). */
  limit: z.number().int().min(1).max(MAX_QUERY_LIMIT).optional(),
  show: queryShowSchema,
}).strict();

export type QueryParamRef = z.output<typeof queryParamRefSchema>;
export type QueryValue = z.output<typeof queryValueSchema>;
export type QueryFilter = z.output<typeof queryFilterSchema>;
export type QuerySource = z.output<typeof querySourceSchema>;
export type QueryShow = z.output<typeof queryShowSchema>;
export type QuerySpec = z.output<typeof querySpecSchema>;
