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
 * Images get EXIF and thumbnail sidecars (media.ts), and document images an OCR sidecar
 * (ocr-step.ts).
 *
 * Memory stays flat in the number of files: the walk streams (walk.ts), each file's existing row is
 * looked up by path when it is met (store/location-index.ts), rows are written in transactions of
 * `INDEX_BATCH` entries and images get their media work after their batch commits. Files are
 * read and hashed on a reader thread (hash-pool.ts) while the main thread walks and writes. What a run keeps
 * is a bit per existing row (seen, moved) and the new files that may be moves, until the walk
 * is over and the rows that are gone are known (index-run.ts).
 */
import fs from "node:fs";
import { canonicalPath } from "../../store/paths.js";
import { sdxError } from "../../store/errors.js";
import type { Library } from "../../store/library.js";
import { IndexRun } from "./index-run.js";

/** Entries written per transaction (a crash loses at most the batch being written; a re-run picks up the rest). */
export const INDEX_BATCH = 1000;

export interface IndexProgress {
  /** Files hashed so far. */
  done: number;
  /** Files to hash found so far (the walk streams, so this grows until it is over). */
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

export async function indexLocation(library: Library, dir: string, options: IndexOptions = {}): Promise<IndexSummary> {
  const started = performance.now();
  const root = canonicalPath(dir);
  const rootStat = await fs.promises.stat(root).catch(() => null);
  if (!rootStat?.isDirectory()) throw sdxError("SDX3012", `cannot index ${dir}: not a directory`);
  const run = await IndexRun.start(library, root, options, INDEX_BATCH);
  try {
    await run.walk();
    await run.finish();
  } finally {
    await run.close();
  }
  return { ...run.summary, durationMs: Math.round(performance.now() - started) };
}
