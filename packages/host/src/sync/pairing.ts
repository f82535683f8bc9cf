/**
 * Pairing two devices once (docs/devices.md#pairing): the device that serves makes a one-time token
 * (10 minutes); the other proves it knows the token without sending it (an HMAC over its device
 * and public key, keyed by the token's SHA-256), and the server proves the same back over its own
 * device and the client's nonce. Each then stores the other's public key: from then on requests
 * are signed with the device keys (auth.ts), and the token is spent.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { sdxError } from "../errors.js";
import type { Library } from "../store/library.js";
import { addPairingToken, livePairingTokens, upsertPeer, upsertRemoteDevice, usePairingToken } from "../store/sync-peers.js";
import type { PairingDevice } from "./wire.js";

export const PAIRING_TOKEN_TTL_MS = 10 * 60_000;

const tokenKey = (token: string) => createHash("sha256").update(`sdx-pairing-token\n${token}`).digest("hex");

/** A new one-time token (what `sdx devices pair --token` takes), valid for `ttlMs`. */
export function createPairingToken(library: Library, ttlMs = PAIRING_TOKEN_TTL_MS): { token: string; expiresAt: string } {
  const token = randomBytes(18).toString("base64url");
  const now = Date.now();
  const expiresAt = new Date(now + ttlMs).toISOString();
  addPairingToken(library, tokenKey(token), new Date(now).toISOString(), expiresAt);
  return { token, expiresAt };
}

/** The proof of knowing the token, for one side's device and the client's nonce. */
export function pairingProof(keyHex: string, role: "client" | "server", device: PairingDevice, nonce: string): string {
  return createHmac("sha256", Buffer.from(keyHex, "hex")).update(`sdx-pair-v1\n${role}\n${device.uuid}\n${device.publicKey}\n${nonce}`).digest("hex");
}

export function clientProof(token: string, device: PairingDevice, nonce: string): string {
  return pairingProof(tokenKey(token), "client", device, nonce);
}

export function serverProofMatches(token: string, device: PairingDevice, nonce: string, proof: string): boolean {
  return equalHex(pairingProof(tokenKey(token), "server", device, nonce), proof);
}

function equalHex(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a, "hex"), Buffer.from(b, "hex"));
}

const refusedPairing = (message: string) => sdxError("SDX3047", message);

/**
 * The server's side: finds the live token the client's proof was made with, spends it, records the
 * client as a peer; returns the key to prove the server's side with.
 */
export function acceptPairing(library: Library, request: { device: PairingDevice; url: string | null; nonce: string; proof: string }): string {
  if (request.device.uuid === library.deviceUuid) throw refusedPairing("a device cannot pair with itself");
  const now = new Date().toISOString();
  const key = livePairingTokens(library, now).find((k) => equalHex(pairingProof(k, "client", request.device, request.nonce), request.proof));
  if (!key) throw refusedPairing("no valid pairing token matches: it is wrong, expired or used");
  library.transaction(() => {
    if (!usePairingToken(library, key, request.device.uuid)) throw refusedPairing("the pairing token was used meanwhile");
    recordPeer(library, request.device, request.url, now);
  });
  return key;
}

/** Stores a paired device: its report and its key (and where it listens, if it does). */
export function recordPeer(library: Library, device: PairingDevice, url: string | null, now = new Date().toISOString()): void {
  library.transaction(() => {
    upsertRemoteDevice(library, { uuid: device.uuid, name: device.name, capabilities: device.capabilities, info: device.info, updatedAt: now });
    upsertPeer(library, { uuid: device.uuid, publicKey: device.publicKey, url, pairedAt: now });
  });
}
