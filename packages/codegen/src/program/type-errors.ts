/**
 * Stage 1c: TypeScript's own errors in the author's files, as SDX1031 diagnostics.
 *
 * Input: the project (its program and per-file type errors) and the author's files. Output:
 * diagnostics located at the TypeScript error.
 * Must not: report errors inside dependencies (node_modules, the sdk) or generated files.
 */
import { ts } from "./typescript.js";
import type { TsProject } from "./ts-project.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { codeInfo } from "@sdx/sdk/codes";

export function tsDiagnostic(d: ts.Diagnostic): Diagnostic {
  const message = ts.flattenDiagnosticMessageText(d.messageText, "\n");
  const span = d.file && d.start !== undefined ? { file: d.file.fileName, start: d.start, length: d.length ?? 0 } : null;
  return {
    code: "SDX1031",
    severity: d.category === ts.DiagnosticCategory.Error ? "error" : "warning",
    message: `TS${d.code}: ${message}`,
    span,
    hint: codeInfo("SDX1031")?.hint ?? "",
    notes: [],
  };
}

/** Syntactic and semantic errors of `files`, plus global and option errors of the program. */
export function typeErrors(project: TsProject, files: readonly ts.SourceFile[]): Diagnostic[] {
  const program = project.program();
  const out: ts.Diagnostic[] = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()];
  for (const file of files) out.push(...program.getSyntacticDiagnostics(file));
  out.push(...project.semanticDiagnostics(files));
  // Suggestions and messages are not build failures; only errors and warnings are kept.
  return out
    .filter((d) => d.category === ts.DiagnosticCategory.Error || d.category === ts.DiagnosticCategory.Warning)
    .map(tsDiagnostic)
    .filter((d) => d.severity === "error");
}
