/**
 * Names that end up in the manifest and in SQL (classes, fields, methods, parameters) must be
 * ASCII identifiers; TypeScript accepts Unicode identifiers, the manifest does not.
 */
import type { ts } from "../program/typescript.js";
import { spanOf } from "../program/spans.js";
import type { AnalyzeContext } from "./context.js";

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Reports SDX1038 and returns false when `name` is not an ASCII identifier. */
export function checkName(name: string, node: ts.Node, what: string, ctx: AnalyzeContext): boolean {
  if (IDENTIFIER.test(name)) return true;
  ctx.diagnostics.error("SDX1038", spanOf(node), `${what} "${name}" is not an ASCII identifier`);
  return false;
}
