/**
 * Read-only views of what extensions wrote (models and tags, with the paths of the files they are
 * on), for tools and test harnesses (`@sdx/testing`) that must not run SQL themselves. Paths are
 * relative to their location; a content's path is that of its first file.
 */
import type { Library } from "./library.js";
import { blobToUuid } from "./uuid.js";

export interface ModelView {
  uuid: string;
  extensionId: string;
  modelType: string;
  data: unknown;
  /** What the model is attached to: a content (by its UUID), an entry, or nothing. */
  scope: { content: string } | { entry: string } | "standalone";
  /** The file it is on (relative to its location), null for a standalone model. */
  path: string | null;
  tags: string[];
}

export interface TagView {
  tag: string;
  /** What carries the tag: an entry, a content, or a model (through its metadata). */
  on: "entry" | "content" | "model";
  uuid: string;
  /** The file (relative to its location), or for a model the file it is on; null otherwise. */
  path: string | null;
}

interface ModelRow {
  uuid: Buffer; extension_id: string; model_type: string; data: string; entry_uuid: Buffer | null; content_identity_uuid: Buffer | null; metadata_id: number;
}

function pathOf(library: Library, entry: Buffer | null, content: Buffer | null): string | null {
  if (entry) return (library.stmt("SELECT relative_path AS p FROM entries WHERE uuid = ?").get(entry) as { p: string } | undefined)?.p ?? null;
  if (content) return (library.stmt("SELECT relative_path AS p FROM entries WHERE content_identity_uuid = ? ORDER BY id LIMIT 1").get(content) as { p: string } | undefined)?.p ?? null;
  return null;
}

function tagsOf(library: Library, metadataId: number): string[] {
  return (library.stmt("SELECT t.name FROM tag_links l JOIN tags t ON t.id = l.tag_id WHERE l.metadata_id = ? ORDER BY t.name").all(metadataId) as Array<{ name: string }>).map((r) => r.name);
}

/** The models of an extension (of one type when given), oldest first. */
export function listModels(library: Library, extensionId: string, modelType?: string): ModelView[] {
  const rows = (modelType === undefined
    ? library.stmt("SELECT uuid, extension_id, model_type, data, entry_uuid, content_identity_uuid, metadata_id FROM models WHERE extension_id = ? ORDER BY id").all(extensionId)
    : library.stmt("SELECT uuid, extension_id, model_type, data, entry_uuid, content_identity_uuid, metadata_id FROM models WHERE extension_id = ? AND model_type = ? ORDER BY id").all(extensionId, modelType)) as ModelRow[];
  return rows.map((r) => ({
    uuid: blobToUuid(r.uuid),
    extensionId: r.extension_id,
    modelType: r.model_type,
    data: JSON.parse(r.data) as unknown,
    scope: r.content_identity_uuid ? { content: blobToUuid(r.content_identity_uuid) } : r.entry_uuid ? { entry: blobToUuid(r.entry_uuid) } : "standalone",
    path: pathOf(library, r.entry_uuid, r.content_identity_uuid),
    tags: tagsOf(library, r.metadata_id),
  }));
}

/** Every tag link in the library (of one tag when given), by tag then path. */
export function listTags(library: Library, tag?: string): TagView[] {
  const rows = library.stmt(`SELECT t.name AS tag, um.entry_uuid, um.content_identity_uuid, m.uuid AS model_uuid, m.entry_uuid AS m_entry, m.content_identity_uuid AS m_content
      FROM tag_links l JOIN tags t ON t.id = l.tag_id JOIN user_metadata um ON um.id = l.metadata_id
      LEFT JOIN models m ON m.metadata_id = um.id
      WHERE ? IS NULL OR t.name = ? ORDER BY t.name, l.rowid`).all(tag ?? null, tag ?? null) as Array<{
      tag: string; entry_uuid: Buffer | null; content_identity_uuid: Buffer | null; model_uuid: Buffer | null; m_entry: Buffer | null; m_content: Buffer | null;
    }>;
  return rows.map((r) => {
    if (r.model_uuid) return { tag: r.tag, on: "model" as const, uuid: blobToUuid(r.model_uuid), path: pathOf(library, r.m_entry, r.m_content) };
    if (r.entry_uuid) return { tag: r.tag, on: "entry" as const, uuid: blobToUuid(r.entry_uuid), path: pathOf(library, r.entry_uuid, null) };
    return { tag: r.tag, on: "content" as const, uuid: blobToUuid(r.content_identity_uuid!), path: pathOf(library, null, r.content_identity_uuid) };
  });
}
