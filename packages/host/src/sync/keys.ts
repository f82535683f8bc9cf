/**
 * The composite keys of synced things, parsed back (store/sync-rows.ts `syncKey` builds them):
 * `c:<content uuid>:<tag>` / `m:<model uuid>:<tag>` for a tag, `<collection>:c|m:<uuid>` for a
 * collection item. UUIDs are 36 characters, so the parts need no escaping.
 */
export function parseTagLinkKey(key: string): { target: "content" | "model"; uuid: string; tag: string } | null {
  if (key.length < 40 || (key[0] !== "c" && key[0] !== "m") || key[1] !== ":" || key[38] !== ":") return null;
  return { target: key[0] === "c" ? "content" : "model", uuid: key.slice(2, 38), tag: key.slice(39) };
}

export function parseCollectionItemKey(key: string): { collection: string; kind: "content" | "model"; uuid: string } | null {
  if (key.length !== 75 || key[36] !== ":" || key[38] !== ":" || (key[37] !== "c" && key[37] !== "m")) return null;
  return { collection: key.slice(0, 36), kind: key[37] === "c" ? "content" : "model", uuid: key.slice(39) };
}
