/**
 * The task-level AI operations through the ops, on real ONNX models written by the tests, real
 * sharp decodes of generated images, a real SQLite library and a loopback LLM server.
 */
import path from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readBundle, writeBundle, type LoadedBundle } from "@sdx/bundle-format";
import type { ManifestPermission } from "@sdx/sdk/manifest";
import { aiOps } from "./ai.js";
import { promptOps } from "./prompts.js";
import { createDispatcher } from "./dispatch.js";
import type { OpContext } from "./context.js";
import { indexLocation } from "../core/indexer/indexer.js";
import { Library } from "../store/library.js";
import { blobToUuid } from "../store/uuid.js";
import { cleanupTempDirs, installTest, makeManifest, tempDir, writeTree } from "../store/__tests__/fixture.js";
import { closeAi, registryFor } from "../core/ai/runtime.js";
import { fixedDetectorModel, meanColourModel } from "../core/ai/testing/onnx-writer.js";
import { renderPage } from "../core/ocr/render-page.js";
import { startLlmPeer, type LlmPeer } from "../core/ai/testing/llm-peers.js";

const dispatch = createDispatcher({ ...aiOps, ...promptOps });

// Two anchors: a face at (0.25..0.75, 0.25..0.5) with landmarks, and one under the threshold.
const DETECTOR = fixedDetectorModel(
  4,
  Float32Array.from([0.1, 0.9, 0.6, 0.4]),
  Float32Array.from([0.25, 0.25, 0.75, 0.5, 0, 0, 1, 1]),
  Float32Array.from([...Array.from({ length: 10 }, (_, i) => 0.3 + i * 0.01), ...new Array<number>(10).fill(0)]),
);
const CLASSIFIER = meanColourModel(2);
const RGB = ["red", "green", "blue"];
const detectorFamily = { kind: "face_detector", input: { width: 4, height: 4 }, normalize: { scale: 255 } };

let library: Library;
let modelsDir: string;
let bundle: LoadedBundle;
let llm: LlmPeer;
let photos: OpContext;
let other: OpContext;
let entry: string;
let orange: Uint8Array;

async function context(id: string, permissions: ManifestPermission[]): Promise<OpContext> {
  const ctx = await installTest(library, permissions, { id });
  return { ...ctx, bundle, modelsDir };
}

async function ok<T>(ctx: OpContext, op: string, payload: unknown): Promise<T> {
  const result = await dispatch(ctx, op, payload);
  if (!result.ok) throw new Error(`${op} failed: ${result.error.code} ${result.error.message}`);
  return result.value as T;
}

async function fails(ctx: OpContext, op: string, payload: unknown) {
  const result = await dispatch(ctx, op, payload);
  if (result.ok) throw new Error(`${op} succeeded, expected a failure`);
  return result.error;
}

beforeAll(async () => {
  library = Library.open(path.join(tempDir(), "lib"));
  modelsDir = tempDir("sdx-models-");
  bundle = await readBundle(await writeBundle({
    manifestJson: JSON.stringify(makeManifest({ id: "org.example.bundle" })), guestJs: "", schemaSql: "", uiManifestJson: null,
    prompts: { "ask.jinja": "Describe {{ thing }} for {{ who }}." }, assets: { "models/detector.onnx": DETECTOR, "models/colour.onnx": CLASSIFIER }, kernels: null,
  }));
  orange = await sharp({ create: { width: 8, height: 6, channels: 3, background: { r: 255, g: 128, b: 0 } } }).png().toBuffer();
  const files = tempDir("sdx-faces-");
  writeTree(files, { "a.png": orange });
  await indexLocation(library, files, { media: false });
  entry = blobToUuid((library.db.prepare("SELECT uuid FROM entries WHERE is_dir = 0").get() as { uuid: Buffer }).uuid);
  const grants: ManifestPermission[] = [
    { kind: "read_entries", glob: "**/*.png" },
    { kind: "use_model", category: "faces", preference: "local" },
    { kind: "use_model", category: "labels", preference: "local" },
    { kind: "use_model", category: "llm", preference: "local" },
    { kind: "use_model", category: "ocr", preference: "local" },
  ];
  photos = await context("org.example.photos", grants);
  other = await context("org.example.other", grants);
  llm = await startLlmPeer("ollama", ["llama3.2"]);
  registryFor(modelsDir).addEndpoint("chat", { kind: "ollama", baseUrl: llm.url, model: "llama3.2", category: "llm" });
});

afterAll(async () => {
  await llm.close();
  await closeAi();
  library.close();
  cleanupTempDirs();
});

