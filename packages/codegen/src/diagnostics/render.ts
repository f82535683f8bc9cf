/**
 * Renders diagnostics for people (tsc-like text with a code frame) and for machines (JSON).
 *
 * Input: diagnostics with byte spans. Output: strings / plain objects. Line and column (1-based)
 * are computed here, from the file's text on disk, and nowhere earlier.
 */
// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- @babel/code-frame ships no types; any program compiling this file needs them
/// <reference path="./babel-code-frame.d.ts" />
import { readFileSync } from "node:fs";
import { relative, sep } from "node:path";
import { codeFrameColumns } from "@babel/code-frame";
import pc from "picocolors";
import type { Diagnostic, Span } from "./diagnostic.js";

export interface RenderOptions {
  /** ANSI colors (default: false). */
  color?: boolean;
  /** Paths are shown relative to this directory (default: `process.cwd()`). */
  cwd?: string;
}

export interface Position {
  line: number;
  col: number;
}

/** Reads files once per render call. */
class SourceCache {
  private readonly texts = new Map<string, string | null>();
  text(file: string): string | null {
    if (!this.texts.has(file)) {
      let text: string | null = null;
      try {
        text = readFileSync(file, "utf8");
      } catch {
        text = null;
      }
      this.texts.set(file, text);
    }
    return this.texts.get(file) ?? null;
  }
}

/** 1-based line and column of `offset` in `text`. */
export function positionOf(text: string, offset: number): Position {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(Math.max(offset, 0), text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, col: end - lineStart + 1 };
}

function displayPath(file: string, cwd: string): string {
  const rel = relative(cwd, file);
  return (rel.startsWith("..") ? file : rel).split(sep).join("/");
}

function location(span: Span, cache: SourceCache): { start: Position; end: Position } | null {
  const text = cache.text(span.file);
  if (text === null) return null;
  return { start: positionOf(text, span.start), end: positionOf(text, span.start + Math.max(span.length, 1)) };
}

function spanLabel(span: Span | null, cache: SourceCache, cwd: string, colors: ReturnType<typeof pc.createColors>): string {
  if (!span) return "";
  const loc = location(span, cache);
  const path = colors.cyan(displayPath(span.file, cwd));
  return loc ? `${path}:${colors.yellow(String(loc.start.line))}:${colors.yellow(String(loc.start.col))}` : path;
}

function frame(span: Span, cache: SourceCache, color: boolean): string {
  const text = cache.text(span.file);
  const loc = location(span, cache);
  if (text === null || !loc) return "";
  // A multi-line span underlines only its first line: the frame stays short, like tsc.
  const end = loc.end.line === loc.start.line ? loc.end : { line: loc.start.line, col: loc.start.col + 1 };
  return codeFrameColumns(
    text,
    { start: { line: loc.start.line, column: loc.start.col }, end: { line: end.line, column: Math.max(end.col, loc.start.col + 1) } },
    { highlightCode: color, forceColor: color, linesAbove: 1, linesBelow: 1 },
  );
}

/** tsc-style text: `src/index.ts:12:5 - error SDX1003: message`, the code frame, the hint and notes. */
export function renderDiagnostics(diagnostics: readonly Diagnostic[], options: RenderOptions = {}): string {
  const color = options.color ?? false;
  const cwd = options.cwd ?? process.cwd();
  const colors = pc.createColors(color);
  const cache = new SourceCache();
  const blocks: string[] = [];
  for (const d of diagnostics) {
    const where = spanLabel(d.span, cache, cwd, colors);
    const severity = d.severity === "error" ? colors.red("error") : colors.yellow("warning");
    const lines = [`${where ? `${where} - ` : ""}${severity} ${colors.gray(d.code)}: ${d.message}`];
    if (d.span) {
      const f = frame(d.span, cache, color);
      if (f) lines.push("", indent(f), "");
    }
    if (d.hint) lines.push(`  ${colors.cyan("hint")}: ${d.hint}`);
    for (const note of d.notes) {
      const at = spanLabel(note.span, cache, cwd, colors);
      lines.push(`  ${colors.gray("note")}: ${note.message}${at ? ` (${at})` : ""}`);
    }
    blocks.push(lines.join("\n"));
  }
  const errors = diagnostics.filter((d) => d.severity === "error").length;
  const warnings = diagnostics.length - errors;
  if (diagnostics.length > 0) {
    const parts = [];
    if (errors) parts.push(`${errors} error${errors === 1 ? "" : "s"}`);
    if (warnings) parts.push(`${warnings} warning${warnings === 1 ? "" : "s"}`);
    blocks.push(`Found ${parts.join(" and ")}.`);
  }
  return blocks.join("\n\n") + (blocks.length ? "\n" : "");
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((l) => (l ? `  ${l}` : l))
    .join("\n");
}

export interface JsonDiagnostic {
  code: string;
  severity: "error" | "warning";
  message: string;
  hint: string;
  /** Relative to `cwd` with `/` separators; `""` when the diagnostic has no place. */
  file: string;
  /** 1-based; 0 when unknown. */
  line: number;
  col: number;
}

/** Plain objects for `--json` output and tests. */
export function diagnosticsToJson(diagnostics: readonly Diagnostic[], cwd: string = process.cwd()): JsonDiagnostic[] {
  const cache = new SourceCache();
  return diagnostics.map((d) => {
    const loc = d.span ? location(d.span, cache) : null;
    return {
      code: d.code,
      severity: d.severity,
      message: d.message,
      hint: d.hint,
      file: d.span ? displayPath(d.span.file, cwd) : "",
      line: loc?.start.line ?? 0,
      col: loc?.start.col ?? 0,
    };
  });
}
