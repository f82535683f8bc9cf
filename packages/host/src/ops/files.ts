/**
 * files.*: moving (and renaming) indexed files, creating directories and writing new files.
 *
 * Only an action's apply reaches these handlers with `ctx.files` set (the journal of its file
 * steps, actions/action-runner.ts): anywhere else they are refused with SDX3035, so the user has
 * always seen each operation, with its source and destination, in a preview. Each handler checks
 * everything before it touches the disk (write_files grants on the source and the destination,
 * the destination inside a location of this device, nothing there already: SDX3036, the file
 * unchanged since it was indexed: SDX3016), journals the step, then makes it without ever
 * replacing a file (core/files/file-steps.ts). The index follows in the same library transaction:
 * a moved entry keeps its row (UUID, content identity, tags, models); a written file is indexed.
 * A file system refusal (read-only, no space, no rights) is SDX3037; the apply reverses the steps
 * already made and rolls the library back, so no file is lost and the index stays right.
 */
import fs from "node:fs";
import path from "node:path";
import { createHash, randomUUID } from "node:crypto";
import type { SdPath } from "@sdx/sdk";
import { publish, type OpContext, type OpHandlers } from "./context.js";
import { requireReadableEntry } from "./access.js";
import { permissionDenied, sdxError, validationFailed, type SdxError } from "../errors.js";
import { canonicalPath, isWithin } from "../store/paths.js";
import {
  entryAbsolutePath, entryAtPath, insertContentIdentity, insertEntry, locationsOfDevice, moveEntryRow,
} from "../store/entries-store.js";
import { contentUuidFor, uuidToBlob, blobToUuid } from "../store/uuid.js";
import { ContentHasher } from "../core/indexer/hashing.js";
import { detectKind, extensionOf } from "../core/indexer/kinds.js";
import { lstatOrNull, moveNoClobber, writeNoClobber } from "../core/files/file-steps.js";

/** A path inside a location of this device. */
interface Placed {
  abs: string;
  location: { id: number; path: string };
  /** `/`-separated, relative to the location root. */
  relative: string;
}

function fileSession(ctx: OpContext, op: string) {
  if (!ctx.files) {
    throw sdxError("SDX3035", `${op} runs only in an action's execute step, after the user saw the change in its preview (plan it in an @action, make it in its @actionExecute)`);
  }
  return ctx.files;
}

function place(ctx: OpContext, target: SdPath, what: string): Placed {
  if (target.device.toLowerCase() !== ctx.library.deviceUuid) {
    throw validationFailed(`${what}: ${target.path} is on device ${target.device}; this host changes files on its own device (${ctx.library.deviceUuid}) only`);
  }
  if (!path.isAbsolute(target.path)) throw validationFailed(`${what}: ${target.path} is not an absolute path`);
  const abs = canonicalPath(target.path);
  const location = locationsOfDevice(ctx.library, ctx.library.deviceUuidBlob)
    .filter((l) => isWithin(abs, l.path)).sort((a, b) => b.path.length - a.path.length)[0];
  if (!location || abs === location.path) {
    throw permissionDenied("write_files", `${ctx.extensionId} may not ${what}: ${target.path} is outside every location of the library (index the folder first)`, abs);
  }
  return { abs, location, relative: path.relative(location.path, abs).split(path.sep).join("/") };
}

/** A file system error as the error the guest sees. */
function refused(error: unknown, what: string): SdxError {
  const code = (error as NodeJS.ErrnoException).code ?? "";
  if (code === "EEXIST") return sdxError("SDX3036", `${what}: the destination already exists; nothing was replaced`);
  return sdxError("SDX3037", `${what}: the file system refused (${code || (error as Error).message})`, { errno: code });
}

function requireFree(target: Placed, ctx: OpContext, what: string): void {
  if (lstatOrNull(target.abs) || entryAtPath(ctx.library, target.location.id, target.relative)) {
    throw sdxError("SDX3036", `${what}: ${target.abs} already exists; nothing was replaced`);
  }
  const parent = lstatOrNull(path.dirname(target.abs));
  if (!parent?.isDirectory()) throw sdxError("SDX3008", `${what}: the folder ${path.dirname(target.abs)} does not exist (create it first with createDirectory)`);
}

