/**
 * The `sdx.signature` section: who built a bundle. It follows `sdx.integrity` and is the last
 * section of a signed bundle:
 *
 *   { "format": 1, "algorithm": "ed25519", "publicKey": "<32 bytes, base64>",
 *     "signed": "<BLAKE3 of every byte before this section>", "signature": "<64 bytes, base64>" }
 *
 * The signed message is `sdx-bundle-signature-v1\n` followed by the `signed` hash: every byte
 * before the section, so the code, every section and the integrity record. Since the integrity
 * record is itself checked against the bytes, one signature over it covers the whole bundle.
 * Ed25519 signatures are deterministic: the same key and sources give the same bundle.
 *
 * Format 2 adds `"endorsements"`: key rotation statements (`KeyRotation`), each signed by an old
 * key, handing the extension ids it names to a new key. They travel outside what the bundle
 * signature covers and need not: each is signed on its own, and one only ever says something true
 * ("key A passed these ids to key B"). Which chain of them counts is the installing host's
 * decision (the id's bound key to the signer). A bundle without endorsements stays format 1.
 *
 * Input: bundle bytes. Output: a signed bundle, or the verified signer. Must not: decide whether a
 * signer is trusted (install binds extension ids to keys; see the host's extensions/install.ts).
 * @see docs/bundle-format.md#signature
 */
import { sign, verify, type KeyObject } from "node:crypto";
import { blake3 } from "./blake3.js";
import { sdxError } from "@sdx/sdk/protocol";
import { encodeCustomSection, readSections, type WasmSection } from "./wasm-sections.js";
import { keyFingerprint, publicKeyFromRaw, rawPublicKey } from "./signing-keys.js";

export const SIGNATURE_SECTION = "sdx.signature";
/** The format of a signature without endorsements; with them it is `ENDORSED_SIGNATURE_FORMAT`. */
export const SIGNATURE_FORMAT = 1;
export const ENDORSED_SIGNATURE_FORMAT = 2;
const DOMAIN = "sdx-bundle-signature-v1\n";
const ROTATION_DOMAIN = "sdx-key-rotation-v1\n";
/** More than this many statements in one bundle is refused (a chain longer than any real history). */
const MAX_ENDORSEMENTS = 32;

/**
 * A key rotation statement: the key `from` hands the extension ids `ids` to the key `to` (both raw
 * Ed25519 public keys in base64); `signature` is `from`'s over `sdx-key-rotation-v1\n` and the
 * statement's JSON `{"from","to","ids"}`.
 */
export interface KeyRotation {
  from: string;
  to: string;
  ids: string[];
  signature: string;
}

/** A verified rotation statement, by fingerprints. */
export interface VerifiedRotation {
  from: string;
  to: string;
  ids: string[];
}

interface SignatureRecord {
  format: number;
  algorithm: "ed25519";
  publicKey: string;
  signed: string;
  signature: string;
  endorsements?: KeyRotation[];
}

/** A verified signature: who signed the bundle. */
export interface BundleSignature {
  algorithm: "ed25519";
  /** The signer's public key, 32 raw bytes in base64. */
  publicKey: string;
  /** `sha256:<hex>` of the public key: what an extension id is bound to. */
  fingerprint: string;
  /** BLAKE3 of the signed bytes (the bundle without its signature section). */
  signedHash: string;
  /** The key rotation statements the bundle carries, each verified (format 2; empty otherwise). */
  endorsements: VerifiedRotation[];
}

function message(hash: string): Buffer {
  return Buffer.from(DOMAIN + hash, "utf8");
}

function rotationRecord(r: KeyRotation): KeyRotation {
  return { from: r.from, to: r.to, ids: r.ids, signature: r.signature };
}

