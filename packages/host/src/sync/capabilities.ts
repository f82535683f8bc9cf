/**
 * What this device reports about itself (spec §8, docs/devices.md): CPU cores, memory, the ONNX
 * execution providers its onnxruntime build has (a GPU one makes the device `gpu`), the AI models
 * installed in its models directory (`model:<name>`), and what the user declared (`sdx serve
 * --capability`). The report is this device's own sync row (`device`), so every device of the
 * library learns every other's capabilities through sync.
 */
import { existsSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import { dirname, join } from "node:path";
import { ModelRegistry } from "../core/ai/index.js";
import type { Library } from "../store/library.js";
import { deviceRow } from "../store/sync-export.js";
import { updateLocalDevice } from "../store/sync-peers.js";
import { stampRow } from "../store/sync-rows.js";

export interface DeviceReport {
  name: string;
  capabilities: string[];
  info: {
    cores: number;
    memoryBytes: number;
    platform: string;
    arch: string;
    onnxProviders: string[];
    models: string[];
    declared: string[];
    /** Extensions installed here (what `executeOn` can run on this device). */
    extensions: Array<{ id: string; version: string }>;
  };
}

/** GPU execution providers, by the library file onnxruntime-node ships for them. */
const GPU_PROVIDER_FILES: ReadonlyArray<[string, RegExp]> = [
  ["cuda", /onnxruntime_providers_cuda/], ["tensorrt", /onnxruntime_providers_tensorrt/], ["dml", /^DirectML\.dll$/i], ["rocm", /onnxruntime_providers_rocm/],
];

/** ONNX execution providers of this machine's onnxruntime-node build (read from its files: nothing is loaded). */
export function onnxProviders(): string[] {
  const providers = ["cpu"];
  try {
    const root = dirname(createRequire(import.meta.url).resolve("onnxruntime-node/package.json"));
    const dir = join(root, "bin", "napi-v6", process.platform, process.arch);
    const files = existsSync(dir) ? readdirSync(dir) : [];
    for (const [name, pattern] of GPU_PROVIDER_FILES) if (files.some((f) => pattern.test(f))) providers.push(name);
    if (process.platform === "darwin") providers.push("coreml"); // built into the macOS binding
  } catch {
    // no onnxruntime-node: CPU only
  }
  return providers;
}

/** This device's report: detected, plus what the user declared. */
export function localReport(options: { name: string; modelsDir: string; declared?: readonly string[]; extensions?: ReadonlyArray<{ id: string; version: string }> }): DeviceReport {
  const providers = onnxProviders();
  let models: string[] = [];
  try {
    const registry = new ModelRegistry(options.modelsDir);
    try {
      models = registry.list().filter((m) => m.installed).map((m) => m.name).sort();
    } finally {
      registry.close();
    }
  } catch {
    // an unreadable models directory: no models to report
  }
  const declared = [...new Set(options.declared ?? [])].sort();
  const capabilities = new Set(["cpu", ...models.map((m) => `model:${m}`), ...declared]);
  if (providers.some((p) => p !== "cpu")) capabilities.add("gpu");
  return {
    name: options.name,
    capabilities: [...capabilities].sort(),
    info: {
      cores: os.cpus().length, memoryBytes: os.totalmem(), platform: process.platform, arch: process.arch, onnxProviders: providers, models, declared,
      extensions: (options.extensions ?? []).map((e) => ({ id: e.id, version: e.version })),
    },
  };
}

/** Records the report as this device's row, stamped for sync when it changed. */
export function publishReport(library: Library, report: DeviceReport): void {
  const current = deviceRow(library, library.deviceUuid);
  if (current && current.name === report.name && JSON.stringify(current.capabilities) === JSON.stringify(report.capabilities)
    && JSON.stringify(current.info) === JSON.stringify(report.info)) return;
  library.transaction(() => {
    const hlc = library.hlc.now();
    updateLocalDevice(library, { ...report, updatedAt: new Date().toISOString() });
    stampRow(library, "device", library.deviceUuid, ["report"], hlc, false);
  });
}
