/**
 * The agent trail: debug records an extension writes with `ctx.trace()`, kept for people (the
 * spec: "not for cognition"). No op reads them back; `readTrail` (trail-reader.ts) is for the CLI.
 *
 * Layout: `<library>/logs/extension/<id>/trail.jsonl`, one JSON object per line,
 * `{ at, level, extension, message, data }` (`data` null when absent). When the next line would
 * push the file past `maxBytes` (5 MiB), it becomes `trail.1.jsonl`, older ones shift up to
 * `trail.<keep>.jsonl` (3) and the oldest is deleted. A line above 64 KiB keeps its message
 * (cut to 4096 characters) and replaces `data` with `{ truncated: true, bytes }`.
 *
 * Each append opens the file, checks its size and writes one line with O_APPEND, so two processes
 * writing the same trail interleave whole lines.
 */
import fs from "node:fs";
import path from "node:path";
import type { Manifest } from "@sdx/sdk/manifest";

export const TRAIL_LEVELS = ["trace", "debug", "info", "warn", "error"] as const;
export type TrailLevel = (typeof TRAIL_LEVELS)[number];

/** The level of `ctx.trace()` records (the spec: the trail holds debug logs). */
export const TRACE_LEVEL: TrailLevel = "debug";

export interface TrailRecord {
  at: string;
  level: TrailLevel;
  extension: string;
  message: string;
  data: unknown;
}

export interface TrailOptions {
  /** Rotate before a line would make the file larger than this (default 5 MiB). */
  maxBytes?: number;
  /** Rotated files kept beside the current one (default 3). */
  keep?: number;
}

export const DEFAULT_TRAIL_MAX_BYTES = 5 * 1024 * 1024;
export const DEFAULT_TRAIL_KEEP = 3;
const MAX_LINE_BYTES = 64 * 1024;
const MAX_MESSAGE_CHARS = 4096;
const EXTENSION_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function trailDir(libraryDir: string, extensionId: string): string {
  if (!EXTENSION_ID.test(extensionId) || extensionId.includes("..")) throw new Error(`not an extension id: ${JSON.stringify(extensionId)}`);
  return path.join(libraryDir, "logs", "extension", extensionId);
}

/** `trail.jsonl` for index 0, `trail.<index>.jsonl` for rotated files. */
export function trailFile(libraryDir: string, extensionId: string, index = 0): string {
  return path.join(trailDir(libraryDir, extensionId), index === 0 ? "trail.jsonl" : `trail.${index}.jsonl`);
}

/** Whether a record at `level` passes a trail configured at `threshold`. */
export function levelEnabled(threshold: TrailLevel, level: TrailLevel): boolean {
  return TRAIL_LEVELS.indexOf(level) >= TRAIL_LEVELS.indexOf(threshold);
}

/** The trail level the manifest asks for, or null when the extension has no `@agentTrail`. */
export function trailLevelOf(manifest: Manifest): TrailLevel | null {
  return manifest.agent?.trail?.level ?? null;
}

function serialize(record: TrailRecord): string {
  const replacer = (_key: string, value: unknown): unknown => {
    if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return Array.from(value as unknown as ArrayLike<number>);
    if (typeof value === "bigint") return value.toString();
    return value;
  };
  let line: string;
  try {
    line = JSON.stringify(record, replacer);
  } catch {
    line = JSON.stringify({ ...record, data: { unserializable: true } });
  }
  if (Buffer.byteLength(line) <= MAX_LINE_BYTES) return line;
  const bytes = Buffer.byteLength(line);
  return JSON.stringify({ ...record, message: record.message.slice(0, MAX_MESSAGE_CHARS), data: { truncated: true, bytes } });
}

function rotate(libraryDir: string, extensionId: string, keep: number): void {
  const file = (i: number) => trailFile(libraryDir, extensionId, i);
  fs.rmSync(file(keep), { force: true });
  for (let i = keep - 1; i >= 1; i--) {
    if (fs.existsSync(file(i))) fs.renameSync(file(i), file(i + 1));
  }
  if (keep > 0) fs.renameSync(file(0), file(1));
  else fs.rmSync(file(0), { force: true });
}

/**
 * Appends one record (if `level` passes `threshold`); returns whether it was written.
 * Synchronous: `agent.trace` is a sync op and must not wait.
 */
export function appendTrail(
  libraryDir: string,
  extensionId: string,
  threshold: TrailLevel,
  level: TrailLevel,
  message: string,
  data: unknown,
  options: TrailOptions = {},
): boolean {
  if (!levelEnabled(threshold, level)) return false;
  const maxBytes = options.maxBytes ?? DEFAULT_TRAIL_MAX_BYTES;
  const keep = options.keep ?? DEFAULT_TRAIL_KEEP;
  const record: TrailRecord = { at: new Date().toISOString(), level, extension: extensionId, message, data: data ?? null };
  const line = `${serialize(record)}\n`;
  const file = trailFile(libraryDir, extensionId);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  let size = 0;
  try {
    size = fs.statSync(file).size;
  } catch {
    // no file yet
  }
  if (size > 0 && size + Buffer.byteLength(line) > maxBytes) rotate(libraryDir, extensionId, keep);
  fs.appendFileSync(file, line);
  return true;
}
