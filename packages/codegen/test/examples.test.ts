/**
 * Facts about the two richest valid fixtures, stated directly (the golden files pin every byte;
 * these pin what matters, so a refreshed golden file cannot silently change them).
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generate } from "@sdx/codegen";
import { FIXTURES } from "./fixture-harness.js";

describe("valid-full: every decorator", () => {
  const result = generate({ projectDir: join(FIXTURES, "valid-full") });
  const m = result.artifacts!.manifest;

  it("reads identity, enum and const options, and every permission", () => {
    expect([m.id, m.version, m.minCoreVersion]).toEqual(["com.spacedrive.photos", "1.0.0", "2.0.0"]);
    expect(m.requiredFeatures).toEqual(["ai_models", "exif_extraction"]);
    expect(m.permissions.map((p) => p.kind)).toEqual(["read_entries", "read_sidecars", "write_sidecars", "write_tags", "write_collections", "use_model", "use_model", "dispatch_jobs"]);
    expect(m.aiModels).toEqual([{ category: "face_detection", preference: "local" }, { category: "llm", preference: "local" }]);
    expect(m.permissions[0]!.description).toBe("read files matching **/*.{jpg,png,heic}");
  });

  it("reads what a store lists: author, SPDX license, homepage, repository and the icon", () => {
    expect({ author: m.author, license: m.license, homepage: m.homepage, repository: m.repository, icon: m.icon }).toEqual({
      author: "Example Photos Team <photos@example.com>", license: "Apache-2.0 OR MIT", homepage: "https://example.com/photos",
      repository: "https://github.com/example/photos", icon: "assets/icon.svg",
    });
  });

  it("applies model defaults: sync by scope, name option, blob options", () => {
    expect(m.models.map((x) => [x.name, x.className, x.scope, x.sync])).toEqual([
      ["PhotoAnalysis", "PhotoAnalysis", "content", "shared"],
      ["Person", "PersonModel", "standalone", "shared"],
      ["LocalEditState", "LocalEditState", "entry", "device_owned"],
    ]);
    const person = m.models[1]!;
    expect(person.blobFields.map((b) => [b.name, b.compression, b.lazy, b.quantize])).toEqual([["faceEmbeddings", "zstd", false, "none"]]);
    expect(Object.keys(person.schema.properties as object)).toEqual(["name", "photoCount", "favorite"]);
    expect(person.schema.required).toEqual(["photoCount", "favorite"]);
  });

  it("reads jobs, tasks (with defaults) and actions", () => {
    expect(m.jobs.map((j) => [j.name, j.parallelism, j.trigger, j.event, j.everySeconds])).toEqual([
      ["analyzePhotos", 4, "user_initiated", undefined, undefined],
      ["indexNew", 1, "on_event", "entry_indexed", undefined],
      ["clusterPeople", 1, "scheduled", undefined, 86400],
    ]);
    expect(m.jobs[0]!.params.map((p) => [p.name, p.sdkType, p.optional])).toEqual([["location", "SdPath", false], ["force", undefined, true]]);
    expect(m.tasks.map((t) => [t.name, t.retries, t.timeoutMs, t.backoffMs])).toEqual([["detectFaces", 3, 30000, 250], ["classifyScene", 0, 30000, 100]]);
    expect(m.actions).toEqual([{ name: "organizePhotos", title: "Organize Photos", execute: "organizePhotosExecute", params: [expect.objectContaining({ name: "location", sdkType: "SdPath" })] }]);
  });

  it("reads the agent, its trail and hooks, the memory and the settings", () => {
    expect(m.agent!.hooks.map((h) => [h.name, h.event, h.kinds])).toEqual([["onNewPhoto", "entry_indexed", ["image"]], ["onSchedule", "schedule", undefined]]);
    expect(m.agent!.trail).toEqual({ level: "debug", format: "jsonl" });
    expect(m.agent!.scheduleEverySeconds).toBe(3600);
    expect(m.memory!.className).toBe("PhotosMind");
    expect(m.memory!.fields.map((f) => [f.name, f.kind, f.sync])).toEqual([["knowledge", "associative", "shared"], ["plan", "working", "device_owned"], ["history", "temporal", "shared"]]);
    expect(m.settings.map((s) => [s.name, s.type, s.default])).toEqual([["faceRecognition", "boolean", true], ["modelPreference", "string", "local"], ["minFaceSize", "number", 40], ["ignoredFolders", "string[]", ["/tmp"]]]);
    expect(m.settings[1]!.options).toEqual(["local", "cloud"]);
    expect(result.ir!.settings!.property).toBe("config");
  });

  it("keeps the IR plain: it survives a JSON round trip", () => {
    expect(JSON.parse(JSON.stringify(result.ir))).toEqual(result.ir);
  });

  it("lists prompts, kernels, init and UI", () => {
    expect([m.prompts, m.kernels, m.hasInit, m.hasUi]).toEqual([["faces/describe.jinja", "summary.jinja"], ["cosine", "norm"], true, true]);
  });

  it("passes the classes and the settings property to startGuest", () => {
    const entry = result.artifacts!.entryTs;
    expect(entry).toContain(`import { LocalEditState, PersonModel, PhotoAnalysis, Photos, PhotosMind } from "../src/main.js";`);
    expect(entry).toMatch(/extensionClass: Photos,\n {2}models: \{\n {4}PhotoAnalysis: PhotoAnalysis,\n {4}Person: PersonModel,\n {4}LocalEditState: LocalEditState,\n {2}\},\n {2}memoryClass: PhotosMind,\n {2}settingsProperty: "config",\n\}\);\n$/);
  });
});

describe("valid-alias: decorators found by symbol, not by name", () => {
  const result = generate({ projectDir: join(FIXTURES, "valid-alias") });

  it("recognizes renamed imports, namespace imports and re-exports under other names", () => {
    // Its two permissions are requested for the manifest's sake and never used: warnings only.
    expect(result.diagnostics.map((d) => d.code)).toEqual(["unused-permission", "unused-permission"]);
    const m = result.artifacts!.manifest;
    // Files in path order, declarations in source order.
    expect(m.models.map((x) => x.name)).toEqual(["Topic", "Summary"]);
    expect(m.tasks.map((t) => [t.name, t.retries])).toEqual([["summarize", 1]]);
    expect(m.jobs.map((j) => [j.name, j.parallelism])).toEqual([["summarizeAll", 3]]);
    expect(m.permissions).toEqual([
      { kind: "read_entries", glob: "docs/**/*.md", description: "read files matching docs/**/*.md" },
      { kind: "write_custom_metadata", description: "store its own custom metadata on files" },
    ]);
  });

  it("imports a default-exported extension class and a model the entry does not export from its own module", () => {
    const entry = result.artifacts!.entryTs;
    expect(entry).toContain(`import { default as Aliased, Topic } from "../src/index.js";`);
    expect(entry).toContain(`import { Summary } from "../src/models.js";`);
  });
});
