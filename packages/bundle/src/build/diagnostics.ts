/**
 * Bundle-stage diagnostics in the codegen's `Diagnostic` shape (one renderer for every stage).
 * esbuild and other tools report line/column; diagnostics carry offsets, so convert here.
 */
import { readFileSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { codeInfo } from "@sdx/sdk/codes";
import type { Diagnostic } from "@sdx/codegen";

/** Offset of 1-based `line`, 0-based `column` in `file`; 0 if the file cannot be read. */
export function offsetOf(file: string, line: number, column: number): number {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return 0;
  }
  let offset = 0;
  for (let current = 1; current < line; current++) {
    const next = text.indexOf("\n", offset);
    if (next === -1) return text.length;
    offset = next + 1;
  }
  return offset + column;
}

export function bundleDiagnostic(
  code: string,
  message: string,
  location?: { file: string; line: number; column: number; length?: number; cwd?: string } | null,
  hint?: string,
): Diagnostic {
  const file = location ? (isAbsolute(location.file) ? location.file : resolve(location.cwd ?? process.cwd(), location.file)) : null;
  return {
    code,
    severity: "error",
    message,
    hint: hint ?? codeInfo(code)?.hint ?? "",
    span: file && location ? { file, start: offsetOf(file, location.line, location.column), length: location.length ?? 1 } : null,
    notes: [],
  };
}
