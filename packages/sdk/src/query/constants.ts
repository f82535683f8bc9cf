/**
 * What the query builder, the filter language and the host share at run time, without zod (the
 * builder is part of what guests import).
 * @see docs/queries.md
 */

/** `name`, `exif.latitude`, `PhotoAnalysis.faceCount`: one to three identifiers. */
export const QUERY_FIELD_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*){0,2}$/;

export const QUERY_OPS = ["=", "!=", "<", "<=", ">", ">=", "like", "in", "contains"] as const;
export type QueryOp = (typeof QUERY_OPS)[number];

export const MAX_QUERY_LIMIT = 1000;

/** Entry fields a query may filter on or order by (besides `tags`, `<sidecar>.<key>` and `<Model>.<field>`). */
export const ENTRY_QUERY_FIELDS = ["name", "extension", "kind", "size", "modifiedAt", "path"] as const;

export function isParamRef(value: unknown): value is { param: string } {
  return typeof value === "object" && value !== null && !Array.isArray(value) && typeof (value as { param?: unknown }).param === "string";
}

/**
 * One row of a query's answer, as the host returns it to a job, the CLI and the UI: what it is,
 * its id, and the fields a generic view needs.
 */
export interface QueryRow {
  kind: "model" | "entry";
  /** The model's or the entry's UUID. */
  id: string;
  /** For a model row: its type. */
  modelType?: string;
  /** The content the row is about (a content-scoped model's, an entry's), when it has one. */
  contentUuid?: string;
  title: string;
  subtitle?: string;
  /** ISO-8601 text, for timelines. */
  date?: string;
  location?: { latitude: number; longitude: number };
  /** A content UUID with a thumbnail that stands for the row (the UI asks the host for the image). */
  thumbnail?: string;
  /** The model's inline data, or the entry's fields. */
  data: Record<string, unknown>;
}

/** A page of rows; `nextCursor` asks for the next one (null: no more). */
export interface QueryPage {
  rows: QueryRow[];
  nextCursor: string | null;
}
