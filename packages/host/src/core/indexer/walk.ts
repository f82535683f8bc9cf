/**
 * Walks a location without following symlinks (so a symlink loop cannot hang it, and nothing
 * outside the location is reached through a link). Names are read as raw bytes: a name that is
 * not valid UTF-8 gets a readable relative path with its invalid bytes written as `%XX`, and its
 * raw bytes are kept so the file can still be opened.
 */
import fs from "node:fs";
import path from "node:path";

export type WalkType = "file" | "dir" | "symlink" | "other";

export interface WalkItem {
  /** `/`-separated path relative to the root (invalid UTF-8 bytes as `%XX`). */
  rel: string;
  /** Raw bytes of `rel` when some component is not valid UTF-8, else null. */
  raw: Buffer | null;
  name: string;
  /** Absolute path as raw bytes (what fs calls take). */
  abs: Buffer;
  type: WalkType;
  stat: fs.Stats | null;
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

export async function walk(root: string): Promise<WalkItem[]> {
  const items: WalkItem[] = [];
  const seenDirs = new Set<string>();
  const rootStat = await fs.promises.stat(root);
  seenDirs.add(`${rootStat.dev}:${rootStat.ino}`);
  const slash = Buffer.from("/");
  const stack: Array<{ abs: Buffer; rel: string; raw: Buffer | null; item: WalkItem | null }> = [{ abs: Buffer.from(root), rel: "", raw: null, item: null }];
  while (stack.length > 0) {
    const dir = stack.pop()!;
    let names: Buffer[];
    try {
      names = (await fs.promises.readdir(dir.abs, { encoding: "buffer" })).sort(Buffer.compare);
    } catch (error) {
      if (dir.item) dir.item.error = `cannot list directory: ${errorText(error)}`;
      continue;
    }
    for (const nameBytes of names) {
      const decoded = decodeName(nameBytes);
      const abs = Buffer.concat([dir.abs, Buffer.from(path.sep), nameBytes]);
      const rel = dir.rel === "" ? decoded.text : `${dir.rel}/${decoded.text}`;
      const rawRel = dir.raw || !decoded.valid ? Buffer.concat(dir.rel === "" ? [nameBytes] : [dir.raw ?? Buffer.from(dir.rel), slash, nameBytes]) : null;
      const item: WalkItem = { rel, raw: rawRel, name: decoded.text, abs, type: "other", stat: null, error: null };
      items.push(item);
      try {
        item.stat = await fs.promises.lstat(abs);
      } catch (error) {
        item.error = `cannot stat: ${errorText(error)}`;
        continue;
      }
      if (item.stat.isSymbolicLink()) {
        item.type = "symlink";
        try {
          await fs.promises.stat(abs);
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          item.error = code === "ELOOP" ? "symlink loop (not followed)" : code === "ENOENT" ? "broken symlink (target does not exist)" : `symlink: ${errorText(error)}`;
        }
      } else if (item.stat.isDirectory()) {
        item.type = "dir";
        const key = `${item.stat.dev}:${item.stat.ino}`;
        if (seenDirs.has(key)) {
          item.error = "directory already visited (bind mount loop)";
          continue;
        }
        seenDirs.add(key);
        stack.push({ abs, rel, raw: rawRel, item });
      } else if (item.stat.isFile()) {
        item.type = "file";
      } else {
        item.error = `not a regular file (${item.stat.isFIFO() ? "FIFO" : item.stat.isSocket() ? "socket" : "device"})`;
      }
    }
  }
  return items;
}
