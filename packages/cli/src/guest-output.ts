/**
 * How what an extension says reaches the terminal: its log lines (with their data) and the errors
 * its invocations end with (with the guest's stack, already pointed at the author's TypeScript by
 * the host). Shared by `sdx run`, `sdx jobs`, `sdx action` and `sdx dev`.
 */
import pc from "picocolors";
import { toJson } from "./output.js";

export interface GuestErrorJson {
  code: string;
  name: string;
  message: string;
  /** The guest's stack, mapped to the author's sources (`at fn (src/index.ts:12:5)`), when there is one. */
  stack?: string;
  /** What a `TaskFailed` wraps: the task's own error, with its stack. */
  cause?: GuestErrorJson;
}

interface WireLike {
  code: string;
  name?: string;
  message: string;
  stack?: string;
  data?: unknown;
}

/** A WireError as the CLI's JSON shows it. */
export function guestErrorJson(error: WireLike): GuestErrorJson {
  const out: GuestErrorJson = { code: error.code, name: error.name ?? "Error", message: error.message };
  if (typeof error.stack === "string" && error.stack.trim()) out.stack = error.stack.trimEnd();
  const cause = (error.data as { cause?: WireLike } | undefined)?.cause;
  if (cause && typeof cause === "object" && typeof cause.code === "string") out.cause = guestErrorJson(cause);
  return out;
}

/** The stack lines worth showing: the frames of the error and its causes that are the author's. */
export function stackLines(error: GuestErrorJson): string[] {
  const frames = (stack: string | undefined) => (stack ?? "").split("\n").filter((line) => /^\s*at /.test(line));
  const own = frames(error.stack);
  const authored = (lines: string[]) => lines.some((line) => !line.includes("(sdx runtime)"));
  const lines = authored(own) ? own.map((l) => `    ${l.trim()}`) : [];
  if (error.cause) {
    const inner = stackLines(error.cause);
    if (inner.length) lines.push(`  ${pc.dim(`caused by ${error.cause.name}: ${error.cause.message}`)}`, ...inner);
  }
  return lines;
}

/** `✘ … failed: CODE message` followed by the stack, for a human. */
export function renderGuestError(headline: string, error: GuestErrorJson): string {
  const stack = stackLines(error);
  return [`${headline}: ${pc.bold(error.code)} ${error.message}`, ...stack.map((l) => pc.dim(l))].join("\n");
}

/** One log line of an extension: `[id] message {data}`, coloured by level. */
export function renderLogLine(entry: { extensionId: string; level: string; message: string; data?: unknown }): string {
  let text = entry.message;
  if (entry.data !== undefined) {
    let data: string;
    try {
      data = toJson(entry.data);
    } catch {
      data = String(entry.data);
    }
    text += ` ${pc.dim(data)}`;
  }
  const coloured = entry.level === "error" ? pc.red(text) : entry.level === "warn" ? pc.yellow(text) : entry.level === "debug" || entry.level === "trace" ? pc.dim(text) : text;
  return `${pc.dim(`[${entry.extensionId}]`)} ${coloured}`;
}

/** A job's result for a human: JSON, indented, cut after `max` characters. */
export function renderResult(result: unknown, max = 4000): string {
  if (result === null || result === undefined) return "";
  const text = toJson(result, 2);
  return text.length > max ? `${text.slice(0, max)}\n… (${text.length - max} more characters; --json has all of it)` : text;
}
