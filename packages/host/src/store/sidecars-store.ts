/**
 * `sidecars`: derived data per (content, kind). These are the core's writes (the indexer's EXIF,
 * thumbnail and OCR sidecars, `written_by = 'core'`), each written once per content: an existing
 * sidecar of that kind is left as it is. (Extensions' sidecar ops are ops/sidecars.ts.)
 */
import type { Library } from "./library.js";

/** Whether the content has a sidecar of this kind (by any writer). */
export function hasSidecar(library: Library, contentUuid: Buffer, kind: string): boolean {
  return library.stmt("SELECT 1 FROM sidecars WHERE content_uuid = ? AND kind = ?").get(contentUuid, kind) !== undefined;
}

/** Writes a core sidecar unless one of that kind exists; stamped with the library clock. */
export function insertCoreSidecar(library: Library, contentUuid: Buffer, kind: string, dataJson: string, now: string): void {
  library
    .stmt(
      `INSERT INTO sidecars (content_uuid, kind, data, written_by, hlc_timestamp, created_at, updated_at) VALUES (?, ?, ?, 'core', ?, ?, ?)
       ON CONFLICT (content_uuid, kind) DO NOTHING`,
    )
    .run(contentUuid, kind, dataJson, library.hlc.now(), now, now);
}
