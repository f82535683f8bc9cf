/**
 * The few names written into SQL text as literals instead of bound parameters: an extension id, a
 * model type, a sidecar kind and a JSON path of one field. They come from the installed manifest or
 * were checked against it, and each must match a pattern that admits no quote, so a literal can
 * never end early. They are literals so that statements repeat the conditions and expressions of
 * the partial indexes the codegen emits for queried fields: SQLite uses a partial index only when
 * the query's WHERE contains its terms literally, and an expression index only when the query
 * spells the same expression (a bound JSON path is not the same expression).
 */
import { validationFailed } from "./errors.js";

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const FIELD = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const EXTENSION_ID = /^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$/;

function quoted(value: string, pattern: RegExp, what: string): string {
  if (!pattern.test(value)) throw validationFailed(`${what} "${value}" cannot appear in a query: it is not a plain name`);
  return `'${value}'`;
}

export const extensionLiteral = (id: string): string => quoted(id, EXTENSION_ID, "extension id");
export const nameLiteral = (name: string, what: string): string => quoted(name, IDENTIFIER, what);
/** `'$.field'` for a top-level field. */
export const fieldPathLiteral = (field: string): string => `'$.${quoted(field, FIELD, "field").slice(1, -1)}'`;
