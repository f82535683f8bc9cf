/**
 * The shape of what an action's preview step returns (`ActionPreview` in @sdx/sdk), checked by
 * the host before anything is shown to the user or stored: an action whose preview does not
 * parse fails with SDX3002 and every problem located by path.
 */
import { z } from "zod";
import type { ActionChange, ActionPreview } from "@sdx/sdk";
import { sdxError } from "../errors.js";

const uuid = z.string().min(1).max(64);
const ref = z.union([z.object({ content: uuid }).strict(), z.object({ entry: uuid }).strict(), z.object({ model: uuid }).strict()]);
const scope = z.union([z.object({ content: uuid }).strict(), z.object({ entry: uuid }).strict(), z.object({ standalone: z.literal(true) }).strict()]);
const tag = z.string().min(1).max(256);
const sdPath = z.object({ device: uuid, path: z.string().min(1) }).strict();
const description = z.string().optional();

const change = z.discriminatedUnion("type", [
  z.object({ type: z.literal("add_tag"), target: ref, tag, description }).strict(),
  z.object({ type: z.literal("remove_tag"), target: ref, tag, description }).strict(),
  z.object({ type: z.literal("create_collection"), name: z.string().min(1), items: z.array(ref), description }).strict(),
  z.object({ type: z.literal("add_to_collection"), collection: uuid, items: z.array(ref), description }).strict(),
  z.object({ type: z.literal("create_model"), modelType: z.string().min(1), scope, data: z.record(z.string(), z.unknown()), description }).strict(),
  z.object({ type: z.literal("delete_model"), modelType: z.string().min(1), uuid, description }).strict(),
  z.object({ type: z.literal("move_file"), entry: uuid, from: sdPath, to: sdPath, description }).strict(),
  z.object({ type: z.literal("create_directory"), path: sdPath, description }).strict(),
  z.object({ type: z.literal("write_file"), path: sdPath, size: z.number().int().positive(), sha256: z.string().regex(/^[0-9a-f]{64}$/), description }).strict(),
]);

const preview = z.object({ title: z.string(), changes: z.array(change), reversible: z.boolean() }).strict();

export function parsePreview(value: unknown, action: string): ActionPreview {
  const parsed = preview.safeParse(value);
  if (parsed.success) return parsed.data as ActionPreview;
  const detail = parsed.error.issues.map((i) => `${i.path.map(String).join(".") || "(root)"}: ${i.message}`).join("; ");
  throw sdxError("SDX3002", `the preview of ${action} is not an ActionPreview { title, changes, reversible }: ${detail}`);
}

/** A one-line description of a change (CLI tables, audit). */
export function describeChange(c: ActionChange): { type: string; target: string; detail: string } {
  const refText = (r: object) => Object.entries(r).map(([k, v]) => `${k} ${String(v)}`).join("");
  switch (c.type) {
    case "add_tag":
    case "remove_tag":
      return { type: c.type, target: refText(c.target), detail: c.tag };
    case "create_collection":
      return { type: c.type, target: c.name, detail: `${c.items.length} item${c.items.length === 1 ? "" : "s"}` };
    case "add_to_collection":
      return { type: c.type, target: `collection ${c.collection}`, detail: `${c.items.length} item${c.items.length === 1 ? "" : "s"}` };
    case "create_model":
      return { type: c.type, target: `${c.modelType} (${"standalone" in c.scope ? "standalone" : refText(c.scope)})`, detail: JSON.stringify(c.data) };
    case "delete_model":
      return { type: c.type, target: `${c.modelType} ${c.uuid}`, detail: "" };
    case "move_file":
      return { type: c.type, target: c.from.path, detail: `→ ${c.to.path}` };
    case "create_directory":
      return { type: c.type, target: c.path.path, detail: "" };
    case "write_file":
      return { type: c.type, target: c.path.path, detail: `${c.size} bytes, sha256 ${c.sha256.slice(0, 12)}…` };
  }
}
