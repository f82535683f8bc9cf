/**
 * Core's generic media work on indexed images: EXIF into an "exif" sidecar (exifr) and a
 * thumbnail under `<library>/thumbnails/<content uuid>.webp` with a "thumbnail" sidecar (sharp).
 * Both are per content, done once. Broken EXIF and undecodable (e.g. truncated) images are
 * reported to the caller as per-file errors; they never stop the run.
 */
import fs from "node:fs";
import path from "node:path";
import { loadExifr, loadSharp } from "../lazy-modules.js";
import { appendEntryError } from "../../store/entries-store.js";
import type { Library } from "../../store/library.js";
import { hasSidecar, insertCoreSidecar } from "../../store/sidecars-store.js";
import { uuidToBlob } from "../../store/uuid.js";

/** An image the indexer wrote: where to read it, the path its problems are reported under, its content and entry. */
export interface MediaJob {
  item: { abs: Buffer; rel: string };
  contentUuid: string;
  entryUuid: Buffer;
}

export const THUMBNAIL_SIZE = 256;

/** exifr options: raw tag values (dates stay "YYYY:MM:DD HH:MM:SS"), GPS as decimal latitude/longitude. */
const EXIF_OPTIONS = {
  gps: true, tiff: true, exif: true, ifd1: false, xmp: false, iptc: false, icc: false, jfif: false, ihdr: false,
  makerNote: false, userComment: false, reviveValues: false, translateValues: false, translateKeys: true, mergeOutput: true,
} as const;

/** JSON-safe copy of exifr output: binary values and non-finite numbers dropped. */
function jsonSafe(value: unknown, depth = 0): unknown {
  if (depth > 8) return undefined;
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.toISOString();
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return undefined;
  if (Array.isArray(value)) return value.length > 64 ? undefined : value.map((v) => jsonSafe(v, depth + 1) ?? null);
  if (typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const safe = jsonSafe(v, depth + 1);
      if (safe !== undefined) out[k] = safe;
    }
    return out;
  }
  return undefined;
}

/** libvips reports a chain of lines; the last one says what failed. */
function lastLine(message: string): string {
  return message.trim().split("\n").filter(Boolean).at(-1) ?? message;
}

export type MediaResult<T> = { ok: true; value: T } | { ok: false; error: string };

/** EXIF of an image, `null` when it has none. */
export async function readExif(bytes: Uint8Array): Promise<MediaResult<Record<string, unknown> | null>> {
  try {
    const exifr = await loadExifr();
    const raw: unknown = await exifr.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), EXIF_OPTIONS);
    if (!raw || typeof raw !== "object") return { ok: true, value: null };
    const value = jsonSafe(raw) as Record<string, unknown>;
    return { ok: true, value: Object.keys(value).length > 0 ? value : null };
  } catch (error) {
    return { ok: false, error: `exif: ${lastLine((error as Error).message)}` };
  }
}

export interface Thumbnail {
  /** Relative to the library directory. */
  path: string;
  width: number;
  height: number;
  format: "webp";
}

/** Writes the thumbnail under `<libraryDir>/thumbnails/`, which must exist (processMedia makes it once). */
export async function makeThumbnail(bytes: Uint8Array, libraryDir: string, contentUuid: string): Promise<MediaResult<Thumbnail>> {
  const relative = path.posix.join("thumbnails", `${contentUuid}.webp`);
  const target = path.join(libraryDir, relative);
  try {
    // failOn "truncated": a cut-off JPEG/PNG is an error rather than a half-grey thumbnail.
    const sharp = await loadSharp();
    const info = await sharp(bytes, { failOn: "truncated", limitInputPixels: 268_402_689 })
      .rotate()
      .resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: "inside", withoutEnlargement: true })
      .webp({ quality: 70 })
      .toFile(`${target}.tmp`);
    await fs.promises.rename(`${target}.tmp`, target);
    return { ok: true, value: { path: relative, width: info.width, height: info.height, format: "webp" } };
  } catch (error) {
    await fs.promises.rm(`${target}.tmp`, { force: true });
    return { ok: false, error: `thumbnail: ${lastLine((error as Error).message)}` };
  }
}

/** EXIF and thumbnails, once per content (`done`: contents already handled, kept across calls); failures become entry errors. */
export async function processMedia(
  library: Library,
  jobs: readonly MediaJob[],
  problem: (item: { rel: string }, error: string) => void,
  done = new Set<string>(),
): Promise<{ exif: number; thumbnails: number }> {
  const summary = { exif: 0, thumbnails: 0 };
  let thumbnailsDir: Promise<string | undefined> | null = null;
  for (const job of jobs) {
    if (done.has(job.contentUuid)) continue;
    done.add(job.contentUuid);
    const content = uuidToBlob(job.contentUuid);
    const needExif = !hasSidecar(library, content, "exif");
    const needThumb = !hasSidecar(library, content, "thumbnail");
    if (!needExif && !needThumb) continue;
    let bytes: Buffer;
    try {
      bytes = await fs.promises.readFile(job.item.abs);
    } catch (error) {
      problem(job.item, `unreadable: ${(error as Error).message}`);
      continue;
    }
    const errors: string[] = [];
    const now = new Date().toISOString();
    if (needExif) {
      const exif = await readExif(bytes);
      if (!exif.ok) errors.push(exif.error);
      else if (exif.value) {
        insertCoreSidecar(library, content, "exif", JSON.stringify(exif.value), now);
        summary.exif += 1;
      }
    }
    if (needThumb) {
      await (thumbnailsDir ??= fs.promises.mkdir(library.thumbnailsDir(), { recursive: true }));
      const thumb = await makeThumbnail(bytes, library.dir, job.contentUuid);
      if (!thumb.ok) errors.push(thumb.error);
      else {
        insertCoreSidecar(library, content, "thumbnail", JSON.stringify(thumb.value), now);
        summary.thumbnails += 1;
      }
    }
    for (const error of errors) {
      appendEntryError(library, job.entryUuid, error);
      problem(job.item, error);
    }
  }
  return summary;
}
