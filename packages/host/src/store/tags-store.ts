/**
 * `tags` (one row per name, created on first use) and `tag_links` (a tag on a user_metadata row:
 * of content, of an entry or of a model). Call the writes inside the caller's transaction; they
 * do not stamp the user_metadata row (metadata-store.ts `touchMetadata`). A tag on content or on a
 * shared model is shared: adding and removing it stamps its sync row (`tag_link`, keyed by target
 * and tag name, since tag ids differ between libraries); a tag on an entry or a device-owned model
 * stays on this device.
 */
import type { Library } from "./library.js";
import { stampRow, syncKey } from "./sync-rows.js";
import { blobToUuid, newUuid, uuidToBlob } from "./uuid.js";

/** The shared thing a user_metadata row belongs to (content, or a shared model), if any. */
export function sharedTagTarget(library: Library, metadataId: number): { target: "content" | "model"; uuid: string } | null {
  const row = library
    .stmt("SELECT um.content_identity_uuid AS content, m.uuid AS model, m.sync_strategy AS sync FROM user_metadata um LEFT JOIN models m ON m.metadata_id = um.id WHERE um.id = ?")
    .get(metadataId) as { content: Buffer | null; model: Buffer | null; sync: number | null } | undefined;
  if (row?.content) return { target: "content", uuid: blobToUuid(row.content) };
  if (row?.model && row.sync === 1) return { target: "model", uuid: blobToUuid(row.model) };
  return null;
}

function stampLink(library: Library, metadataId: number, name: string, hlc: string, deleted: boolean): void {
  const shared = sharedTagTarget(library, metadataId);
  if (shared) stampRow(library, "tag_link", syncKey.tagLink(shared.target, shared.uuid, name), ["@"], hlc, deleted);
}

/** The id of the tag with this name, created if there is none. */
export function ensureTag(library: Library, name: string, now: string): number {
  library.stmt("INSERT INTO tags (uuid, name, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING").run(uuidToBlob(newUuid()), name, now);
  return (library.stmt("SELECT id FROM tags WHERE name = ?").get(name) as { id: number }).id;
}

/** Links the tag to a user_metadata row; false when it was linked already. */
export function linkTag(library: Library, tagId: number, metadataId: number, now: string): boolean {
  const hlc = library.hlc.now();
  const added = insertTagLink(library, tagId, metadataId, now, hlc);
  if (added) stampLink(library, metadataId, (library.stmt("SELECT name FROM tags WHERE id = ?").get(tagId) as { name: string }).name, hlc, false);
  return added;
}

/** The link row alone (what `linkTag` and an applied sync record share). */
export function insertTagLink(library: Library, tagId: number, metadataId: number, now: string, hlc: string): boolean {
  return library
    .stmt("INSERT INTO tag_links (tag_id, metadata_id, created_at, hlc_timestamp) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING")
    .run(tagId, metadataId, now, hlc).changes > 0;
}

/** Removes the tag named `name` from a user_metadata row; false when it was not there. */
export function unlinkTag(library: Library, metadataId: number, name: string): boolean {
  const removed = deleteTagLink(library, metadataId, name);
  if (removed) stampLink(library, metadataId, name, library.hlc.now(), true);
  return removed;
}

/** The link row alone (what `unlinkTag` and an applied sync record share). */
export function deleteTagLink(library: Library, metadataId: number, name: string): boolean {
  return library
    .stmt("DELETE FROM tag_links WHERE metadata_id = ? AND tag_id = (SELECT id FROM tags WHERE name = ?)")
    .run(metadataId, name).changes > 0;
}

/** The names of the tags on any of these user_metadata rows, each once, sorted. */
export function tagNamesOf(library: Library, metadataIds: readonly number[]): string[] {
  const rows = library
    .stmt("SELECT DISTINCT t.name FROM tag_links tl JOIN tags t ON t.id = tl.tag_id WHERE tl.metadata_id IN (SELECT value FROM json_each(?)) ORDER BY t.name")
    .all(JSON.stringify(metadataIds)) as Array<{ name: string }>;
  return rows.map((r) => r.name);
}