export const fileOps: OpHandlers = {
  "files.move": (ctx, request) => {
    const files = fileSession(ctx, "files.move");
    const row = requireReadableEntry(ctx, request.entryUuid);
    const what = `move entry ${request.entryUuid}`;
    if (row.is_dir || row.raw_path) throw validationFailed(`${what}: only files with UTF-8 names can be moved`);
    const from = entryAbsolutePath(row);
    if (request.from.path !== from.split(path.sep).join("/")) {
      throw sdxError("SDX3016", `${what}: the entry is at ${from} now, not at ${request.from.path}; preview the action again`);
    }
    ctx.grants.requireWriteFile(from, row.relative_path, `move ${from}`);
    const to = place(ctx, request.to, what);
    ctx.grants.requireWriteFile(to.abs, to.relative, `move a file to ${to.abs}`);
    requireFree(to, ctx, what);
    // The file on disk must be the one indexed (and previewed): same inode, size and mtime.
    const stat = lstatOrNull(from);
    if (!stat?.isFile() || stat.ino !== row.inode || stat.size !== row.size || stat.mtime.toISOString() !== row.modified_at) {
      throw sdxError("SDX3016", `${what}: ${from} changed on disk since it was indexed and previewed (index the location again, then preview the action again)`);
    }
    files.record({ kind: "move", from, to: to.abs, inode: stat.ino, size: stat.size });
    try {
      moveNoClobber(from, to.abs);
    } catch (error) {
      throw refused(error, what);
    }
    const moved = fs.statSync(to.abs);
    const name = path.basename(to.abs);
    moveEntryRow(ctx.library, row.id, {
      locationId: to.location.id, relativePath: to.relative, name, extension: extensionOf(name),
      inode: moved.ino, modifiedAt: moved.mtime.toISOString(), hlc: ctx.library.hlc.now(),
    }, new Date().toISOString());
    publish(ctx, { type: "file_moved", entry: request.entryUuid, from, to: to.abs });
    return null;
  },

  "files.mkdir": (ctx, request) => {
    const files = fileSession(ctx, "files.mkdir");
    const what = `create the folder ${request.path.path}`;
    const target = place(ctx, request.path, what);
    ctx.grants.requireWriteDirectory(target.abs, what);
    const created: string[] = [];
    for (let dir = target.abs; !isWithin(target.location.path, dir); dir = path.dirname(dir)) {
      const stat = lstatOrNull(dir);
      if (stat && !stat.isDirectory()) throw sdxError("SDX3036", `${what}: ${dir} exists and is not a folder`);
      if (stat) break;
      created.unshift(dir);
    }
    if (created.length === 0) return null;
    files.record({ kind: "mkdir", created });
    try {
      for (const dir of created) fs.mkdirSync(dir);
    } catch (error) {
      throw refused(error, what);
    }
    publish(ctx, { type: "directory_created", path: target.abs, created: created.length });
    return null;
  },

  "files.write": async (ctx, request) => {
    const files = fileSession(ctx, "files.write");
    const what = `write ${request.path.path}`;
    const target = place(ctx, request.path, what);
    ctx.grants.requireWriteFile(target.abs, target.relative, what);
    if (request.bytes.byteLength === 0) throw validationFailed(`${what}: an empty file has no content identity; write at least one byte`);
    requireFree(target, ctx, what);
    const sha256 = createHash("sha256").update(request.bytes).digest("hex");
    const temp = path.join(path.dirname(target.abs), `.sdx-writing-${randomUUID()}`);
    files.record({ kind: "write", to: target.abs, temp, sha256 });
    try {
      writeNoClobber(temp, target.abs, request.bytes);
    } catch (error) {
      throw refused(error, what);
    }
    // Indexed as the indexer would: content identity by BLAKE3, kind from the bytes.
    const stat = fs.statSync(target.abs);
    const hash = await (await ContentHasher.create()).hashFile(target.abs, stat.size);
    const contentUuid = await contentUuidFor(hash.hashKind, hash.hash);
    const name = path.basename(target.abs);
    const kind = detectKind(hash.head, extensionOf(name));
    const now = new Date().toISOString();
    insertContentIdentity(ctx.library, { uuid: uuidToBlob(contentUuid), hash: hash.hash, hashKind: hash.hashKind, size: stat.size, kind }, now);
    const entry = insertEntry(ctx.library, target.location.id, {
      relativePath: target.relative, rawPath: null, name, extension: extensionOf(name), kind, isDir: false, size: stat.size,
      inode: stat.ino, modifiedAt: stat.mtime.toISOString(), contentUuid: uuidToBlob(contentUuid), error: null, hlc: ctx.library.hlc.now(),
    }, now);
    publish(ctx, { type: "file_written", path: target.abs, entry: blobToUuid(entry), size: stat.size });
    return null;
  },
};
