/**
 * SHA-256 for the hot paths (a job write's key and UUID, a content-scoped model's UUID): Node's
 * one-shot `crypto.hash` (Node ≥ 20.12) costs a third of `createHash(…).update(…).digest()`, which
 * older Node 20 releases fall back to.
 */
import * as crypto from "node:crypto";

type OneShot = (algorithm: string, data: string, encoding: "buffer") => Buffer;
const oneShot = (crypto as unknown as { hash?: OneShot }).hash;

/** The SHA-256 digest of a UTF-8 string. */
export function sha256(text: string): Buffer {
  return oneShot ? oneShot("sha256", text, "buffer") : crypto.createHash("sha256").update(text).digest();
}