describe("model families at registration", () => {
  it("records a family that matches the model, and refuses one that does not, leaving nothing", async () => {
    const info = await ok(photos, "registry.register", { name: "detector", category: "faces", source: { kind: "bundled", path: "models/detector.onnx" }, family: detectorFamily });
    expect(info).toMatchObject({ name: "detector", installed: true, family: "face_detector" });
    const wrong = await fails(photos, "registry.register", {
      name: "colour-as-detector", category: "labels", source: { kind: "bundled", path: "models/colour.onnx" }, family: { ...detectorFamily, input: { width: 2, height: 2 } },
    });
    expect(wrong.code).toBe("SDX3002");
    expect(wrong.message).toMatch(/colour-as-detector does not match its declared family face_detector.*family\.outputs\.scores: the model has no scores output "scores"/);
    expect(registryFor(modelsDir).get("colour-as-detector")).toBeNull();
    // A malformed declaration never reaches the registry (the protocol's schema).
    expect((await fails(photos, "registry.register", { name: "x", category: "faces", source: { kind: "bundled", path: "models/detector.onnx" }, family: { kind: "face_detector", input: { width: 0, height: 4 } } })).code).toBe("SDX3002");
  });
});

describe("task-level operations", () => {
  it("detectFaces: threshold, boxes and landmarks in pixels of the original, from an entry or bytes", async () => {
    const fromEntry = await ok<{ faces: Array<{ box: number[]; score: number; landmarks: number[][] }>; width: number; height: number }>(photos, "ai.detectFaces", { model: "detector", source: { entry } });
    expect([fromEntry.width, fromEntry.height]).toEqual([8, 6]);
    expect(fromEntry.faces).toEqual([{ box: [2, 1.5, 6, 3], score: Math.fround(0.9), landmarks: expect.any(Array) }]);
    expect(fromEntry.faces[0]!.landmarks[0]).toEqual([expect.closeTo(0.3 * 8, 5), expect.closeTo(0.31 * 6, 5)]);
    const lower = await ok<{ faces: unknown[] }>(photos, "ai.detectFaces", { model: "detector", source: { bytes: orange }, threshold: 0.3 });
    expect(lower.faces).toHaveLength(2);
  });

  it("classify: labels by score (softmax of the logits)", async () => {
    await ok(photos, "registry.register", {
      name: "colour", category: "labels", source: { kind: "bundled", path: "models/colour.onnx" },
      family: { kind: "image_classifier", input: { width: 2, height: 2 }, normalize: { scale: 255 }, labels: RGB, softmax: true },
    });
    const { labels } = await ok<{ labels: Array<{ label: string; score: number }> }>(photos, "ai.classify", { model: "colour", source: { entry }, top: 2 });
    const exp = [1, 128 / 255, 0].map(Math.exp);
    const sum = exp.reduce((a, b) => a + b);
    expect(labels.map((l) => l.label)).toEqual(["red", "green"]);
    expect(labels[0]!.score).toBeCloseTo(exp[0]! / sum, 5);
  });

  it("embedFace: a unit vector of the face crop; wrong families and undeclared models say what to do", async () => {
    await ok(photos, "registry.register", {
      name: "embedder", category: "faces", source: { kind: "bundled", path: "models/colour.onnx" },
      family: { kind: "face_embedder", input: { width: 2, height: 2 }, normalize: { scale: 255 }, crop: { shiftY: -0.05 } },
    });
    const { embedding } = await ok<{ embedding: Float32Array }>(photos, "ai.embedFace", { model: "embedder", source: { entry }, box: [1, 1, 5, 5] });
    expect(embedding).toBeInstanceOf(Float32Array);
    expect(Math.hypot(...embedding)).toBeCloseTo(1, 5);
    const norm = Math.hypot(1, 128 / 255);
    expect(Array.from(embedding)).toEqual([1 / norm, 128 / 255 / norm, 0].map((v) => expect.closeTo(v, 2)));
    expect((await fails(photos, "ai.embedFace", { model: "detector", source: { entry }, box: [0, 0, 1, 1] })).message).toMatch(/is a face_detector; embedFace needs a face_embedder/);
    await ok(photos, "registry.register", { name: "plain", category: "faces", source: { kind: "bundled", path: "models/detector.onnx" } });
    expect((await fails(photos, "ai.detectFaces", { model: "plain", source: { entry } })).message).toMatch(/declares no family/);
  });

  it("imageTensor keeps the tensor on the host; run takes it (twice: it comes back from the worker), other extensions cannot", async () => {
    const image = await ok<{ tensor: { ref: string } }>(photos, "ai.imageTensor", { source: { entry }, options: { width: 2, height: 2, scale: 255 } });
    for (let i = 0; i < 2; i++) {
      const { outputs } = await ok<{ outputs: { logits: { data: Float32Array } } }>(photos, "ai.run", { model: "colour", inputs: { image: { ref: image.tensor.ref } } });
      expect(Array.from(outputs.logits.data)).toEqual([1, 128 / 255, 0].map((v) => expect.closeTo(v, 5)));
    }
    // Two runs at once: the second borrower gets a copy, both answer.
    const both = await Promise.all([0, 1].map(() => ok<{ outputs: { logits: { data: Float32Array } } }>(photos, "ai.run", { model: "colour", inputs: { image: { ref: image.tensor.ref } } })));
    expect(both.map((b) => b.outputs.logits.data[0])).toEqual([1, 1]);
    const { tensor } = await ok<{ tensor: { data: Float32Array } }>(photos, "ai.readTensor", { ref: image.tensor.ref });
    expect(tensor.data.length).toBe(12);
    expect((await fails(other, "ai.run", { model: "colour", inputs: { image: { ref: image.tensor.ref } } })).code).toBe("SDX3008");
  });
});

