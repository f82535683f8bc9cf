/**
 * Reading the file of an entry the way a permission check can trust: what is checked is what is
 * opened. The grant was checked against the entry as indexed (its stored path); between indexing
 * and this read the file may have been replaced, by a symlink to `key.pem` beside it, a hard link,
 * a FIFO, or a directory swapped for a link. So:
 *
 * 1. open the indexed path with O_NOFOLLOW (a symlink in its place is never followed) and
 *    O_NONBLOCK (a FIFO cannot hang the host);
 * 2. fstat the descriptor: it must be a regular file with the inode, size and mtime the indexer
 *    recorded, or the read is refused as changed since indexing (SDX3032);
 * 3. take the real path of the descriptor (/proc/self/fd on Linux; elsewhere realpath, proven to
 *    name the same dev/inode) and check it against the location and the grant again: the glob on
 *    the real path relative to the location, the scope on the real absolute path (SDX3001);
 * 4. read through that descriptor, and refuse if the size changed while reading.
 *
 * A symlink where the file was is reported as what it leads to: outside the grant (SDX3001) or
 * merely changed (SDX3032). Every refusal is audited as `access_denied` with the real target (which
 * the guest is not told). Input: an entry row the caller already found readable. Output: its bytes.
 */
import fs from "node:fs";
import path from "node:path";
import type { OpContext } from "./context.js";
import { canonicalPath, isWithin } from "../store/paths.js";
import { entryAbsolutePath, type EntryRow } from "../store/entries-store.js";
import { hostFailed, notFound, permissionDenied, sdxError, withAuditTarget, type SdxError } from "../errors.js";

/** Largest file `entries.read` hands to a guest in one piece (the guest has a memory limit). */
export const MAX_READ_BYTES = 512 * 1024 * 1024;

const OPEN_FLAGS = fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | (fs.constants.O_NONBLOCK ?? 0);

/** SDX3032: the file is not the one indexed; `target` (audit only) is what the path leads to now. */
function changed(ctx: OpContext, label: string, why: string, target: string): SdxError {
  return withAuditTarget(
    sdxError("SDX3032", `${ctx.extensionId} may not read ${label}: ${why} since it was indexed; index its location again to read it`, { permission: "read_entries", reason: "changed" }),
    target,
  );
}

/** The indexed path of the entry (bytes when its name is not UTF-8). */
function indexedPath(row: EntryRow): string | Buffer {
  return row.raw_path ? Buffer.concat([Buffer.from(row.loc_path + path.sep), row.raw_path]) : entryAbsolutePath(row);
}

/** Checks a real (canonical) path against the entry's location and the caller's read_entries grant. */
function requireInGrant(ctx: OpContext, row: EntryRow, real: Buffer, indexed: string | Buffer, label: string): void {
  const realText = real.toString("utf8");
  const root = canonicalPath(row.loc_path);
  if (!isWithin(realText, root)) {
    throw permissionDenied("read_entries", `${ctx.extensionId} may not read ${label}: its path resolves outside its location (a symlink)`, realText);
  }
  // The stored relative path only names the file when the real path is the indexed one (it keeps non-UTF-8 names exact).
  const same = Buffer.compare(real, Buffer.isBuffer(indexed) ? indexed : Buffer.from(indexed)) === 0;
  const relative = same ? row.relative_path : path.relative(root, realText).split(path.sep).join("/");
  ctx.grants.requireReadEntry(realText, relative, label);
}

/** Where a symlink that replaced the file leads, refused as outside the grant or as changed. */
function refuseSymlink(ctx: OpContext, row: EntryRow, indexed: string | Buffer, label: string): never {
  let target: Buffer;
  try {
    target = fs.realpathSync.native(indexed, { encoding: "buffer" });
  } catch {
    throw changed(ctx, label, "its file was replaced by a broken symbolic link", String(indexed));
  }
  requireInGrant(ctx, row, target, indexed, label);
  throw changed(ctx, label, "its file was replaced by a symbolic link", target.toString("utf8"));
}

