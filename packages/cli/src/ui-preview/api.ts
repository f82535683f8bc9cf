/**
 * The preview's JSON API over one installed extension: its UI (ui_manifest.json, settings,
 * actions, queries), the rows of a section or view through the host's named queries, thumbnails
 * and bundled assets, settings changes, and actions as preview → confirm → execute → undo. Every
 * answer comes from the real library through @sdx/host, as the extension itself sees it.
 */
import { contentThumbnail, extensionUi, queryExtension, readSettings, writeSettings, type Host } from "@sdx/host";
import type { UiManifest } from "@sdx/sdk/ui-manifest";
import type { Manifest } from "@sdx/sdk/manifest";
import { readUi, sourceOf } from "./sources.js";

export class ApiError extends Error {
  constructor(readonly status: number, message: string, readonly code?: string) {
    super(message);
  }
}

export interface Loaded {
  manifest: Manifest;
  ui: UiManifest;
  assets: Record<string, Uint8Array>;
  /** The installed bundle's hash: the page reloads its UI when it changes (a rebuild). */
  revision: string;
}

export async function loadExtension(host: Host, extensionId: string, revision: string): Promise<Loaded> {
  const { manifest, ui, assets } = await extensionUi(host.library, extensionId);
  return { manifest, ui: readUi(ui), assets, revision };
}

/** GET /api/ui */
export function describeUi(host: Host, loaded: Loaded): unknown {
  const { manifest } = loaded;
  return {
    extension: { id: manifest.id, name: manifest.name, version: manifest.version, description: manifest.description },
    revision: loaded.revision,
    ui: loaded.ui,
    settings: { fields: manifest.settings, values: readSettings(host.library, manifest) },
    actions: manifest.actions.map((a) => ({ name: a.name, title: a.title, params: a.params })),
    queries: manifest.queries.map((q) => ({ name: q.name, label: q.label ?? q.name, params: q.params })),
  };
}

/** GET /api/rows?source=section:<id>|view:<id>&params=<json>&cursor=&limit= */
export function rows(host: Host, loaded: Loaded, url: URL): unknown {
  const source = sourceOf(loaded.ui, url.searchParams.get("source") ?? "");
  if (!source) throw new ApiError(404, `no section or view "${url.searchParams.get("source")}" in ui_manifest.json`);
  let params: Record<string, unknown> = {};
  try {
    params = JSON.parse(url.searchParams.get("params") ?? "{}") as Record<string, unknown>;
  } catch {
    throw new ApiError(400, "params is not JSON");
  }
  const limit = url.searchParams.has("limit") ? Number(url.searchParams.get("limit")) : undefined;
  const page = queryExtension(host.library, loaded.manifest.id, source.ref, params, { limit, cursor: url.searchParams.get("cursor") });
  return { component: source.component, ...page };
}

export function thumbnail(host: Host, loaded: Loaded, contentUuid: string): Uint8Array {
  const bytes = contentThumbnail(host.library, loaded.manifest.id, contentUuid);
  if (!bytes) throw new ApiError(404, `content ${contentUuid} has no thumbnail`);
  return bytes;
}

export function asset(loaded: Loaded, path: string): { bytes: Uint8Array; type: string } {
  const bytes = loaded.assets[path];
  if (!bytes) throw new ApiError(404, `no asset ${path} in the bundle`);
  const type = path.endsWith(".svg") ? "image/svg+xml" : path.endsWith(".png") ? "image/png" : path.endsWith(".css") ? "text/css" : "application/octet-stream";
  return { bytes, type };
}

/** POST /api/settings { values } */
export function saveSettings(host: Host, loaded: Loaded, body: unknown): unknown {
  const values = (body as { values?: unknown }).values;
  if (typeof values !== "object" || values === null) throw new ApiError(400, "send { values: { name: value } }");
  return { values: writeSettings(host.library, loaded.manifest, values as Record<string, unknown>) };
}

function outcome(result: { actionId: string; state: string; preview: unknown; error?: { code: string; message: string } }): unknown {
  return { actionId: result.actionId, state: result.state, preview: result.preview, error: result.error ? { code: result.error.code, message: result.error.message } : null };
}

/** POST /api/actions/preview { action, params } */
export async function previewAction(host: Host, loaded: Loaded, body: unknown): Promise<unknown> {
  const { action, params } = body as { action?: unknown; params?: unknown };
  if (typeof action !== "string" || !loaded.manifest.actions.some((a) => a.name === action)) throw new ApiError(404, `no action ${String(action)}`);
  return outcome(await host.previewAction(loaded.manifest.id, action, (params ?? {}) as Record<string, unknown>));
}

/** POST /api/actions/<id>/execute and /undo: only actions of this extension. */
export async function settleAction(host: Host, loaded: Loaded, actionId: string, step: "execute" | "undo"): Promise<unknown> {
  const record = host.getAction(actionId);
  if (!record || record.extensionId !== loaded.manifest.id) throw new ApiError(404, `no action ${actionId} of ${loaded.manifest.id}`);
  return outcome(step === "execute" ? await host.executeAction(actionId) : await host.undoAction(actionId));
}
