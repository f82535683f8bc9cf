/** Test support for jobs and the Host: manifests, bundles with hand-written guests, temp dirs. */
import { mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeBundle } from "@sdx/bundle-format";
import type { Manifest, ManifestJob, ManifestParam, ManifestTask } from "@sdx/sdk/manifest";
import { PROTOCOL_VERSION } from "@sdx/sdk/protocol";

const made: string[] = [];

export function tempDir(prefix = "sdx-host-"): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  made.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export function job(name: string, options: Partial<ManifestJob> = {}): ManifestJob {
  return { name, parallelism: 1, trigger: "user_initiated", params: [], ...options };
}

export function task(name: string, options: Partial<ManifestTask> = {}): ManifestTask {
  return { name, retries: 0, timeoutMs: 5_000, backoffMs: 0, params: [], returns: {}, ...options };
}

export const sdPathParam = (name: string): ManifestParam => ({
  name,
  optional: false,
  sdkType: "SdPath",
  schema: { type: "object", properties: { device: { type: "string" }, path: { type: "string" } }, required: ["device", "path"], additionalProperties: false },
});

export function manifest(overrides: Partial<Manifest> = {}): Manifest {
  return {
    manifestVersion: 1, protocolVersion: PROTOCOL_VERSION, id: "org.test.jobs", name: "Jobs test", version: "0.1.0",
    description: "hand-written guest", minCoreVersion: "2.0.0", requiredFeatures: [], permissions: [], settings: [],
    models: [], jobs: [], tasks: [], actions: [], agent: null, memory: null,
    aiModels: [], prompts: [], kernels: [], hasInit: false, hasUi: false, queries: [],
    ...overrides,
  };
}

export function bundleBytes(m: Manifest, guestJs: string, kernels: Uint8Array | null = null): Promise<Uint8Array> {
  return writeBundle({ manifestJson: JSON.stringify(m), guestJs, schemaSql: "", uiManifestJson: null, prompts: {}, assets: {}, kernels });
}
