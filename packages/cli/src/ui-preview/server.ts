/**
 * The UI preview: a local web app rendering an installed extension's sidebar and views from the
 * real library through its named queries (docs/ui.md#the-preview). It listens on 127.0.0.1 only,
 * and every data request must carry the per-run token (header `x-sdx-token` or `?token=`), with a
 * Host header naming this server (a page elsewhere cannot reach it by DNS rebinding). The page
 * gets a server-sent event when the library changes (another process indexed, a job wrote) or the
 * extension is installed again (a rebuild), and reloads what it shows.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { getInstalled, Host, SdxError } from "@sdx/host";
import { ApiError, asset, describeUi, loadExtension, previewAction, rows, saveSettings, settleAction, thumbnail, type Loaded } from "./api.js";
import { IMPORT_MAP, landGeoJson, VENDOR_FILES } from "./vendor.js";
import { LiveWatch } from "./live.js";

export interface PreviewOptions {
  libraryDir: string;
  extensionId: string;
  /** 0 (default): any free port. */
  port?: number;
  /** How often the library and the installed bundle are checked for changes (default 500 ms). */
  pollMs?: number;
}

export interface PreviewServer {
  /** The page's address, token included. */
  url: string;
  token: string;
  close(): Promise<void>;
}

const APP_DIR = fileURLToPath(new URL("../../ui-preview-app/", import.meta.url));
const APP_FILES: Record<string, string> = { "app.js": "text/javascript", "api.js": "text/javascript", "components.js": "text/javascript", "map.js": "text/javascript", "actions.js": "text/javascript", "style.css": "text/css" };

function send(res: ServerResponse, status: number, body: string | Uint8Array, type = "application/json"): void {
  res.writeHead(status, { "content-type": type, "cache-control": "no-store", "x-content-type-options": "nosniff" });
  res.end(body);
}

async function body(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 1 << 20) throw new ApiError(413, "request body over 1 MiB");
    chunks.push(chunk as Buffer);
  }
  try {
    return chunks.length ? JSON.parse(Buffer.concat(chunks).toString("utf8")) : {};
  } catch {
    throw new ApiError(400, "the body is not JSON");
  }
}

function indexHtml(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>sdx preview</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<script type="importmap">${JSON.stringify(IMPORT_MAP)}</script>
<link rel="stylesheet" href="/vendor/leaflet.css"><link rel="stylesheet" href="/app/style.css">
</head><body><div id="app"></div><script type="module" src="/app/app.js"></script></body></html>`;
}

export async function startPreview(options: PreviewOptions): Promise<PreviewServer> {
  const token = randomBytes(24).toString("base64url");
  let host = await Host.open({ libraryDir: options.libraryDir, recover: false });
  const revisionOf = () => getInstalled(host.library, options.extensionId)?.bundleHash ?? "";
  let loaded: Loaded = await loadExtension(host, options.extensionId, revisionOf());
  const live = new LiveWatch(() => host.library, revisionOf, options.pollMs ?? 500);
  // A rebuilt and reinstalled extension gets a fresh host: the old one has the old bundle loaded.
  live.onChange(async (kind) => {
    if (kind !== "extension") return;
    const old = host;
    host = await Host.open({ libraryDir: options.libraryDir, recover: false });
    loaded = await loadExtension(host, options.extensionId, revisionOf());
    await old.close();
  });
  let origin = "";

  const authorized = (req: IncomingMessage, url: URL): boolean => {
    if (req.headers.host !== origin) return false;
    const given = Buffer.from(String(req.headers["x-sdx-token"] ?? url.searchParams.get("token") ?? ""));
    const expected = Buffer.from(token);
    return given.length === expected.length && timingSafeEqual(given, expected);
  };

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", `http://${origin}`);
    const path = url.pathname;
    if (path === "/favicon.ico") return send(res, 204, "");
    if (req.method === "GET" && path.startsWith("/vendor/")) {
      const name = path.slice(8);
      if (name === "land.json") return send(res, 200, landGeoJson());
      const file = VENDOR_FILES[name];
      if (!file) throw new ApiError(404, "not found");
      return send(res, 200, readFileSync(file()), name.endsWith(".css") ? "text/css" : "text/javascript");
    }
    if (req.method === "GET" && path.startsWith("/app/")) {
      const type = APP_FILES[path.slice(5)];
      if (!type) throw new ApiError(404, "not found");
      return send(res, 200, readFileSync(`${APP_DIR}${path.slice(5)}`), type);
    }
    if (!authorized(req, url)) throw new ApiError(403, "this preview needs its token: open the address sdx preview printed");
    if (req.method === "GET" && path === "/") return send(res, 200, indexHtml(), "text/html; charset=utf-8");
    if (req.method === "GET" && path === "/api/events") return live.stream(res);
    if (req.method === "GET" && path === "/api/ui") return send(res, 200, JSON.stringify(describeUi(host, loaded)));
    if (req.method === "GET" && path === "/api/rows") return send(res, 200, JSON.stringify(rows(host, loaded, url)));
    if (req.method === "GET" && path.startsWith("/api/thumbnail/")) return send(res, 200, thumbnail(host, loaded, path.slice(15)), "image/webp");
    if (req.method === "GET" && path.startsWith("/api/asset/")) {
      const file = asset(loaded, decodeURIComponent(path.slice(11)));
      return send(res, 200, file.bytes, file.type);
    }
    if (req.method === "POST" && path === "/api/settings") {
      const answer = saveSettings(host, loaded, await body(req));
      live.notify("library");
      return send(res, 200, JSON.stringify(answer));
    }
    if (req.method === "POST" && path === "/api/actions/preview") return send(res, 200, JSON.stringify(await previewAction(host, loaded, await body(req))));
    const step = /^\/api\/actions\/([0-9a-f-]{36})\/(execute|undo)$/.exec(path);
    if (req.method === "POST" && step) {
      const answer = await settleAction(host, loaded, step[1]!, step[2] as "execute" | "undo");
      live.notify("library");
      return send(res, 200, JSON.stringify(answer));
    }
    throw new ApiError(404, "not found");
  };

  const server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      if (res.headersSent) return res.end();
      if (error instanceof ApiError) return send(res, error.status, JSON.stringify({ error: { message: error.message } }));
      if (error instanceof SdxError) return send(res, 400, JSON.stringify({ error: { code: error.code, message: error.message } }));
      send(res, 500, JSON.stringify({ error: { message: (error as Error).message } }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  origin = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  live.start();
  return {
    url: `http://${origin}/?token=${token}`,
    token,
    close: async () => {
      live.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await host.close();
    },
  };
}
