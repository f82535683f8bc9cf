/**
 * Indexes a directory into a library: adds it as a location (device-owned entries), walks it,
 * gives every file a kind and a content identity (BLAKE3, see hashing.ts; identical files share
 * one), and on a re-run picks up new, changed, moved and deleted files without re-hashing
 * unchanged ones (same size, mtime and inode). Moves are recognized by inode (rename) or, for
 * copy-and-delete, by content; a moved entry keeps its UUID, tags and entry-scoped models.
 * Bad files (unreadable, non-UTF-8 names, symlink loops, broken links, FIFOs, undecodable images,
 * broken EXIF) are recorded as per-entry errors and the run goes on. A zero-byte file is not one:
 * it is a valid empty file whose content identity is the BLAKE3 of no bytes, shared by every empty
 * file (but an empty file is never taken for another one moved).
 * Last, images get EXIF and thumbnail sidecars (media.ts), and document images an OCR sidecar
 * (ocr-step.ts).
 */
import fs from "node:fs";
import { ContentHasher, type FileHash } from "./hashing.js";
import { detectKind, extensionOf, kindFromExtension } from "./kinds.js";
import { processMedia } from "./media.js";
import { ocrImages } from "./ocr-step.js";
import { walk, type WalkItem } from "./walk.js";
import { canonicalPath } from "../../store/paths.js";
import {
  deleteEntryCascade, ensureLocation, entryKindById, insertContentIdentity, insertEntry, locationEntries, markLocationIndexed, updateEntry,
  type IndexedEntryRow,
} from "../../store/entries-store.js";
import { sdxError } from "../../store/errors.js";
import type { Library } from "../../store/library.js";
import { blobToUuid, contentUuidFor, uuidToBlob } from "../../store/uuid.js";

export interface IndexProgress {
  done: number;
  total: number;
  path: string;
}

export interface IndexOptions {
  onProgress?: (progress: IndexProgress) => void;
  /** EXIF and thumbnails for images (default true). */
  media?: boolean;
  /**
   * Text of images into "ocr" sidecars (ocr-step.ts). `true`: every image; `false`: none; unset
   * (default): images that look like pages (scans, screenshots of text), and only when `media`
   * is on. Only new or changed content is read.
   */
  ocr?: boolean;
  /** Sampled identity for files over 10 MiB (default true). */
  sampledHashing?: boolean;
  /** Files read concurrently (default 4). */
  concurrency?: number;
}

export interface IndexSummary {
  locationUuid: string;
  locationPath: string;
  /** Files, by what happened to them in this run. */
  added: number;
  updated: number;
  moved: number;
  deleted: number;
  unchanged: number;
  /** Entries that got an error recorded in this run (a non-UTF-8 name is also counted as added). */
  errors: number;
  directories: number;
  /** Valid symlinks, which are not followed. */
  skipped: number;
  hashedBytes: number;
  exif: number;
  thumbnails: number;
  /** "ocr" sidecars written. */
  ocr: number;
  durationMs: number;
  problems: Array<{ path: string; error: string }>;
}

type ExistingRow = IndexedEntryRow;

interface Hashed {
  item: WalkItem;
  row: ExistingRow | undefined;
  result: (FileHash & { contentUuid: string; kind: string }) | { error: string };
}

const stampOf = (stat: fs.Stats): string => stat.mtime.toISOString();
const moveKey = (inode: number | null, size: number, mtime: string | null): string => `${inode}:${size}:${mtime}`;

