/**
 * Walks a location without following symlinks (so a symlink loop cannot hang it, and nothing
 * outside the location is reached through a link). Names are read as raw bytes: a name that is
 * not valid UTF-8 gets a readable relative path with its invalid bytes written as `%XX`, and its
 * raw bytes are kept so the file can still be opened.
 *
 * The walk streams: it yields one directory at a time (depth first, names in byte order), so what
 * it holds is the directories still to list, never the files already seen. A directory's own item
 * comes first in its listing, once it was listed (an unlistable directory carries the error).
 */
import fs from "node:fs";
import path from "node:path";

export type WalkType = "file" | "dir" | "symlink" | "other";

/** What the indexer needs of an lstat (a full fs.Stats per file would be kept around for nothing). */
export interface WalkStat {
  size: number;
  ino: number;
  dev: number;
  /** mtime as the entries table stores it (ISO 8601). */
  mtime: string;
}

export interface WalkItem {
  /** `/`-separated path relative to the root (invalid UTF-8 bytes as `%XX`). */
  rel: string;
  /** Raw bytes of `rel` when some component is not valid UTF-8, else null. */
  raw: Buffer | null;
  name: string;
  /** Absolute path as raw bytes (what fs calls take). */
  abs: Buffer;
  type: WalkType;
  stat: WalkStat | null;
  /** Why the item is bad (loop, broken link, unreadable, …), else null. */
  error: string | null;
}

const strict = new TextDecoder("utf-8", { fatal: true });

/** Decodes a name; invalid UTF-8 bytes become `%XX`. `valid` tells whether it decoded cleanly. */
export function decodeName(bytes: Buffer): { text: string; valid: boolean } {
  try {
    return { text: strict.decode(bytes), valid: true };
  } catch {
    let text = "";
    let i = 0;
    while (i < bytes.length) {
      const b = bytes[i];
      const length = b < 0x80 ? 1 : b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf5 ? 4 : 0;
      if (length > 0 && i + length <= bytes.length) {
        try {
          text += strict.decode(bytes.subarray(i, i + length));
          i += length;
          continue;
        } catch {
          // fall through: escape this byte
        }
      }
      text += `%${b.toString(16).toUpperCase().padStart(2, "0")}`;
      i += 1;
    }
    return { text, valid: false };
  }
}

function errorText(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  return e.code ? `${e.code}: ${e.message}` : String(error);
}

const readdir = (p: Buffer): Promise<Buffer[]> => new Promise((resolve, reject) => fs.readdir(p, { encoding: "buffer" }, (e, n) => (e ? reject(e) : resolve(n))));

/** lstat calls of one listing in flight at once (the libuv pool has 4 threads; a few more keep it busy). */
const STAT_CONCURRENCY = 16;

interface PendingDir {
  abs: Buffer;
  rel: string;
  raw: Buffer | null;
  /** The directory's own item (null for the root). */
  item: WalkItem | null;
}

const SEP = Buffer.from(path.sep);
const SLASH = Buffer.from("/");

/** Fills in the item's type, stat and error from its lstat (and stat, for a symlink); `done` when it is known. */
function inspect(item: WalkItem, done: () => void): void {
  fs.lstat(item.abs, (error, s) => {
    if (error) {
      item.error = `cannot stat: ${errorText(error)}`;
      return done();
    }
    item.stat = { size: s.size, ino: s.ino, dev: s.dev, mtime: s.mtime.toISOString() };
    if (s.isSymbolicLink()) {
      item.type = "symlink";
      fs.stat(item.abs, (followError) => {
        const code = (followError as NodeJS.ErrnoException | null)?.code;
        if (followError) item.error = code === "ELOOP" ? "symlink loop (not followed)" : code === "ENOENT" ? "broken symlink (target does not exist)" : `symlink: ${errorText(followError)}`;
        done();
      });
      return;
    }
    if (s.isDirectory()) item.type = "dir";
    else if (s.isFile()) item.type = "file";
    else item.error = `not a regular file (${s.isFIFO() ? "FIFO" : s.isSocket() ? "socket" : "device"})`;
    done();
  });
}

/** Inspects every item, a few at a time (callbacks rather than a promise per call: a walk makes one or two per entry). */
function inspectAll(items: WalkItem[]): Promise<void> {
  return new Promise((resolve) => {
    let next = 0;
    let pending = items.length;
    if (pending === 0) return resolve();
    const start = (): void => {
      const item = items[next++];
      inspect(item, () => {
        if (--pending === 0) resolve();
        else if (next < items.length) start();
      });
    };
    for (let i = 0; i < Math.min(STAT_CONCURRENCY, items.length); i++) start();
  });
}

/** The items of `root`, one directory listing at a time (see the header). */
export async function* walk(root: string): AsyncGenerator<WalkItem[]> {
  const seenDirs = new Set<string>();
  const rootStat = await fs.promises.stat(root);
  seenDirs.add(`${rootStat.dev}:${rootStat.ino}`);
  const stack: PendingDir[] = [{ abs: Buffer.from(root), rel: "", raw: null, item: null }];
  while (stack.length > 0) {
    const dir = stack.pop()!;
    const listing: WalkItem[] = dir.item ? [dir.item] : [];
    let names: Buffer[];
    try {
      names = (await readdir(dir.abs)).sort(Buffer.compare);
    } catch (error) {
      if (dir.item) dir.item.error = `cannot list directory: ${errorText(error)}`;
      if (listing.length > 0) yield listing;
      continue;
    }
    const items = names.map((nameBytes): WalkItem => {
      const decoded = decodeName(nameBytes);
      const rel = dir.rel === "" ? decoded.text : `${dir.rel}/${decoded.text}`;
      const raw = dir.raw || !decoded.valid ? Buffer.concat(dir.rel === "" ? [nameBytes] : [dir.raw ?? Buffer.from(dir.rel), SLASH, nameBytes]) : null;
      return { rel, raw, name: decoded.text, abs: Buffer.concat([dir.abs, SEP, nameBytes]), type: "other", stat: null, error: null };
    });
    await inspectAll(items);
    for (const item of items) {
      if (item.type === "dir" && !item.error) {
        // In name order, so which of two paths to one directory counts as the loop does not depend on timing.
        const key = `${item.stat!.dev}:${item.stat!.ino}`;
        if (seenDirs.has(key)) item.error = "directory already visited (bind mount loop)";
        else {
          seenDirs.add(key);
          // Yielded with its own listing: it may turn out unlistable.
          stack.push({ abs: item.abs, rel: item.rel, raw: item.raw, item });
          continue;
        }
      }
      listing.push(item);
    }
    if (listing.length > 0) yield listing;
  }
}