function record(fields: SignatureRecord): string {
  // Fixed key order: the section is compared byte for byte with what these fields encode to.
  const base = { format: fields.format, algorithm: fields.algorithm, publicKey: fields.publicKey, signed: fields.signed, signature: fields.signature };
  return JSON.stringify(fields.endorsements === undefined ? base : { ...base, endorsements: fields.endorsements.map(rotationRecord) });
}

function rotationMessage(r: Pick<KeyRotation, "from" | "to" | "ids">): Buffer {
  return Buffer.from(ROTATION_DOMAIN + JSON.stringify({ from: r.from, to: r.to, ids: r.ids }), "utf8");
}

/** `old` hands `ids` to the key whose public half is `next` (`sdx keys rotate`). */
export function signRotation(old: KeyObject, next: KeyObject, ids: readonly string[]): KeyRotation {
  if (old.type !== "private" || old.asymmetricKeyType !== "ed25519") throw sdxError("SDX2012", "a rotation is signed with the old Ed25519 private key");
  const statement = {
    from: Buffer.from(rawPublicKey(old)).toString("base64"),
    to: Buffer.from(rawPublicKey(next)).toString("base64"),
    ids: [...new Set(ids)].sort(),
  };
  if (statement.ids.length === 0) throw sdxError("SDX2012", "a rotation names the extension ids it hands over");
  if (statement.from === statement.to) throw sdxError("SDX2012", "a rotation hands ids to another key, not to the same one");
  return { ...statement, signature: sign(null, rotationMessage(statement), old).toString("base64") };
}

/** Checks one statement's shape and signature (SDX2010 when it does not hold); fingerprints out. */
export function verifyRotation(r: KeyRotation): VerifiedRotation {
  const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === "string");
  if (r === null || typeof r !== "object" || typeof r.from !== "string" || typeof r.to !== "string" || !strings(r.ids) || typeof r.signature !== "string") {
    throw invalid("a key rotation statement is malformed");
  }
  const from = new Uint8Array(Buffer.from(r.from, "base64"));
  const to = new Uint8Array(Buffer.from(r.to, "base64"));
  const signature = Buffer.from(r.signature, "base64");
  if (Buffer.from(from).toString("base64") !== r.from || Buffer.from(to).toString("base64") !== r.to || signature.toString("base64") !== r.signature) {
    throw invalid("a key rotation statement is malformed");
  }
  let fromKey: KeyObject;
  try {
    fromKey = publicKeyFromRaw(from);
    publicKeyFromRaw(to);
  } catch (error) {
    throw invalid(`a key rotation statement names a key that is not an Ed25519 key (${(error as Error).message})`);
  }
  if (signature.length !== 64 || !verify(null, rotationMessage(r), fromKey, signature)) {
    throw invalid(`a key rotation statement is not signed by the key it hands over from (${keyFingerprint(from)})`);
  }
  return { from: keyFingerprint(from), to: keyFingerprint(to), ids: [...r.ids] };
}

/** The bytes before a trailing signature section (the bundle itself when it is unsigned). */
export function withoutSignature(bytes: Uint8Array, sections: readonly WasmSection[] = readSections(bytes)): Uint8Array {
  const last = sections.at(-1);
  return last?.name === SIGNATURE_SECTION ? bytes.subarray(0, last.start) : bytes;
}

/**
 * Signs a bundle with an Ed25519 private key: appends `sdx.signature` after `sdx.integrity`,
 * replacing the signature it had (re-signing is how a bundle changes signer).
 */
