/**
 * Stage: `<project>/prompts/**` Jinja templates → checked template texts. A syntax error is a build
 * diagnostic with the file and line. @huggingface/jinja reports no positions, so the checker
 * locates errors itself: unclosed delimiters, each tag parsed on its own, and block balance.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { Template } from "@huggingface/jinja";
import type { Diagnostic } from "@sdx/codegen";
import { bundleDiagnostic } from "./diagnostics.js";

export function listFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch {
      return;
    }
    for (const name of names) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else out.push(full);
    }
  };
  walk(root);
  return out;
}

const BLOCK_OPENERS = new Set(["if", "for", "macro", "call", "filter", "raw", "generation"]);
const TAG = /\{\{-?([\s\S]*?)-?\}\}|\{%-?([\s\S]*?)-?%\}|\{#[\s\S]*?#\}/g;

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** Returns the offset and message of the first problem, or null if the template parses. */
export function findTemplateError(text: string): { offset: number; message: string } | null {
  try {
    new Template(text);
    return null;
  } catch (error) {
    const fallback = (error as Error).message;
    const stack: Array<{ name: string; offset: number }> = [];
    let lastEnd = 0;
    for (const match of text.matchAll(TAG)) {
      const between = text.slice(lastEnd, match.index);
      const stray = between.search(/\{\{|\{%|\{#/);
      if (stray !== -1) return { offset: lastEnd + stray, message: "unclosed tag" };
      lastEnd = match.index + match[0].length;
      if (match[1] !== undefined) {
        try {
          new Template(`{{${match[1]}}}`);
        } catch (e) {
          return { offset: match.index, message: (e as Error).message };
        }
      } else if (match[2] !== undefined) {
        const word = match[2].trim().split(/\s+/)[0] ?? "";
        if (BLOCK_OPENERS.has(word) || (word === "set" && !match[2].includes("="))) stack.push({ name: word, offset: match.index });
        else if (word.startsWith("end")) {
          const open = stack.pop();
          if (!open || `end${open.name}` !== word) return { offset: match.index, message: `unexpected {% ${word} %}${open ? ` (open block is {% ${open.name} %})` : ""}` };
        }
      }
    }
    const stray = text.slice(lastEnd).search(/\{\{|\{%|\{#/);
    if (stray !== -1) return { offset: lastEnd + stray, message: "unclosed tag" };
    const open = stack.pop();
    if (open) return { offset: open.offset, message: `{% ${open.name} %} is never closed` };
    return { offset: 0, message: fallback };
  }
}

export function checkPrompts(projectDir: string): { prompts: Record<string, string>; diagnostics: Diagnostic[] } {
  const root = join(projectDir, "prompts");
  const prompts: Record<string, string> = {};
  const diagnostics: Diagnostic[] = [];
  for (const file of listFiles(root)) {
    const name = relative(root, file).split(sep).join("/");
    const text = readFileSync(file, "utf8");
    prompts[name] = text;
    if (!/\.(jinja|j2|jinja2|txt|md)$/.test(name)) continue;
    const problem = findTemplateError(text);
    if (problem) {
      const line = lineOf(text, problem.offset);
      const column = problem.offset - (text.lastIndexOf("\n", problem.offset - 1) + 1);
      diagnostics.push(bundleDiagnostic("SDX2007", `template syntax error: ${problem.message}`, { file, line, column, length: 2 }));
    }
  }
  return { prompts, diagnostics };
}
