/**
 * `sidecars`: derived data per (content, kind). The core's writes (the indexer's EXIF, thumbnail
 * and OCR sidecars, `written_by = 'core'`) happen once per content: an existing sidecar of that
 * kind is left as it is. An extension's writes (ops/sidecars.ts decides who may write what)
 * replace the data of its own sidecar.
 */
import type { Library } from "./library.js";

/** Writer of the sidecars the indexer produces (`sidecars.written_by`); extensions write with their id. */
export const CORE_WRITER = "core";

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

/** The content's sidecar of this kind (its JSON text and who wrote it), if any. */
export function sidecarOf(library: Library, contentUuid: Buffer, kind: string): { data: string; written_by: string } | undefined {
  return library.stmt("SELECT data, written_by FROM sidecars WHERE content_uuid = ? AND kind = ?").get(contentUuid, kind) as
    | { data: string; written_by: string }
    | undefined;
}

/** Who wrote the content's sidecar of this kind (`CORE_WRITER` or an extension id), if there is one. */
export function sidecarWriter(library: Library, contentUuid: Buffer, kind: string): string | undefined {
  const row = library.stmt("SELECT written_by FROM sidecars WHERE content_uuid = ? AND kind = ?").get(contentUuid, kind) as { written_by: string } | undefined;
  return row?.written_by;
}

/**
 * Writes `writer`'s sidecar, replacing its data if it exists (the caller checked that an existing
 * one is `writer`'s: the writer of a row is never changed); stamped with the library clock.
 */
export function writeSidecar(library: Library, contentUuid: Buffer, kind: string, dataJson: string, writer: string, now: string): void {
  library
    .stmt(
      `INSERT INTO sidecars (content_uuid, kind, data, written_by, hlc_timestamp, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (content_uuid, kind) DO UPDATE SET data = excluded.data, hlc_timestamp = excluded.hlc_timestamp, updated_at = excluded.updated_at`,
    )
    .run(contentUuid, kind, dataJson, writer, library.hlc.now(), now, now);
}
