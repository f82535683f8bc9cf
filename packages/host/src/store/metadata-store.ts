/**
 * `user_metadata`: the row tags, collections and custom metadata hang off. Content and entries get
 * one on first use (`ensureMetadataRow`); a model has its own from creation (models-store.ts).
 * `custom_data` is a JSON object with one key per extension. Writes stamp the HLC (sync needs the
 * HLC of every write); call them inside the caller's transaction.
 */
import type { Library } from "./library.js";
import { newUuid, uuidToBlob } from "./uuid.js";

/** What a content- or entry-scoped user_metadata row belongs to. */
export interface MetadataOwner {
  kind: "content" | "entry";
  /** The content's or entry's UUID. */
  uuid: Buffer;
}

const ownerColumn = (owner: MetadataOwner): string => (owner.kind === "content" ? "content_identity_uuid" : "entry_uuid");

/** The id of the content's or entry's user_metadata row, if it has one. */
export function metadataIdOf(library: Library, owner: MetadataOwner): number | undefined {
  const row = library.stmt(`SELECT id FROM user_metadata WHERE ${ownerColumn(owner)} = ?`).get(owner.uuid) as { id: number } | undefined;
  return row?.id;
}

/** Creates the content's or entry's user_metadata row (it has none yet); returns its id. */
export function insertMetadataRow(library: Library, owner: MetadataOwner): number {
  const now = new Date().toISOString();
  const result = library
    .stmt(`INSERT INTO user_metadata (uuid, ${ownerColumn(owner)}, custom_data, hlc_timestamp, created_at, updated_at) VALUES (?, ?, '{}', ?, ?, ?)`)
    .run(uuidToBlob(newUuid()), owner.uuid, library.hlc.now(), now, now);
  return Number(result.lastInsertRowid);
}

/** Stamps a user_metadata row as changed. */
export function touchMetadata(library: Library, metadataId: number): void {
  library.stmt("UPDATE user_metadata SET hlc_timestamp = ?, updated_at = ? WHERE id = ?").run(library.hlc.now(), new Date().toISOString(), metadataId);
}

/**
 * Sets the extension's key of a row's `custom_data` to the JSON text `dataJson`, or removes the key
 * when it is `null`; the other extensions' keys are untouched.
 */
export function setCustomData(library: Library, metadataId: number, extensionId: string, dataJson: string | null): void {
  // The extension id is a reverse-DNS name ([a-z0-9.-]), so the quoted JSON path is safe; it is bound anyway.
  const jsonPath = `$."${extensionId}"`;
  const now = new Date().toISOString();
  const hlc = library.hlc.now();
  if (dataJson === null) {
    library.stmt("UPDATE user_metadata SET custom_data = json_remove(custom_data, ?), hlc_timestamp = ?, updated_at = ? WHERE id = ?").run(jsonPath, hlc, now, metadataId);
  } else {
    library
      .stmt("UPDATE user_metadata SET custom_data = json_set(custom_data, ?, json(?)), hlc_timestamp = ?, updated_at = ? WHERE id = ?")
      .run(jsonPath, dataJson, hlc, now, metadataId);
  }
}

/** The id of the user_metadata row of the entry's content (whose tags the entry shows too), if any. */
export function contentMetadataIdOfEntry(library: Library, entryUuid: Buffer): number | undefined {
  const row = library
    .stmt("SELECT um.id FROM entries e JOIN user_metadata um ON um.content_identity_uuid = e.content_identity_uuid WHERE e.uuid = ?")
    .get(entryUuid) as { id: number } | undefined;
  return row?.id;
}
