/** The hash that keys task results and job writes: SHA-256 over a value's wire form (JSON + attachments). */
import { createHash } from "node:crypto";
import { encodeMessage } from "@sdx/sdk/protocol";
import { sha256 } from "../store/digest.js";

export function hashArgs(args: unknown[]): string {
  const message = encodeMessage(args);
  if (message.buffers.length === 0) return sha256(message.json).toString("hex");
  const hash = createHash("sha256").update(message.json);
  for (const buffer of message.buffers) hash.update(new Uint8Array(buffer));
  return hash.digest("hex");
}
