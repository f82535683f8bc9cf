/**
 * The diagnostic shape every sdx stage reports (codegen, bundle, host validation).
 *
 * Input: nothing. Output: plain data types. A diagnostic holds a byte span (`start`/`length` in
 * UTF-16 code units of the file's text), never a line/column: those are computed only when a
 * diagnostic is rendered, like esbuild's `Loc`. Errors carry a stable SDX code from
 * `@sdx/sdk/codes`; warnings carry a kebab-case id (see `warnings.ts`) so users can re-level them.
 */

/** A range in a source file. `file` is absolute. */
export interface Span {
  readonly file: string;
  readonly start: number;
  readonly length: number;
}

export type Severity = "error" | "warning";

/** Another place that explains the diagnostic (e.g. the first of two duplicates). */
export interface DiagnosticNote {
  readonly message: string;
  readonly span: Span | null;
}

export interface Diagnostic {
  /** `SDX1xxx` for errors, a kebab-case id for warnings. */
  readonly code: string;
  readonly severity: Severity;
  readonly message: string;
  /** `null` when the problem has no place in a file (e.g. a missing entry module). */
  readonly span: Span | null;
  /** How to fix it; from the codes table unless the analyzer knows better. */
  readonly hint: string;
  readonly notes: readonly DiagnosticNote[];
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === "error");
}

/** Stable order: by file, then position, then code. Diagnostics without a span come first. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort((a, b) => {
    const fa = a.span?.file ?? "";
    const fb = b.span?.file ?? "";
    if (fa !== fb) return fa < fb ? -1 : 1;
    const sa = a.span?.start ?? -1;
    const sb = b.span?.start ?? -1;
    if (sa !== sb) return sa - sb;
    return a.code < b.code ? -1 : a.code > b.code ? 1 : a.message < b.message ? -1 : a.message > b.message ? 1 : 0;
  });
}
