/**
 * The build pipeline: codegen → generated/ → esbuild (guest) → AssemblyScript (kernels) →
 * prompts, ui_manifest, assets → one bundle at `<project>/dist/<id>-<version>.sdx.wasm`.
 * Every stage reports diagnostics; the build writes nothing to dist/ unless all stages pass. With
 * the author's key the bundle is signed (`sdx.signature`, see @sdx/bundle-format).
 * esbuild bundles the generated entry while the main thread runs codegen's checks (what entry points
 * reach, type errors), which only add diagnostics.
 * A `Builder` keeps the type-checker program and esbuild context warm for rebuilds (`sdx build --watch`).
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { CodegenSession, writeArtifacts, type Diagnostic, type GenerateResult } from "@sdx/codegen";
import type { Manifest } from "@sdx/sdk/manifest";
import type { KeyObject } from "node:crypto";
import { blake3, writeBundle, BUNDLE_EXTENSION, keyFingerprint, rawPublicKey, type KeyRotation } from "@sdx/bundle-format";
import { createGuestBundler, type GuestBundler, type GuestBundleResult } from "./guest-bundle.js";
import { compileKernels } from "./kernels.js";
import { checkPrompts, listFiles } from "./prompts.js";
import { checkUiManifest } from "./ui-manifest.js";

export interface BuildOptions {
  projectDir: string;
  /** Where the bundle goes; default `<projectDir>/dist`. */
  outDir?: string;
  /** The author's Ed25519 private key (`loadSigningKey`): the bundle is signed with it. Unsigned without. */
  signingKey?: KeyObject;
  /** Key rotation statements the signature carries (`sdx keys rotate`). */
  endorsements?: readonly KeyRotation[];
}

export interface BuildResult {
  ok: boolean;
  diagnostics: Diagnostic[];
  bundlePath: string | null;
  bundleSize: number;
  bundleHash: string | null;
  manifest: Manifest | null;
  /** Fingerprint of the key that signed the bundle; null when unsigned (or the build failed). */
  signedBy: string | null;
  /** Milliseconds per stage. */
  timings: Record<string, number>;
}

export interface Builder {
  /** Builds; on later calls only `changedFiles` are re-read from disk. */
  build(changedFiles?: string[]): Promise<BuildResult>;
  dispose(): Promise<void>;
}

function timed<T>(timings: Record<string, number>, stage: string, work: () => T): T {
  const start = performance.now();
  try {
    return work();
  } finally {
    timings[stage] = Math.round((performance.now() - start) * 10) / 10;
  }
}

async function timedAsync<T>(timings: Record<string, number>, stage: string, work: () => Promise<T>): Promise<T> {
  const start = performance.now();
  try {
    return await work();
  } finally {
    timings[stage] = Math.round((performance.now() - start) * 10) / 10;
  }
}

function failed(diagnostics: Diagnostic[], timings: Record<string, number>, manifest: Manifest | null = null): BuildResult {
  return { ok: false, diagnostics, bundlePath: null, bundleSize: 0, bundleHash: null, manifest, timings, signedBy: null };
}

export async function createBuilder(options: BuildOptions): Promise<Builder> {
  const projectDir = options.projectDir;
  const outDir = options.outDir ?? join(projectDir, "dist");
  const session = new CodegenSession({ projectDir });
  // esbuild's service process starts while the first codegen runs; the entry is read at build time.
  const guestReady: Promise<GuestBundler> = createGuestBundler(projectDir, join(projectDir, "generated", "entry.ts"));
  guestReady.catch(() => undefined); // awaited (and thrown) by build()
  // A build that failed its checks leaves its bundling running; the next one starts after it.
  let lastBundling: Promise<unknown> = Promise.resolve();
  let first = true;

  return {
    async build(changedFiles = []) {
      const timings: Record<string, number> = {};
      // Kernels compile on a worker thread while the main thread type-checks.
      const kernelsPending = timedAsync(timings, "kernels", () => compileKernels(projectDir));
      const run = timed(timings, "codegen", () => (first ? session.start() : session.startUpdate(changedFiles)));
      first = false;
      // esbuild bundles the IR's artifacts in its own process while this thread runs the checks (it
      // asks this thread nothing on the way, see guest-bundle.ts). They are written before the
      // checks end: generated/ follows the decorators even when a check fails.
      let bundling: Promise<GuestBundleResult> | null = null;
      if (run.artifacts) {
        const artifacts = run.artifacts;
        timed(timings, "write-generated", () => writeArtifacts(projectDir, artifacts));
        // One turn of the event loop: the service's answers that arrived during codegen are read.
        const guest = await guestReady;
        await lastBundling;
        bundling = timedAsync(timings, "esbuild", () => guest.build());
        lastBundling = bundling.catch(() => undefined); // awaited below unless a check failed
      }
      const generated: GenerateResult = timed(timings, "checks", () => run.finish());
      const warnings = generated.diagnostics.filter((d) => d.severity !== "error");
      if (!generated.ok || !generated.artifacts || !bundling) {
        await kernelsPending;
        return failed(generated.diagnostics, timings);
      }
      const artifacts = generated.artifacts;
      const manifest = artifacts.manifest;

      const [guestResult, kernels] = await Promise.all([bundling, kernelsPending]);
      const prompts = timed(timings, "prompts", () => checkPrompts(projectDir));
      const ui = checkUiManifest(projectDir, manifest);
      const diagnostics = [...warnings, ...guestResult.diagnostics, ...kernels.diagnostics, ...prompts.diagnostics, ...ui.diagnostics];
      if (diagnostics.some((d) => d.severity === "error") || guestResult.js === null) return failed(diagnostics, timings, manifest);

      const assets: Record<string, Uint8Array> = {};
      for (const file of listFiles(join(projectDir, "assets"))) {
        assets[relative(projectDir, file).split(sep).join("/")] = readFileSync(file);
      }
      const bytes = await timedAsync(timings, "assemble", () =>
        writeBundle({
          manifestJson: artifacts.manifestJson,
          guestJs: guestResult.js!,
          guestSourceMap: guestResult.map,
          schemaSql: artifacts.schemaSql,
          uiManifestJson: ui.json,
          prompts: prompts.prompts,
          assets,
          kernels: kernels.wasm,
        }, { signingKey: options.signingKey, endorsements: options.endorsements }),
      );
      mkdirSync(outDir, { recursive: true });
      const bundlePath = join(outDir, `${manifest.id}-${manifest.version}${BUNDLE_EXTENSION}`);
      writeFileSync(bundlePath, bytes);
      const signedBy = options.signingKey ? keyFingerprint(rawPublicKey(options.signingKey)) : null;
      return { ok: true, diagnostics, bundlePath, bundleSize: bytes.length, bundleHash: await blake3(bytes), manifest, timings, signedBy };
    },
    async dispose() {
      await (await guestReady.catch(() => null))?.dispose();
    },
  };
}

/** One-shot build (what `sdx build` and CI run). */
export async function buildExtension(options: BuildOptions): Promise<BuildResult> {
  const builder = await createBuilder(options);
  try {
    return await builder.build();
  } finally {
    await builder.dispose();
  }
}