export async function signBundle(bytes: Uint8Array, privateKey: KeyObject, endorsements: readonly KeyRotation[] = []): Promise<Uint8Array> {
  const sections = readSections(bytes);
  const body = withoutSignature(bytes, sections);
  const integrity = sections.filter((s) => s.end <= body.length).at(-1);
  if (integrity?.name !== "sdx.integrity") throw sdxError("SDX2004", "not an sdx bundle: only a bundle ending with sdx.integrity can be signed");
  if (privateKey.type !== "private" || privateKey.asymmetricKeyType !== "ed25519") {
    throw sdxError("SDX2012", "bundles are signed with an Ed25519 private key");
  }
  for (const rotation of endorsements) verifyRotation(rotation);
  if (endorsements.length > MAX_ENDORSEMENTS) throw sdxError("SDX2012", `at most ${MAX_ENDORSEMENTS} key rotation statements go into a bundle`);
  const signed = await blake3(body);
  const payload = record({
    format: endorsements.length > 0 ? ENDORSED_SIGNATURE_FORMAT : SIGNATURE_FORMAT,
    algorithm: "ed25519",
    publicKey: Buffer.from(rawPublicKey(privateKey)).toString("base64"),
    signed,
    signature: sign(null, message(signed), privateKey).toString("base64"),
    ...(endorsements.length > 0 ? { endorsements: [...endorsements] } : {}),
  });
  const section = encodeCustomSection(SIGNATURE_SECTION, new TextEncoder().encode(payload));
  const out = new Uint8Array(body.length + section.length);
  out.set(body, 0);
  out.set(section, body.length);
  return out;
}

function invalid(why: string): Error {
  return sdxError("SDX2010", `bundle signature is invalid: ${why}`);
}

/**
 * Verifies the signature section `section` of `bytes` (SDX2010 when it does not hold): its record
 * is exactly what its fields encode to, it signs every byte before it, and the signature holds
 * for its public key.
 */
export async function verifySignature(bytes: Uint8Array, section: WasmSection): Promise<BundleSignature> {
  let parsed: SignatureRecord;
  const text = new TextDecoder().decode(section.payload);
  try {
    parsed = JSON.parse(text) as SignatureRecord;
  } catch {
    throw invalid("the sdx.signature section is not valid JSON");
  }
  if ((parsed?.format !== SIGNATURE_FORMAT && parsed?.format !== ENDORSED_SIGNATURE_FORMAT) || parsed.algorithm !== "ed25519") {
    throw invalid(`unsupported signature format ${String(parsed?.format)}/${String(parsed?.algorithm)}`);
  }
  // Format 1 has no endorsements; format 2 has at least one.
  const endorsed = parsed.format === ENDORSED_SIGNATURE_FORMAT;
  if (endorsed !== (parsed.endorsements !== undefined) || (endorsed && (!Array.isArray(parsed.endorsements) || parsed.endorsements.length === 0 || parsed.endorsements.length > MAX_ENDORSEMENTS))) {
    throw invalid("the sdx.signature record is malformed");
  }
  const endorsements = (parsed.endorsements ?? []).map((r) => verifyRotation(r));
  if (typeof parsed.publicKey !== "string" || typeof parsed.signed !== "string" || typeof parsed.signature !== "string" || record(parsed) !== text) {
    throw invalid("the sdx.signature record is malformed");
  }
  const raw = new Uint8Array(Buffer.from(parsed.publicKey, "base64"));
  const signature = Buffer.from(parsed.signature, "base64");
  // Node's base64 decoder skips what it does not understand: only the canonical encoding is accepted.
  if (Buffer.from(raw).toString("base64") !== parsed.publicKey || signature.toString("base64") !== parsed.signature) {
    throw invalid("the sdx.signature record is malformed");
  }
  let publicKey: KeyObject;
  try {
    publicKey = publicKeyFromRaw(raw);
  } catch (error) {
    throw invalid(`its public key is not an Ed25519 key (${(error as Error).message})`);
  }
  const actual = await blake3(bytes.subarray(0, section.start));
  if (actual !== parsed.signed) throw invalid("the bundle was changed after it was signed");
  if (signature.length !== 64 || !verify(null, message(actual), publicKey, signature)) {
    throw invalid("the signature does not match the bundle and the key it names");
  }
  return { algorithm: "ed25519", publicKey: parsed.publicKey, fingerprint: keyFingerprint(raw), signedHash: actual, endorsements };
}
