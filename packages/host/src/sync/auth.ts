/**
 * Signed requests between paired devices (docs/devices.md#security). Every request but pairing
 * carries the sender's device, the receiver's device, the time, a random nonce and an Ed25519
 * signature over those and the SHA-256 of the method, path and body; every answer is signed over
 * the request's nonce, the status and the body. So a peer knows who asks, the asker knows who
 * answered and that the answer is to its own request, nothing can be changed on the way, and a
 * request cannot be replayed (nonces are remembered while their time is valid) nor sent to
 * another device. A request more than 5 minutes off this device's clock is refused.
 */
import { createHash, randomBytes } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { sdxError, type SdxError } from "../errors.js";
import { MAX_CLOCK_DRIFT_MS } from "../store/hlc.js";
import { verifySignature, type DeviceIdentity } from "./identity.js";

export const HEADER = {
  device: "sdx-device",
  to: "sdx-to",
  time: "sdx-time",
  nonce: "sdx-nonce",
  signature: "sdx-signature",
} as const;

const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");

function requestText(method: string, path: string, from: string, to: string, time: string, nonce: string, body: Buffer): Buffer {
  return Buffer.from(`sdx-request-v1\n${method}\n${path}\n${from}\n${to}\n${time}\n${nonce}\n${sha256(body)}`);
}

function responseText(nonce: string, status: number, body: Buffer): Buffer {
  return Buffer.from(`sdx-response-v1\n${nonce}\n${status}\n${sha256(body)}`);
}

export function notAuthenticated(message: string): SdxError {
  return sdxError("SDX3046", message);
}

/** Headers of a signed request from `identity` to device `to`. */
export function signRequest(identity: DeviceIdentity, to: string, method: string, path: string, body: Buffer, now = Date.now()): Record<string, string> {
  const time = String(now);
  const nonce = randomBytes(16).toString("hex");
  return {
    [HEADER.device]: identity.deviceUuid, [HEADER.to]: to, [HEADER.time]: time, [HEADER.nonce]: nonce,
    [HEADER.signature]: identity.sign(requestText(method, path, identity.deviceUuid, to, time, nonce, body)),
  };
}

export function signResponse(identity: DeviceIdentity, nonce: string, status: number, body: Buffer): string {
  return identity.sign(responseText(nonce, status, body));
}

export function responseSigned(publicKey: string, nonce: string, status: number, body: Buffer, signature: string | undefined): boolean {
  return signature !== undefined && verifySignature(publicKey, responseText(nonce, status, body), signature);
}

/** Nonces seen while their request's time is valid (after that the time check refuses a replay). */
export class NonceCache {
  private readonly seen = new Map<string, number>();

  /** Records a nonce; false when it was seen already. */
  add(nonce: string, now = Date.now()): boolean {
    if (this.seen.size > 10_000) for (const [n, until] of this.seen) if (until < now) this.seen.delete(n);
    if (this.seen.has(nonce)) return false;
    this.seen.set(nonce, now + 2 * MAX_CLOCK_DRIFT_MS);
    return true;
  }
}

const header = (headers: IncomingHttpHeaders, name: string) => {
  const value = headers[name];
  return typeof value === "string" ? value : undefined;
};

/**
 * Checks a request's signature; returns the sending device. `publicKeyOf` gives the key of a paired
 * device (undefined for any other). Throws SDX3046 saying what was wrong.
 */
export function verifyRequest(
  self: string, headers: IncomingHttpHeaders, method: string, path: string, body: Buffer,
  publicKeyOf: (device: string) => string | undefined, nonces: NonceCache, now = Date.now(),
): { device: string; nonce: string } {
  const device = header(headers, HEADER.device);
  const to = header(headers, HEADER.to);
  const time = header(headers, HEADER.time);
  const nonce = header(headers, HEADER.nonce);
  const signature = header(headers, HEADER.signature);
  if (!device || !to || !time || !nonce || !signature) throw notAuthenticated("the request is not signed by a device");
  if (to !== self) throw notAuthenticated(`the request is for device ${to}, not this one`);
  const publicKey = publicKeyOf(device);
  if (!publicKey) throw notAuthenticated(`device ${device} is not paired with this one`);
  if (!verifySignature(publicKey, requestText(method, path, device, to, time, nonce, body), signature)) throw notAuthenticated(`the signature of device ${device} does not verify`);
  const skew = Number(time) - now;
  if (!Number.isFinite(skew) || Math.abs(skew) > MAX_CLOCK_DRIFT_MS) {
    throw notAuthenticated(`device ${device}'s clock is ${Math.round(skew / 1000)} s off this one's (at most ${MAX_CLOCK_DRIFT_MS / 1000} s): set both clocks right`);
  }
  if (!/^[0-9a-f]{32}$/.test(nonce) || !nonces.add(nonce, now)) throw notAuthenticated(`a replayed request from device ${device}`);
  return { device, nonce };
}