/** The real path of an open descriptor, proven to name the file `stat` describes. */
function realPathOf(fd: number, indexed: string | Buffer, stat: fs.Stats): Buffer | null {
  try {
    const viaFd = fs.readlinkSync(`/proc/self/fd/${fd}`, { encoding: "buffer" });
    if (viaFd.subarray(-10).toString("latin1") === " (deleted)") return null;
    return viaFd;
  } catch {
    // No /proc (macOS, BSD): the canonical path must still name the opened file.
    let real: Buffer;
    let again: fs.Stats;
    try {
      real = fs.realpathSync.native(indexed, { encoding: "buffer" });
      again = fs.statSync(real);
    } catch {
      return null;
    }
    return again.dev === stat.dev && again.ino === stat.ino ? real : null;
  }
}

/**
 * Files up to this size are read with blocking reads (from the page cache, well under a
 * millisecond): an asynchronous read costs a trip through libuv's thread pool for each step, and on
 * a busy machine each trip waits for a core (measured in face detection: 2–5 ms per photo, against
 * 0.1 ms blocking). Larger files are read asynchronously, so the thread never stalls for long.
 */
export const SYNC_READ_BYTES = 8 * 1024 * 1024;

/**
 * The file's bytes up to EOF, at most `size + 1` of them: one byte more than the indexed size
 * tells a file that grew from one that is whole. Never a pooled buffer (it may be transferred).
 */
async function readUpTo(fd: number, size: number): Promise<Buffer<ArrayBuffer>> {
  const bytes = Buffer.allocUnsafeSlow(size + 1) as Buffer<ArrayBuffer>;
  let done = 0;
  while (done < bytes.length) {
    const n = size <= SYNC_READ_BYTES
      ? fs.readSync(fd, bytes, done, bytes.length - done, done)
      : await new Promise<number>((resolve, reject) => fs.read(fd, bytes, done, bytes.length - done, done, (error, read) => (error ? reject(error) : resolve(read))));
    if (n === 0) break;
    done += n;
  }
  return bytes.subarray(0, done) as Buffer<ArrayBuffer>;
}

/** Reads the entry's file if it is still the file that was indexed and lies inside the grant. */
export async function readEntryFile(ctx: OpContext, row: EntryRow, label: string): Promise<Buffer<ArrayBuffer>> {
  const indexed = indexedPath(row);
  // Opening, fstat and the descriptor's path are single quick syscalls: blocking, see SYNC_READ_BYTES.
  let fd: number;
  try {
    fd = fs.openSync(indexed, OPEN_FLAGS);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // ELOOP (Linux, macOS) / EMLINK (FreeBSD): the last component is a symlink now.
    if (code === "ELOOP" || code === "EMLINK") refuseSymlink(ctx, row, indexed, label);
    if (code === "ENOENT" || code === "ENOTDIR") throw notFound(`the file of ${label} (it moved or was deleted since it was indexed)`);
    throw hostFailed(`cannot open the file of ${label}: ${code ?? String(error)}`, error);
  }
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) throw changed(ctx, label, "its file was replaced by something that is not a regular file", String(indexed));
    const real = realPathOf(fd, indexed, stat);
    if (!real) throw changed(ctx, label, "its file was moved or replaced while it was opened", String(indexed));
    requireInGrant(ctx, row, real, indexed, label);
    if ((row.inode !== null && stat.ino !== row.inode) || stat.size !== row.size || stat.mtime.toISOString() !== row.modified_at) {
      throw changed(ctx, label, stat.ino !== row.inode ? "its file was replaced by another file" : "its file was modified", real.toString("utf8"));
    }
    if (stat.size > MAX_READ_BYTES) {
      throw sdxError("SDX3014", `${label} is ${stat.size} bytes; entries.read returns at most ${MAX_READ_BYTES}`);
    }
    const bytes = await readUpTo(fd, row.size);
    if (bytes.length !== row.size) throw changed(ctx, label, "its file was modified while it was read", real.toString("utf8"));
    return bytes;
  } finally {
    fs.closeSync(fd);
  }
}
