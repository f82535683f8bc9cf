/**
 * UUIDs: 16-byte BLOBs in SQLite, lower-case hyphenated strings on the wire.
 *
 * Content identities get a deterministic UUID so every device derives the same one for the same
 * bytes (the spec's "shared via deterministic UUID"): the first 16 bytes of
 * BLAKE3("sdx:content-identity:v1\0" + hash_kind + "\0" + content_hash), stamped as an RFC 9562
 * UUIDv8 (version nibble 8, variant 10). v8 is the RFC's slot for custom, hash-based UUIDs; v5
 * would tie us to SHA-1.
 */
import { randomFillSync, randomUUID } from "node:crypto";
import { sha256 } from "./digest.js";
import { createBLAKE3, type IHasher } from "hash-wasm";
import { validationFailed } from "./errors.js";

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function isUuid(value: string): boolean {
  return UUID_RE.test(value.toLowerCase());
}

/** String → 16-byte Buffer. Throws SDX3002 on a malformed UUID (it came from the guest). */
export function uuidToBlob(uuid: string): Buffer {
  const lower = uuid.toLowerCase();
  if (!UUID_RE.test(lower)) throw validationFailed(`not a UUID: ${JSON.stringify(uuid.slice(0, 64))}`);
  return Buffer.from(lower.replace(/-/g, ""), "hex");
}

/** 16-byte BLOB → string. */
export function blobToUuid(blob: Uint8Array): string {
  return hexToUuid(Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength).toString("hex"));
}

/** 32 lower-case hex digits → the hyphenated string. */
export function hexToUuid(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export function newUuid(): string {
  return randomUUID();
}

/** The deterministic content UUID as a blob, with `blake3` (a BLAKE3 hasher, reset here): synchronous, for the indexer's loop. */
export function contentUuidBlob(blake3: IHasher, hashKind: string, contentHash: string): Buffer {
  blake3.init();
  blake3.update(`sdx:content-identity:v1\0${hashKind}\0${contentHash}`);
  const bytes = Buffer.from(blake3.digest("binary").subarray(0, 16));
  bytes[6] = (bytes[6] & 0x0f) | 0x80;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  return bytes;
}

let shared: Promise<IHasher> | null = null;

/** The deterministic content UUID (see the header). */
export async function contentUuidFor(hashKind: string, contentHash: string): Promise<string> {
  // One hasher for every call: contentUuidBlob uses it without awaiting, so calls cannot interleave.
  return blobToUuid(contentUuidBlob(await (shared ??= createBLAKE3()), hashKind, contentHash));
}

let randomPool = Buffer.alloc(0);
let randomOffset = 0;

/** A random (v4) UUID as a blob, without the string round trip of `uuidToBlob(newUuid())` (the indexer makes one per entry). */
export function newUuidBlob(): Buffer {
  if (randomOffset + 16 > randomPool.length) {
    randomPool = randomFillSync(Buffer.allocUnsafe(4096));
    randomOffset = 0;
  }
  const bytes = Buffer.from(randomPool.subarray(randomOffset, (randomOffset += 16)));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  return bytes;
}

/**
 * The UUID of an extension's content-scoped model of a type on this content: derived, so two
 * devices that analyse the same file before they ever sync create the same model (its fields
 * then merge) instead of two that collide on the one-model-per-content rule.
 */
export function contentModelUuid(extensionId: string, modelType: string, contentUuid: string): string {
  const bytes = sha256(`sdx:content-model:v1\0${extensionId}\0${modelType}\0${contentUuid.toLowerCase()}`).subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x80;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  return blobToUuid(bytes);
}
