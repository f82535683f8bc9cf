/**
 * Ed25519 signing keys of bundle authors, through node:crypto only (no crypto of our own).
 *
 * A private key is a PKCS #8 PEM file (`sdx keys generate <file>`), its public half an SPKI PEM
 * file (`<file>.pub`). Inside a bundle the public key travels as its 32 raw bytes (base64); a
 * key's fingerprint is `sha256:` and the hex SHA-256 of those bytes: what install binds an
 * extension id to, and what `sdx inspect` shows.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { sdxError } from "@sdx/sdk/protocol";

/** A key pair as the files `sdx keys generate` writes. */
export interface GeneratedKey {
  /** PKCS #8 PEM: the secret, for `sdx build --key`. */
  privateKeyPem: string;
  /** SPKI PEM: what may be published. */
  publicKeyPem: string;
  fingerprint: string;
}

export function generateSigningKey(): GeneratedKey {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  return {
    privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
    fingerprint: keyFingerprint(rawPublicKey(publicKey)),
  };
}

/**
 * The private key in `pem` (the text of a key file), or SDX2012 saying why it cannot sign: not a
 * key, a public key, or not Ed25519. `source` names the file in messages.
 */
export function loadSigningKey(pem: string, source: string): KeyObject {
  if (/-----BEGIN PUBLIC KEY-----/.test(pem)) {
    throw sdxError("SDX2012", `${source} is a public key; signing needs the private key file (the one without .pub)`);
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (error) {
    throw sdxError("SDX2012", `${source} is not a private key file (${(error as Error).message.replace(/^error:[^:]*:/, "").trim()})`);
  }
  if (key.asymmetricKeyType !== "ed25519") {
    throw sdxError("SDX2012", `${source} is a ${key.asymmetricKeyType ?? "symmetric"} key; sdx bundles are signed with Ed25519 keys (\`sdx keys generate\`)`);
  }
  return key;
}

/** The 32 raw bytes of an Ed25519 public key (of a private key: of its public half). */
export function rawPublicKey(key: KeyObject): Uint8Array {
  const publicKey = key.type === "private" ? createPublicKey(key) : key;
  const jwk = publicKey.export({ format: "jwk" }) as { x?: string };
  return new Uint8Array(Buffer.from(jwk.x ?? "", "base64url"));
}

/** An Ed25519 public key from its 32 raw bytes. Throws when they are not a public key. */
export function publicKeyFromRaw(raw: Uint8Array): KeyObject {
  if (raw.length !== 32) throw new RangeError(`an Ed25519 public key is 32 bytes, not ${raw.length}`);
  return createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: Buffer.from(raw).toString("base64url") }, format: "jwk" });
}

/** `sha256:<hex>` of the raw public key. */
export function keyFingerprint(raw: Uint8Array): string {
  return `sha256:${createHash("sha256").update(raw).digest("hex")}`;
}

/** The fingerprint of the public key in a `.pub` file (SPKI PEM) or of the public half of a private key file. */
export function fingerprintOfKeyFile(pem: string, source: string): string {
  try {
    const key = /-----BEGIN PUBLIC KEY-----/.test(pem) ? createPublicKey(pem) : loadSigningKey(pem, source);
    if (key.asymmetricKeyType !== "ed25519") throw new Error(`a ${key.asymmetricKeyType} key`);
    return keyFingerprint(rawPublicKey(key));
  } catch (error) {
    if ((error as { code?: string }).code === "SDX2012") throw error;
    throw sdxError("SDX2012", `${source} is not an Ed25519 key file (${(error as Error).message})`);
  }
}
