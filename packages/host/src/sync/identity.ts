/**
 * A library's device key: an Ed25519 key pair in `<library>/device.key` (PKCS#8 PEM, readable by
 * its owner only), made on first use. Peers know each other by their public keys, exchanged once
 * at pairing; every request and every answer between them is signed with it (auth.ts).
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const DEVICE_KEY_FILE = "device.key";

export interface DeviceIdentity {
  readonly deviceUuid: string;
  /** SPKI DER, base64: what peers store. */
  readonly publicKey: string;
  sign(data: Buffer): string;
}

function identityOf(deviceUuid: string, privateKey: KeyObject): DeviceIdentity {
  const publicKey = createPublicKey(privateKey).export({ type: "spki", format: "der" }).toString("base64");
  return { deviceUuid, publicKey, sign: (data) => sign(null, data, privateKey).toString("base64") };
}

/** The library's identity, creating its key on first use (two processes racing agree on the first file). */
export function loadIdentity(libraryDir: string, deviceUuid: string): DeviceIdentity {
  const file = join(libraryDir, DEVICE_KEY_FILE);
  try {
    return identityOf(deviceUuid, createPrivateKey(readFileSync(file, "utf8")));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const { privateKey } = generateKeyPairSync("ed25519");
  try {
    writeFileSync(file, privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600, flag: "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    return identityOf(deviceUuid, createPrivateKey(readFileSync(file, "utf8")));
  }
  return identityOf(deviceUuid, privateKey);
}

/** Whether `signature` is `publicKey`'s signature of `data`. */
export function verifySignature(publicKey: string, data: Buffer, signature: string): boolean {
  try {
    const key = createPublicKey({ key: Buffer.from(publicKey, "base64"), format: "der", type: "spki" });
    return verify(null, data, key, Buffer.from(signature, "base64"));
  } catch {
    return false;
  }
}
