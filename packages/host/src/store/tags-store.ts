/**
 * `tags` (one row per name, created on first use) and `tag_links` (a tag on a user_metadata row:
 * of content, of an entry or of a model). Call the writes inside the caller's transaction; they
 * do not stamp the user_metadata row (metadata-store.ts `touchMetadata`).
 */
import type { Library } from "./library.js";
import { newUuid, uuidToBlob } from "./uuid.js";

/** The id of the tag with this name, created if there is none. */
export function ensureTag(library: Library, name: string, now: string): number {
  library.stmt("INSERT INTO tags (uuid, name, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING").run(uuidToBlob(newUuid()), name, now);
  return (library.stmt("SELECT id FROM tags WHERE name = ?").get(name) as { id: number }).id;
}

/** Links the tag to a user_metadata row; false when it was linked already. */
export function linkTag(library: Library, tagId: number, metadataId: number, now: string): boolean {
  const added = library
    .stmt("INSERT INTO tag_links (tag_id, metadata_id, created_at, hlc_timestamp) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING")
    .run(tagId, metadataId, now, library.hlc.now()).changes;
  return added > 0;
}

/** Removes the tag named `name` from a user_metadata row; false when it was not there. */
export function unlinkTag(library: Library, metadataId: number, name: string): boolean {
  const removed = library
    .stmt("DELETE FROM tag_links WHERE metadata_id = ? AND tag_id = (SELECT id FROM tags WHERE name = ?)")
    .run(metadataId, name).changes;
  return removed > 0;
}

/** The names of the tags on any of these user_metadata rows, each once, sorted. */
export function tagNamesOf(library: Library, metadataIds: readonly number[]): string[] {
  const rows = library
    .stmt("SELECT DISTINCT t.name FROM tag_links tl JOIN tags t ON t.id = tl.tag_id WHERE tl.metadata_id IN (SELECT value FROM json_each(?)) ORDER BY t.name")
    .all(JSON.stringify(metadataIds)) as Array<{ name: string }>;
  return rows.map((r) => r.name);
}
