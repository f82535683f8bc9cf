/** Reading entries with their location, and their wire form (`EntryData`). */
import type { EntryData, EntryKind } from "@sdx/sdk";
import type { Library } from "./library.js";
import { blobToUuid } from "./uuid.js";
import { joinEntryPath } from "./paths.js";
import { deleteMetadataRow, deleteModel } from "./models-store.js";

export interface EntryRow {
  id: number;
  uuid: Buffer;
  location_id: number;
  relative_path: string;
  raw_path: Buffer | null;
  name: string;
  extension: string | null;
  kind: string;
  is_dir: number;
  size: number;
  modified_at: string | null;
  content_identity_uuid: Buffer | null;
  device_uuid: Buffer;
  error: string | null;
  loc_uuid: Buffer;
  loc_path: string;
  loc_device: Buffer;
}

export const ENTRY_COLUMNS = `e.id, e.uuid, e.location_id, e.relative_path, e.raw_path, e.name, e.extension, e.kind, e.is_dir,
  e.size, e.modified_at, e.content_identity_uuid, e.device_uuid, e.error,
  l.uuid AS loc_uuid, l.path AS loc_path, l.device_uuid AS loc_device`;

export function entryByUuid(library: Library, uuid: Buffer): EntryRow | undefined {
  return library
    .stmt(`SELECT ${ENTRY_COLUMNS} FROM entries e JOIN locations l ON l.id = e.location_id WHERE e.uuid = ?`)
    .get(uuid) as EntryRow | undefined;
}

export function entriesOfContent(library: Library, contentUuid: Buffer): EntryRow[] {
  return library
    .stmt(`SELECT ${ENTRY_COLUMNS} FROM entries e JOIN locations l ON l.id = e.location_id WHERE e.content_identity_uuid = ?`)
    .all(contentUuid) as EntryRow[];
}

/** Absolute path of an entry as indexed (the location root is canonical; the walk follows no symlinks). */
export function entryAbsolutePath(row: Pick<EntryRow, "loc_path" | "relative_path">): string {
  return joinEntryPath(row.loc_path, row.relative_path);
}

/** Wire form; `null` for rows without content (directories, files that failed), which the protocol cannot carry. */
export function toEntryData(row: EntryRow): EntryData | null {
  if (!row.content_identity_uuid) return null;
  return {
    uuid: blobToUuid(row.uuid),
    name: row.name,
    extension: row.extension,
    kind: row.kind as EntryKind,
    path: { device: blobToUuid(row.loc_device), path: entryAbsolutePath(row).split("\\").join("/") },
    locationUuid: blobToUuid(row.loc_uuid),
    size: row.size,
    contentUuid: blobToUuid(row.content_identity_uuid),
    modifiedAt: row.modified_at ?? "",
  };
}

/**
 * Deletes an entry and what only it owned: entry-scoped models (device-specific, tied to the
 * path), its user_metadata (tags), collection memberships. Content and content-scoped models
 * stay: they outlive every entry that pointed at them. Call inside a transaction.
 */
export function deleteEntryCascade(library: Library, entryUuid: Buffer): void {
  const models = library.stmt("SELECT uuid FROM models WHERE entry_uuid = ?").all(entryUuid) as Array<{ uuid: Buffer }>;
  for (const m of models) deleteModel(library, m.uuid);
  const meta = library.stmt("SELECT id FROM user_metadata WHERE entry_uuid = ?").get(entryUuid) as { id: number } | undefined;
  if (meta) deleteMetadataRow(library, meta.id);
  library.stmt("DELETE FROM collection_items WHERE entry_uuid = ?").run(entryUuid);
  library.stmt("DELETE FROM entries WHERE uuid = ?").run(entryUuid);
}
