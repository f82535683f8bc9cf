/** Test support: temp libraries, hand-made manifests and bundles, installed test extensions. */
import { SdxError, errorFromWire } from "@sdx/sdk/errors";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { blake3 } from "hash-wasm";
import type { Manifest, ManifestModel, ManifestPermission } from "@sdx/sdk/manifest";
import { PROTOCOL_VERSION } from "@sdx/sdk/protocol";
import { Library, type LibraryOpenOptions } from "../library.js";
import { installExtension, type GrantInput, type InstallableBundle } from "../../extensions/install.js";
import { createLibraryOpContext } from "../../ops/library-context.js";
import type { OpContext } from "../../ops/context.js";
import { createDispatcher } from "../../ops/dispatch.js";
import { libraryOps } from "../../ops/library-ops.js";
import { ops, type OpName, type OpRequest, type OpResponse } from "@sdx/sdk/protocol";

const made: string[] = [];

export function tempDir(prefix = "sdx-lib-"): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return fs.realpathSync(dir);
}

export function cleanupTempDirs(): void {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

export function openLibrary(options?: LibraryOpenOptions): Library {
  return Library.open(path.join(tempDir(), "lib"), options);
}

export const noteModel: ManifestModel = {
  name: "Note", className: "Note", version: "1.0.0", scope: "content", sync: "shared",
  schema: {
    type: "object",
    properties: { words: { type: "number" }, title: { type: "string" }, done: { type: "boolean" }, tags: { type: "array", items: { type: "string" } } },
    required: ["words"],
    additionalProperties: false,
  },
  blobFields: [],
};

export const personModel: ManifestModel = {
  name: "Person", className: "Person", version: "1.0.0", scope: "standalone", sync: "shared",
  schema: {
    type: "object",
    properties: { name: { type: "string" }, photoCount: { type: "integer", minimum: 0 } },
    required: ["photoCount"],
    additionalProperties: false,
  },
  blobFields: [
    { name: "embeddings", compression: "zstd", lazy: true, quantize: "none", schema: { type: "array", items: { "x-sdx-typedArray": "Float32Array" } } },
    { name: "embeddingF16", compression: "zstd", lazy: true, quantize: "f16", schema: { "x-sdx-typedArray": "Float32Array" } },
    { name: "embeddingI8", compression: "zstd", lazy: true, quantize: "int8", schema: { "x-sdx-typedArray": "Float32Array" } },
    { name: "profile", compression: "zstd", lazy: false, quantize: "none", schema: { type: "object", properties: { bio: { type: "string" } }, required: ["bio"] } },
    { name: "raw", compression: "none", lazy: true, quantize: "none", schema: { "x-sdx-typedArray": "Float32Array" } },
  ],
};

export const editModel: ManifestModel = {
  name: "EditState", className: "EditState", version: "1.0.0", scope: "entry", sync: "device_owned",
  schema: { type: "object", properties: { state: { type: "string" } }, required: ["state"], additionalProperties: false },
  blobFields: [],
};

export function makeManifest(overrides: Partial<Manifest> = {}): Manifest {
  return {
    manifestVersion: 1, protocolVersion: PROTOCOL_VERSION, id: "org.example.notes", name: "Notes", version: "0.1.0",
    description: "test", minCoreVersion: "2.0.0", requiredFeatures: [], permissions: [], settings: [],
    models: [noteModel, personModel, editModel], jobs: [], tasks: [], actions: [], agent: null, memory: null,
    aiModels: [], prompts: [], kernels: [], hasInit: false, hasUi: false, queries: [],
    ...overrides,
  };
}

export async function makeBundle(manifest: Manifest, schemaSql = ""): Promise<InstallableBundle> {
  const bytes = new TextEncoder().encode(JSON.stringify(manifest) + schemaSql);
  return { manifest, schemaSql, bytes, hash: await blake3(bytes) };
}

/** Installs an extension with every permission in `permissions` granted with `scope` (unless `grants` is given). */
export async function installTest(
  library: Library,
  permissions: ManifestPermission[],
  options: { id?: string; scope?: string[]; grants?: GrantInput[]; manifest?: Partial<Manifest> } = {},
): Promise<OpContext> {
  const manifest = makeManifest({ id: options.id ?? "org.example.notes", permissions, ...options.manifest });
  const grants = options.grants ?? permissions.map((_, i) => ({ permission: i, scope: options.scope ?? [] }));
  installExtension(library, await makeBundle(manifest), { grants });
  return createLibraryOpContext(library, manifest.id);
}

/** Writes files: `{ "a/b.txt": "text" | Uint8Array }`. */
export function writeTree(root: string, files: Record<string, string | Uint8Array>): void {
  for (const [rel, content] of Object.entries(files)) {
    const file = path.join(root, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
  }
}

const dispatchLibrary = createDispatcher(libraryOps);

/**
 * Calls a library op through a real dispatcher (request validation, refusals reported as events):
 * a failure is thrown as the error the guest would rebuild, and a response must satisfy the
 * protocol's response schema.
 */
export async function call<O extends OpName>(ctx: OpContext, op: O, request: OpRequest<O>): Promise<OpResponse<O>> {
  if (!libraryOps[op]) throw new Error(`no library handler for ${op}`);
  const result = await dispatchLibrary(ctx, op, request);
  if (!result.ok) throw errorFromWire(result.error);
  return ops[op].response.parse(result.value) as OpResponse<O>;
}

/** Runs `fn` and returns the SdxError it threw. */
export async function hostError(fn: () => unknown): Promise<SdxError> {
  try {
    await fn();
  } catch (error) {
    if (error instanceof SdxError) return error;
    throw error;
  }
  throw new Error("expected a SdxError, nothing was thrown");
}

/** A deterministic unit-length embedding like a real model's output (values ~N(0, 1/√d)). */
export function embedding(seed: number, d = 512): Float32Array {
  let s = seed >>> 0 || 1;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const v = new Float32Array(d);
  let norm = 0;
  for (let i = 0; i < d; i++) {
    // Box–Muller
    const g = Math.sqrt(-2 * Math.log(next() || 1e-9)) * Math.cos(2 * Math.PI * next());
    v[i] = g;
    norm += g * g;
  }
  for (let i = 0; i < d; i++) v[i] /= Math.sqrt(norm);
  return v;
}