describe("the core OCR", () => {
  it("reads a page through the reserved model core:ocr, and needs the ocr grant", async () => {
    const page = await renderPage(720, 200, [{ text: "Hello sdx 2026", x: 60, y: 120, size: 64 }]);
    const result = await ok<{ text: string; lines: Array<{ text: string; box: number[] }>; width: number }>(photos, "ai.ocr", { model: "core:ocr", source: { bytes: page.bytes } });
    expect(result.text).toBe("Hello sdx 2026");
    expect(result.width).toBe(720);
    expect(result.lines[0]!.box[0]).toBeLessThan(80);
    expect((await fails(photos, "ai.ocr", { model: "detector", source: { bytes: page.bytes } })).message).toMatch(/use the model name "core:ocr"/);
    const noGrant = await context("org.example.noocr", [{ kind: "use_model", category: "faces", preference: "local" }]);
    expect((await fails(noGrant, "ai.ocr", { model: "core:ocr", source: { bytes: page.bytes } })).code).toBe("SDX3001");
  }, 120_000);
});

describe("language models and templates", () => {
  it("generateJson validates against the schema and asks again with what was wrong", async () => {
    const schema = { type: "object", properties: { title: { type: "string" }, stars: { type: "integer", minimum: 1, maximum: 5 } }, required: ["title", "stars"] };
    llm.scripted.push("Sure! Here you go", "```json\n{\"title\": \"Beach\", \"stars\": 9}\n```", "{\"title\": \"Beach\", \"stars\": 4}");
    const before = llm.requests.length;
    const answer = await ok<{ value: unknown; attempts: number }>(photos, "ai.generateJson", { model: "chat", prompt: "Rate the photo", schema });
    expect(answer).toEqual({ value: { title: "Beach", stars: 4 }, attempts: 3 });
    const prompts = llm.requests.slice(before).map((r) => String(r.body.prompt));
    expect(prompts[0]).toMatch(/Rate the photo\n\nAnswer with JSON only, matching this JSON Schema/);
    expect(prompts[1]).toMatch(/was not JSON/);
    expect(prompts[2]).toMatch(/did not match the schema: stars: /);
    llm.scripted.push("{}", "{}");
    const failed = await fails(photos, "ai.generateJson", { model: "chat", prompt: "x", schema, retries: 1 });
    expect(failed.code).toBe("SDX3002");
    expect(failed.message).toMatch(/after 2 attempts.*title/);
    expect((await fails(photos, "ai.generateJson", { model: "chat", prompt: "x", schema: { type: "no-such-type" } })).message).toMatch(/JSON Schema cannot be used/);
    // A prompt template is rendered first, as for generate.
    llm.scripted.push("{\"title\": \"Dune\", \"stars\": 5}");
    const templated = await ok<{ value: unknown }>(photos, "ai.generateJson", { model: "chat", prompt: "", schema, options: { template: "ask", variables: { thing: "a book", who: "kids" } } });
    expect(templated.value).toEqual({ title: "Dune", stars: 5 });
    expect(String(llm.requests.at(-1)!.body.prompt)).toMatch(/^Describe a book for kids\.\n\nAnswer with JSON only/);
  });

  it("ai.pick chooses an installed model of the category the preference allows", async () => {
    expect(await ok(photos, "ai.pick", { category: "llm" })).toEqual({ model: "chat" });
    expect(await ok(photos, "ai.pick", { category: "faces", family: "face_embedder" })).toEqual({ model: "embedder" });
    expect((await fails(photos, "ai.pick", { category: "faces", family: "image_classifier" })).code).toBe("SDX3008");
    expect((await fails(photos, "ai.pick", { category: "audio" })).code).toBe("SDX3001");
  });
});
