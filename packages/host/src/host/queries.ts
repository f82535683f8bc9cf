/**
 * Named queries and the UI of an installed extension, for callers outside the sandbox: `sdx query`
 * and the UI preview. The same `runQuery` answers `ctx.query()` from a job (ops/queries.ts); here
 * a query is named by its `@query()` method, or written in the filter language (what a
 * ui_manifest.json section may hold). Thumbnails are handed out only for content the extension
 * may see.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { parseFilter, type QueryPage } from "@sdx/sdk/query";
import type { Manifest } from "@sdx/sdk/manifest";
import { createLibraryOpContext } from "../ops/library-context.js";
import { namedQuery, runQuery } from "../ops/queries.js";
import { requireVisibleContent } from "../ops/access.js";
import { readInstalledBundle } from "../extensions/installed-bundle.js";
import { sdxError } from "../errors.js";
import type { Library } from "../store/library.js";
import { sidecarOf } from "../store/sidecars-store.js";

/** A query by its `@query()` name, or in the filter language. */
export type QueryRef = { name: string } | { filter: string };

export interface QueryPageOptions {
  limit?: number;
  cursor?: string | null;
}

/** One page of `ref` as the installed extension `extensionId` sees the library. */
export function queryExtension(library: Library, extensionId: string, ref: QueryRef, values: Record<string, unknown> = {}, page: QueryPageOptions = {}): QueryPage {
  const ctx = createLibraryOpContext(library, extensionId);
  if ("name" in ref) {
    const { spec, params } = namedQuery(ctx, ref.name);
    return runQuery(ctx, { spec, params, values, ...page });
  }
  const parsed = parseFilter(ref.filter);
  if (!parsed.ok) throw sdxError("SDX3055", `${ref.filter}: ${parsed.error.message} (at character ${parsed.error.offset + 1})`);
  const params = parsed.params.map((name) => ({ name, schema: {}, optional: false }));
  return runQuery(ctx, { spec: parsed.spec, params, values, ...page });
}

export interface ExtensionUi {
  manifest: Manifest;
  /** The bundle's ui_manifest.json (validated at build), or null when it has none. */
  ui: unknown;
  /** Files under assets/ (icons, CSS), by path relative to the project. */
  assets: Record<string, Uint8Array>;
}

/** The installed bundle's manifest, ui_manifest.json and assets (its hash checked against the install). */
export async function extensionUi(library: Library, extensionId: string): Promise<ExtensionUi> {
  const { bundle } = await readInstalledBundle(library, extensionId);
  return { manifest: bundle.manifest, ui: bundle.uiManifest, assets: bundle.assets };
}

/** The thumbnail (WebP bytes) of content the extension may see; null when it has none. */
export function contentThumbnail(library: Library, extensionId: string, contentUuid: string): Uint8Array | null {
  const ctx = createLibraryOpContext(library, extensionId);
  const content = requireVisibleContent(ctx, contentUuid);
  const sidecar = sidecarOf(library, content, "thumbnail");
  if (!sidecar) return null;
  const relative = (JSON.parse(sidecar.data) as { path?: unknown }).path;
  if (typeof relative !== "string" || relative.includes("..") || path.isAbsolute(relative)) return null;
  try {
    return new Uint8Array(readFileSync(path.join(library.dir, relative)));
  } catch {
    return null;
  }
}
