/**
 * Reads an extension's trail for `sdx trail <extension> [--follow]`: the rotated files oldest
 * first, then `trail.jsonl`. With `follow`, it keeps polling the current file for new lines and
 * notices rotation (the open descriptor keeps pointing at the renamed file: it is drained first,
 * then any file rotated in between, then the new `trail.jsonl` is opened) until `signal` aborts.
 * A writer that rotates past `keep` files within one poll interval can still outrun it.
 *
 * Lines are handed over as written; `record` is their parse, or null for a line that is not a
 * trail record (e.g. cut off by a crash mid-write).
 */
import fs from "node:fs";
import { DEFAULT_TRAIL_KEEP, TRAIL_LEVELS, trailFile, type TrailRecord } from "./trail.js";

export interface ReadTrailOptions {
  follow?: boolean;
  onLine(record: TrailRecord | null, line: string): void;
  /** Stops following (required to ever return when `follow` is set). */
  signal?: AbortSignal;
  /** Polling interval while following (default 250 ms). */
  pollMs?: number;
  /** How many rotated files to look for (default 3). */
  keep?: number;
}

function parseRecord(line: string): TrailRecord | null {
  try {
    const value = JSON.parse(line) as Partial<TrailRecord> | null;
    if (!value || typeof value !== "object" || typeof value.at !== "string" || typeof value.message !== "string" || typeof value.extension !== "string") return null;
    if (!TRAIL_LEVELS.includes(value.level as TrailRecord["level"])) return null;
    return { at: value.at, level: value.level as TrailRecord["level"], extension: value.extension, message: value.message, data: value.data ?? null };
  } catch {
    return null;
  }
}

/** Splits text into lines, emitting complete ones and returning the unfinished tail. */
function emitLines(text: string, onLine: ReadTrailOptions["onLine"]): string {
  const parts = text.split("\n");
  const rest = parts.pop() ?? "";
  for (const line of parts) if (line.length > 0) onLine(parseRecord(line), line);
  return rest;
}

function openIfExists(file: string): number | null {
  try {
    return fs.openSync(file, "r");
  } catch {
    return null;
  }
}

class Tail {
  private offset = 0;
  private rest = "";
  readonly ino: number;

  constructor(readonly fd: number) {
    this.ino = fs.fstatSync(fd).ino;
  }

  /** Emits every complete line from the last position to the end of the file. */
  drain(onLine: ReadTrailOptions["onLine"]): void {
    const size = fs.fstatSync(this.fd).size;
    if (size < this.offset) {
      // Truncated in place: start over.
      this.offset = 0;
      this.rest = "";
    }
    const chunk = Buffer.alloc(64 * 1024);
    while (this.offset < size) {
      const n = fs.readSync(this.fd, chunk, 0, chunk.length, this.offset);
      if (n <= 0) break;
      this.offset += n;
      this.rest = emitLines(this.rest + chunk.subarray(0, n).toString("utf8"), onLine);
    }
  }

  /** The unfinished last line, once the file is known to be complete. */
  finish(onLine: ReadTrailOptions["onLine"]): void {
    if (this.rest.length > 0) onLine(parseRecord(this.rest), this.rest);
    this.rest = "";
    fs.closeSync(this.fd);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

/**
 * After a rotation noticed while following: if the writer rotated more than once since the last
 * poll, the files between the one we followed (now `trail.<j>`) and the new current one are
 * `trail.<j-1>` … `trail.1`; read them in that order.
 */
function readMissedRotations(libraryDir: string, extensionId: string, keep: number, followedIno: number, onLine: ReadTrailOptions["onLine"]): void {
  let followedAt = 0;
  for (let i = 1; i <= keep && followedAt === 0; i++) {
    try {
      if (fs.statSync(trailFile(libraryDir, extensionId, i)).ino === followedIno) followedAt = i;
    } catch {
      // missing index
    }
  }
  for (let i = followedAt - 1; i >= 1; i--) {
    const fd = openIfExists(trailFile(libraryDir, extensionId, i));
    if (fd === null) continue;
    const missed = new Tail(fd);
    missed.drain(onLine);
    missed.finish(onLine);
  }
}

export async function readTrail(libraryDir: string, extensionId: string, options: ReadTrailOptions): Promise<void> {
  const keep = options.keep ?? DEFAULT_TRAIL_KEEP;
  const current = trailFile(libraryDir, extensionId);
  // Open the current file before reading the rotated ones, so a rotation in between loses nothing.
  const fd = openIfExists(current);
  let tail = fd === null ? null : new Tail(fd);
  for (let i = keep; i >= 1; i--) {
    const fdRotated = openIfExists(trailFile(libraryDir, extensionId, i));
    if (fdRotated === null) continue;
    if (tail && fs.fstatSync(fdRotated).ino === tail.ino) {
      fs.closeSync(fdRotated); // it was rotated after we opened it; the tail reads it
      continue;
    }
    const rotated = new Tail(fdRotated);
    rotated.drain(options.onLine);
    rotated.finish(options.onLine);
  }
  tail?.drain(options.onLine);
  if (!options.follow) {
    tail?.finish(options.onLine);
    return;
  }
  const pollMs = options.pollMs ?? 250;
  while (!options.signal?.aborted) {
    await sleep(pollMs, options.signal);
    tail?.drain(options.onLine);
    let ino: number | null = null;
    try {
      ino = fs.statSync(current).ino;
    } catch {
      // not created yet, or between rotation steps
    }
    if (ino !== null && (tail === null || ino !== tail.ino)) {
      if (tail) {
        tail.finish(options.onLine);
        readMissedRotations(libraryDir, extensionId, keep, tail.ino, options.onLine);
      }
      const next = openIfExists(current);
      tail = next === null ? null : new Tail(next);
      tail?.drain(options.onLine);
    }
  }
  tail?.finish(options.onLine);
}
