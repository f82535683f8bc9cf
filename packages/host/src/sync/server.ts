/**
 * The peer server (`sdx serve`): node:http, every route a signed POST whose body and answer are
 * frames (wire.ts), except `/v1/pair`, which proves knowledge of a pairing token instead. There is
 * no unauthenticated route. A request that is not signed by a paired device, is replayed, does not
 * parse, or is refused by the route is answered with its SDX code and logged in the audit log
 * (who = sync); answers are signed over the request's nonce.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { z } from "zod";
import { SdxError, sdxError, toWireError } from "../errors.js";
import { writeAudit } from "../store/audit.js";
import type { Library } from "../store/library.js";
import { NonceCache, signResponse, verifyRequest, HEADER } from "./auth.js";
import type { DeviceIdentity } from "./identity.js";
import { decodeFrame, encodeFrame, MAX_FRAME_BYTES } from "./wire.js";

export interface Route<S extends z.ZodType = z.ZodType> {
  schema: S;
  handle(device: string, request: z.output<S>): Promise<unknown> | unknown;
}

export interface PeerServerOptions {
  library: Library;
  identity: DeviceIdentity;
  /** The key of a paired device (undefined for any other). */
  publicKeyOf(device: string): string | undefined;
  /** Signed routes by path. */
  routes: Record<string, Route>;
  /** The pairing route (unsigned: it carries a proof of the token). */
  pair: Route;
  /** Receives a line for every refused request. */
  onRefused?: (line: string) => void;
  /** TESTS ONLY: runs before a route is handled (a barrier to stop a process mid-sync). */
  beforeRoute?: (path: string, device: string) => Promise<void>;
}

const STATUS: Record<string, number> = { SDX3046: 401, SDX3047: 403, SDX3045: 409, SDX3002: 400, SDX3008: 404, SDX3010: 404, SDX3011: 404, SDX3049: 400 };

function readBody(request: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_FRAME_BYTES) {
        reject(sdxError("SDX3045", `the request is larger than ${MAX_FRAME_BYTES} bytes`));
        request.destroy();
      } else chunks.push(chunk);
    });
    request.on("end", () => resolve(Buffer.concat(chunks)));
    request.on("error", reject);
  });
}

export class PeerServer {
  private readonly server: http.Server;
  private readonly nonces = new NonceCache();

  constructor(private readonly options: PeerServerOptions) {
    this.server = http.createServer((request, response) => void this.answer(request, response));
    this.server.keepAliveTimeout = 30_000;
  }

  /** Starts listening; resolves with the URL peers reach it at. */
  listen(port: number, host = "127.0.0.1"): Promise<string> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, host, () => {
        this.server.off("error", reject);
        const address = this.server.address() as AddressInfo;
        resolve(`http://${address.family === "IPv6" ? `[${address.address}]` : address.address}:${address.port}`);
      });
    });
  }

  private async answer(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const path = (request.url ?? "/").split("?")[0]!;
    const nonce = typeof request.headers[HEADER.nonce] === "string" ? (request.headers[HEADER.nonce] as string) : null;
    let device = "unknown";
    try {
      if (request.method !== "POST") throw sdxError("SDX3046", `${request.method} ${path}: every route is a signed POST`);
      const body = await readBody(request);
      let route: Route;
      if (path === "/v1/pair") {
        route = this.options.pair;
      } else {
        device = verifyRequest(this.options.identity.deviceUuid, request.headers, "POST", path, body, this.options.publicKeyOf, this.nonces).device;
        const found = this.options.routes[path];
        if (!found) throw sdxError("SDX3008", `no route ${path}`);
        route = found;
      }
      let value: unknown;
      try {
        value = decodeFrame(body);
      } catch (error) {
        throw sdxError("SDX3045", `the request to ${path} is not a frame: ${(error as Error).message}`);
      }
      const parsed = route.schema.safeParse(value);
      if (!parsed.success) throw sdxError("SDX3045", `the request to ${path} is malformed: ${parsed.error.issues.slice(0, 3).map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}`);
      await this.options.beforeRoute?.(path, device);
      this.reply(response, nonce, 200, await route.handle(device, parsed.data));
    } catch (error) {
      const wire = toWireError(error);
      const known = error instanceof SdxError;
      // A refused batch was audited where it was refused (apply.ts).
      if (!(wire.code === "SDX3045" && wire.message.startsWith("sync batch refused"))) {
        writeAudit(this.options.library, "sync", "sync.request", `${device} ${path}`, known ? "denied" : "error", { code: wire.code, message: wire.message, from: request.socket.remoteAddress ?? null });
      }
      this.options.onRefused?.(`${device} ${path}: ${wire.code} ${wire.message}`);
      this.reply(response, nonce, known ? STATUS[wire.code] ?? 400 : 500, { error: { code: wire.code, message: wire.message } });
    }
  }

  private reply(response: http.ServerResponse, nonce: string | null, status: number, value: unknown): void {
    if (response.destroyed) return;
    const body = encodeFrame(value);
    const headers: Record<string, string> = { "content-type": "application/x-sdx-frame", "content-length": String(body.length) };
    if (nonce && /^[0-9a-f]{32}$/.test(nonce)) headers[HEADER.signature] = signResponse(this.options.identity, nonce, status, body);
    response.writeHead(status, headers).end(body);
  }

  /** Stops listening and closes idle connections (those mid-request finish first). */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeIdleConnections();
    });
  }
}
