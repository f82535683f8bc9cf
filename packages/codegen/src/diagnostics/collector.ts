/**
 * Collects diagnostics during one codegen run. Stages report into it and keep going: nothing is
 * thrown for a user error, so one build shows every problem at once.
 */
import { codeInfo } from "@sdx/sdk/codes";
import type { Code } from "@sdx/sdk/codes";
import type { Diagnostic, DiagnosticNote, Span } from "./diagnostic.js";
import { WARNINGS, type WarningId } from "./warnings.js";

export type CodegenCode = Extract<Code, `SDX1${string}`>;

export interface ReportOptions {
  hint?: string;
  notes?: DiagnosticNote[];
}

export class DiagnosticCollector {
  readonly items: Diagnostic[] = [];

  /** Reports an error; `message` defaults to the code's title. */
  error(code: CodegenCode, span: Span | null, message?: string, options: ReportOptions = {}): void {
    const info = codeInfo(code);
    this.items.push({
      code,
      severity: "error",
      message: message ?? info?.title ?? code,
      span,
      hint: options.hint ?? info?.hint ?? "",
      notes: options.notes ?? [],
    });
  }

  warn(id: WarningId, span: Span | null, message: string, options: ReportOptions = {}): void {
    this.items.push({ code: id, severity: "warning", message, span, hint: options.hint ?? WARNINGS[id].hint, notes: options.notes ?? [] });
  }

  add(diagnostic: Diagnostic): void {
    this.items.push(diagnostic);
  }

  get errorCount(): number {
    return this.items.filter((d) => d.severity === "error").length;
  }
}
