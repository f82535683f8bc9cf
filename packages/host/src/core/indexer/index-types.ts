/** What indexing takes and reports (indexer.ts runs it, index-run.ts fills the summary). */
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