async function hashAll(jobs: Array<{ item: WalkItem; row: ExistingRow | undefined }>, options: IndexOptions): Promise<Hashed[]> {
  const out: Hashed[] = new Array(jobs.length);
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    const hasher = await ContentHasher.create();
    while (next < jobs.length) {
      const index = next++;
      const { item, row } = jobs[index];
      try {
        const hash = await hasher.hashFile(item.abs, item.stat!.size, { sampled: options.sampledHashing ?? true });
        if (hash.bytesRead === 0 && item.stat!.size > 0) throw new Error("file is empty now (it changed while indexing)");
        const kind = detectKind(hash.head, extensionOf(item.name));
        out[index] = { item, row, result: { ...hash, contentUuid: await contentUuidFor(hash.hashKind, hash.hash), kind } };
      } catch (error) {
        const e = error as NodeJS.ErrnoException;
        out[index] = { item, row, result: { error: `unreadable: ${e.code ? `${e.code}: ${e.message}` : String(error)}` } };
      }
      done += 1;
      options.onProgress?.({ done, total: jobs.length, path: item.rel });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 4, jobs.length)) }, worker));
  return out;
}

export async function indexLocation(library: Library, dir: string, options: IndexOptions = {}): Promise<IndexSummary> {
  const started = performance.now();
  const root = canonicalPath(dir);
  const rootStat = await fs.promises.stat(root).catch(() => null);
  if (!rootStat?.isDirectory()) throw sdxError("SDX3012", `cannot index ${dir}: not a directory`);
  const location = ensureLocation(library, root);
  const summary: IndexSummary = {
    locationUuid: location.uuid, locationPath: root, added: 0, updated: 0, moved: 0, deleted: 0, unchanged: 0, errors: 0,
    directories: 0, skipped: 0, hashedBytes: 0, exif: 0, thumbnails: 0, ocr: 0, durationMs: 0, problems: [],
  };
  const items = await walk(root);
  const existingRows = locationEntries(library, location.id);
  const existing = new Map(existingRows.map((r) => [r.relative_path, r]));
  const seen = new Set<string>();
  const bad: Array<{ item: WalkItem; error: string }> = [];
  const dirs: WalkItem[] = [];
  const toHash: Array<{ item: WalkItem; row: ExistingRow | undefined }> = [];
  const renamed: Array<{ item: WalkItem; row: ExistingRow }> = [];

  for (const item of items) {
    if (item.type === "symlink" && !item.error) {
      summary.skipped += 1;
      continue;
    }
    seen.add(item.rel);
    if (item.type === "dir") {
      dirs.push(item);
      continue;
    }
    if (item.error || item.type !== "file" || !item.stat) {
      bad.push({ item, error: item.error ?? "not a regular file" });
      continue;
    }
    const row = existing.get(item.rel);
    if (row && !row.is_dir && row.content_identity_uuid && row.size === item.stat.size && row.modified_at === stampOf(item.stat) && row.inode === item.stat.ino) {
      summary.unchanged += 1;
      continue;
    }
    toHash.push({ item, row });
  }

  // Renames: a new path with the inode, size and mtime of an entry whose path disappeared. Not for
  // empty files: a new empty file often gets the inode of one just deleted within the same
  // timestamp tick, and nothing in an empty file tells the two apart.
  const gone = existingRows.filter((r) => !seen.has(r.relative_path));
  const byStat = new Map<string, ExistingRow>();
  for (const r of gone) if (r.content_identity_uuid && !r.is_dir && r.size > 0) byStat.set(moveKey(r.inode, r.size, r.modified_at), r);
  const moved = new Set<number>();
  const remaining = toHash.filter(({ item, row }) => {
    if (row) return true;
    const match = byStat.get(moveKey(item.stat!.ino, item.stat!.size, stampOf(item.stat!)));
    if (!match || moved.has(match.id)) return true;
    moved.add(match.id);
    renamed.push({ item, row: match });
    return false;
  });

  const hashed = await hashAll(remaining, options);

  // Copy-and-delete moves: a new file with the content of an entry whose path disappeared.
  const byContent = new Map<string, ExistingRow>();
  // Empty files all share one identity: a new empty file is not a moved old one.
  for (const r of gone) if (r.content_identity_uuid && !r.is_dir && r.size > 0 && !moved.has(r.id)) byContent.set(blobToUuid(r.content_identity_uuid), r);

  const media: Array<{ item: WalkItem; contentUuid: string; entryUuid: Buffer }> = [];
  const now = new Date().toISOString();
  const relError = (item: WalkItem): string | null => (item.raw ? "file name is not valid UTF-8 (invalid bytes shown as %XX; raw bytes kept)" : null);
  const problem = (item: WalkItem, error: string): void => {
    summary.errors += 1;
    summary.problems.push({ path: item.rel, error });
  };

  library.transaction(() => {
    const upsert = (item: WalkItem, row: { id: number } | undefined, fields: { kind: string; isDir: boolean; contentUuid: Buffer | null; error: string | null }): Buffer => {
      const stat = item.stat;
      const values = {
        relativePath: item.rel, rawPath: item.raw, name: item.name, extension: fields.isDir ? null : extensionOf(item.name), kind: fields.kind, isDir: fields.isDir,
        size: fields.isDir ? 0 : (stat?.size ?? 0), inode: stat?.ino ?? null, modifiedAt: stat ? stampOf(stat) : null, contentUuid: fields.contentUuid,
        error: fields.error, hlc: library.hlc.now(),
      };
      return row ? updateEntry(library, row.id, values, now) : insertEntry(library, location.id, values, now);
    };
    // Paths freed by moves and deletions first, so a new entry can take a path an old one had.
    for (const { item, row } of renamed) {
      upsert(item, row, { kind: entryKindById(library, row.id), isDir: false, contentUuid: row.content_identity_uuid, error: relError(item) });
      summary.moved += 1;
    }
    for (const h of hashed) {
      if ("error" in h.result) {
        upsert(h.item, h.row, { kind: kindFromExtension(extensionOf(h.item.name)), isDir: false, contentUuid: null, error: h.result.error });
        problem(h.item, h.result.error);
        continue;
      }
      const r = h.result;
      const contentBlob = uuidToBlob(r.contentUuid);
      insertContentIdentity(library, { uuid: contentBlob, hash: r.hash, hashKind: r.hashKind, size: h.item.stat!.size, kind: r.kind }, now);
      summary.hashedBytes += r.bytesRead;
      let row: { id: number } | undefined = h.row;
      const twin = h.row ? undefined : byContent.get(r.contentUuid);
      if (twin && !moved.has(twin.id)) {
        moved.add(twin.id);
        row = twin;
        summary.moved += 1;
      } else if (h.row) summary.updated += 1;
      else summary.added += 1;
      const nameError = relError(h.item);
      if (nameError) problem(h.item, nameError);
      const entryUuid = upsert(h.item, row, { kind: r.kind, isDir: false, contentUuid: contentBlob, error: nameError });
      if (r.kind === "image") media.push({ item: h.item, contentUuid: r.contentUuid, entryUuid });
    }
    for (const { item, error } of bad) {
      upsert(item, existing.get(item.rel), { kind: kindFromExtension(extensionOf(item.name)), isDir: false, contentUuid: null, error });
      problem(item, error);
    }
    for (const item of dirs) {
      upsert(item, existing.get(item.rel), { kind: "directory", isDir: true, contentUuid: null, error: item.error });
      if (item.error) problem(item, item.error);
      summary.directories += 1;
    }
    for (const row of gone) {
      if (moved.has(row.id)) continue;
      deleteEntryCascade(library, row.uuid);
      if (!row.is_dir) summary.deleted += 1;
    }
    markLocationIndexed(library, location.id);
  });

  if (options.media ?? true) {
    const counts = await processMedia(library, media, problem);
    summary.exif = counts.exif;
    summary.thumbnails = counts.thumbnails;
  }
  summary.ocr = await ocrImages(library, media, options.ocr ?? ((options.media ?? true) ? "documents" : false), problem);
  summary.durationMs = Math.round(performance.now() - started);
  return summary;
}
