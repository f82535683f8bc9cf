/** Spans of AST nodes: the only form in which locations leave the program stage. */
import type { ts } from "./typescript.js";
import type { Span } from "../diagnostics/diagnostic.js";

export function spanOf(node: ts.Node): Span {
  const start = node.getStart(undefined, false);
  return { file: node.getSourceFile().fileName, start, length: node.getEnd() - start };
}

/** Start of the file (for problems of a whole module, e.g. no @extension class in it). */
export function fileStart(file: string): Span {
  return { file, start: 0, length: 0 };
}
