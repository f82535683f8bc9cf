/**
 * Talking to a peer over HTTP (node:http / node:https): signed requests, frames both ways, and
 * answers checked to come from that peer and to answer this request. A peer that cannot be reached,
 * or whose connection drops mid-answer, is SDX3048; an error it answers with keeps its code.
 */
import http from "node:http";
import https from "node:https";
import { randomBytes } from "node:crypto";
import { sdxError, SdxError } from "../errors.js";
import { HEADER, responseSigned, signRequest } from "./auth.js";
import type { DeviceIdentity } from "./identity.js";
import { clientProof, serverProofMatches } from "./pairing.js";
import { decodeFrame, encodeFrame, errorReplySchema, MAX_FRAME_BYTES, pairReplySchema, type PairingDevice } from "./wire.js";

export interface PeerAddress {
  uuid: string;
  publicKey: string;
  url: string;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };

function unreachable(url: string, why: string): SdxError {
  return sdxError("SDX3048", `the peer at ${url} is unreachable: ${why}`);
}

interface RawReply {
  status: number;
  body: Buffer;
  signature: string | undefined;
}

function post(base: string, path: string, headers: Record<string, string>, body: Buffer, timeoutMs: number, retried = false): Promise<RawReply> {
  const url = new URL(path, base);
  const lib = url.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const request = lib.request(url, {
      method: "POST", agent: url.protocol === "https:" ? agents.https : agents.http, timeout: timeoutMs,
      headers: { ...headers, "content-type": "application/x-sdx-frame", "content-length": String(body.length) },
    }, (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_FRAME_BYTES) request.destroy(new Error("answer too large"));
        else chunks.push(chunk);
      });
      response.on("end", () => {
        if (!response.complete) reject(unreachable(base, "the connection closed mid-answer"));
        else resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks), signature: response.headers[HEADER.signature] as string | undefined });
      });
      response.on("aborted", () => reject(unreachable(base, "the connection closed mid-answer")));
      response.on("error", (error) => reject(unreachable(base, error.message)));
    });
    request.on("timeout", () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.on("error", (error) => {
      const code = (error as NodeJS.ErrnoException).code;
      // A kept-alive connection the peer closed while this one was idle (its keep-alive timeout):
      // the request never reached it, so it is sent again once on a new connection. Were it read
      // after all, its nonce makes the second one a refused replay, never a second apply.
      if (request.reusedSocket && !retried && (code === "ECONNRESET" || code === "EPIPE")) {
        resolve(post(base, path, headers, body, timeoutMs, true));
        return;
      }
      reject(error instanceof SdxError ? error : unreachable(base, code ?? error.message));
    });
    request.end(body);
  });
}

function decodeOrUnreachable(url: string, body: Buffer): unknown {
  try {
    return decodeFrame(body);
  } catch (error) {
    throw unreachable(url, `the answer is not a frame (${(error as Error).message})`);
  }
}

function errorFrom(url: string, status: number, value: unknown): SdxError {
  const parsed = errorReplySchema.safeParse(value);
  if (!parsed.success) return unreachable(url, `it answered HTTP ${status}`);
  const { code, message } = parsed.data.error;
  return /^SDX3\d{3}$/.test(code) ? sdxError(code as "SDX3045", message) : unreachable(url, `${code}: ${message}`);
}

export class PeerClient {
  /** Bytes of request and answer bodies so far (what went over the wire, compressed). */
  bytes = 0;

  constructor(
    private readonly identity: DeviceIdentity,
    readonly peer: PeerAddress,
    private readonly timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS,
  ) {}

  /** A signed request; the answer is decoded once its signature proves it is the peer's answer to it. */
  async request(path: string, value: unknown, options: { timeoutMs?: number } = {}): Promise<unknown> {
    const body = encodeFrame(value);
    const headers = signRequest(this.identity, this.peer.uuid, "POST", path, body);
    const reply = await post(this.peer.url, path, headers, body, options.timeoutMs ?? this.timeoutMs);
    this.bytes += body.length + reply.body.length;
    if (!responseSigned(this.peer.publicKey, headers[HEADER.nonce]!, reply.status, reply.body, reply.signature)) {
      const decoded = reply.status !== 200 ? (() => { try { return decodeFrame(reply.body); } catch { return null; } })() : null;
      if (decoded && reply.status === 401) throw errorFrom(this.peer.url, reply.status, decoded);
      throw sdxError("SDX3046", `the answer from ${this.peer.url} is not signed by device ${this.peer.uuid}`);
    }
    const decoded = decodeOrUnreachable(this.peer.url, reply.body);
    if (reply.status !== 200) throw errorFrom(this.peer.url, reply.status, decoded);
    return decoded;
  }
}

/** Pairs with the device serving at `url` using its token; returns that device as it proved itself. */
export async function pairWithPeer(url: string, token: string, self: PairingDevice, listensAt: string | null): Promise<PairingDevice> {
  const nonce = randomBytes(16).toString("hex");
  const body = encodeFrame({ device: self, url: listensAt, nonce, proof: clientProof(token, self, nonce) });
  const reply = await post(url, "/v1/pair", {}, body, DEFAULT_REQUEST_TIMEOUT_MS);
  const decoded = decodeOrUnreachable(url, reply.body);
  if (reply.status !== 200) throw errorFrom(url, reply.status, decoded);
  const parsed = pairReplySchema.safeParse(decoded);
  if (!parsed.success) throw unreachable(url, "it answered the pairing with something else");
  if (!serverProofMatches(token, parsed.data.device, nonce, parsed.data.proof)) {
    throw sdxError("SDX3047", `the device at ${url} did not prove it made this token: it is not the device you meant to pair with`);
  }
  return parsed.data.device;
}
