import os from "node:os";
import path from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readBundle, writeBundle, type LoadedBundle } from "@sdx/bundle-format";
import { decodeMessage, encodeMessage, type WireResult } from "@sdx/sdk/protocol";
import type { ManifestPermission } from "@sdx/sdk/manifest";
import { aiOps } from "./ai.js";
import { promptOps } from "./prompts.js";
import { createDispatcher } from "./dispatch.js";
import type { OpContext } from "./context.js";
import { indexLocation } from "../core/indexer/indexer.js";
import { Library } from "../store/library.js";
import { readAudit } from "../store/audit.js";
import { blobToUuid } from "../store/uuid.js";
import { cleanupTempDirs, installTest, makeManifest, tempDir, writeTree } from "../store/__tests__/fixture.js";
import { closeAi, registryFor } from "../core/ai/runtime.js";
import { policyStore } from "../core/ai/policy.js";
import { linearModel } from "../core/ai/testing/onnx-writer.js";
import { peerReply, startLlmPeer, type LlmPeer } from "../core/ai/testing/llm-peers.js";

const dispatch = createDispatcher({ ...aiOps, ...promptOps });
const W = Float32Array.from([1, 0, -1, 2, 0.5, 3]); // [3, 2]
const B = Float32Array.from([0.25, -4]);
const MODEL = linearModel(W, B, 3, 2);
const PROMPTS = { "caption.jinja": "Caption {{ prompt }}{% if place %} near {{ place }}{% endif %}.", "system.j2": "You answer in {{ language }}." };

/** A machine address that is not loopback: "off the machine" by policy, yet served right here. */
const lanAddress = Object.values(os.networkInterfaces()).flat().find((a) => a && a.family === "IPv4" && !a.internal)?.address;

let library: Library;
let modelsDir: string;
let bundle: LoadedBundle;
let ollama: LlmPeer;
let remote: LlmPeer | null = null;

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

let photos: OpContext;
let writer: OpContext;
let pngEntry: string;
let jpgEntry: string;

beforeAll(async () => {
  library = Library.open(path.join(tempDir(), "lib"));
  modelsDir = tempDir("sdx-models-");
  const manifest = makeManifest({ id: "org.example.bundle" });
  bundle = await readBundle(await writeBundle({
    manifestJson: JSON.stringify(manifest), guestJs: "", schemaSql: "", uiManifestJson: null,
    prompts: PROMPTS, assets: { "assets/models/linear.onnx": MODEL }, kernels: null,
  }));
  const files = tempDir("sdx-photos-");
  const image = await sharp({ create: { width: 6, height: 4, channels: 3, background: { r: 255, g: 128, b: 0 } } }).png().toBuffer();
  writeTree(files, { "a.png": image, "b.jpg": await sharp(image).jpeg().toBuffer() });
  await indexLocation(library, files, { media: false });
  const rows = library.db.prepare("SELECT uuid, name FROM entries WHERE is_dir = 0 ORDER BY name").all() as Array<{ uuid: Buffer; name: string }>;
  pngEntry = blobToUuid(rows.find((r) => r.name.startsWith("a"))!.uuid);
  jpgEntry = blobToUuid(rows.find((r) => r.name.startsWith("b"))!.uuid);

  photos = await context("org.example.photos", [
    { kind: "read_entries", glob: "**/*.png" },
    { kind: "use_model", category: "tiny", preference: "local" },
    { kind: "use_model", category: "llm", preference: "local" },
  ]);
  writer = await context("org.example.writer", [{ kind: "use_model", category: "llm", preference: "cloud" }]);
  ollama = await startLlmPeer("ollama", ["llama3.2"]);
  registryFor(modelsDir).addEndpoint("local-llm", { kind: "ollama", baseUrl: ollama.url, model: "llama3.2", category: "llm" });
  if (lanAddress) {
    remote = await startLlmPeer("openai", ["gpt-test"], lanAddress);
    registryFor(modelsDir).addEndpoint("cloud-llm", { kind: "openai", baseUrl: remote.url, model: "gpt-test", category: "llm" });
  } else {
    registryFor(modelsDir).addEndpoint("cloud-llm", { kind: "openai", baseUrl: "http://192.0.2.1:9/v1", model: "gpt-test", category: "llm" });
  }
});

afterAll(async () => {
  await ollama.close();
  await remote?.close();
  await closeAi();
  library.close();
  cleanupTempDirs();
});

describe("registry and inference through the ops", () => {
  it("registers a bundled model and runs it; tensors cross the codec as binary", async () => {
    const info = await ok(photos, "registry.register", { name: "linear", category: "tiny", source: { kind: "bundled", path: "models/linear.onnx" } });
    expect(info).toMatchObject({ name: "linear", category: "tiny", size: MODEL.length, installed: true });
    expect(await ok(photos, "registry.get", { name: "linear" })).toEqual({ model: info });
    const x = Float32Array.from([1, 2, 3, -1, 0, 1]);
    // The request's buffers move to the inference worker (no copy): the caller gives them up.
    const result = await dispatch(photos, "ai.run", { model: "linear", inputs: { x: { type: "float32", dims: [2, 3], data: x.slice() } } });
    const wire = encodeMessage(result);
    expect(wire.json).toContain('"$bin"');
    expect(wire.buffers.length).toBe(1);
    const decoded = decodeMessage<WireResult<{ outputs: { y: { dims: number[]; data: Float32Array } } }>>(wire);
    if (!decoded.ok) throw new Error(decoded.error.message);
    const y = decoded.value.outputs.y;
    expect(y.dims).toEqual([2, 2]);
    const want = [0, 1].flatMap((r) => [0, 1].map((c) => x[r * 3] * W[c] + x[r * 3 + 1] * W[2 + c] + x[r * 3 + 2] * W[4 + c] + B[c]));
    Array.from(y.data).forEach((v, i) => expect(v).toBeCloseTo(want[i], 5));
    expect(readAudit(library, { who: photos.extensionId }).some((a) => a.op === "registry.register" && a.result === "ok")).toBe(true);
  });

  it("refuses models of a category the extension was not granted (SDX3001, audited)", async () => {
    const run = await fails(writer, "ai.run", { model: "linear", inputs: {} });
    expect(run).toMatchObject({ code: "SDX3001", name: "PermissionDenied" });
    expect(run.message).toMatch(/use models of category "tiny"/);
    const register = await fails(writer, "registry.register", { name: "x", category: "tiny", source: { kind: "bundled", path: "models/linear.onnx" } });
    expect(register.code).toBe("SDX3001");
    expect(await ok(writer, "registry.get", { name: "linear" })).toEqual({ model: null });
    const denials = readAudit(library, { who: writer.extensionId, result: "denied" }).map((a) => a.op);
    expect(denials).toEqual(expect.arrayContaining(["ai.run", "registry.register"]));
  });

  it("answers an extension without useModel with the permission error, not whether the model exists", async () => {
    const plain = await context("org.example.plain", [{ kind: "write_tags" }]);
    for (const op of ["ai.generate", "ai.chat", "ai.embed", "ai.run"]) {
      const payload = op === "ai.generate" ? { model: "nope", prompt: "hi" } : op === "ai.chat" ? { model: "nope", messages: [] } : op === "ai.embed" ? { model: "nope", texts: [] } : { model: "nope", inputs: {} };
      const error = await fails(plain, op, payload);
      expect(error.code, op).toBe("SDX3001");
      expect(error.message, op).toMatch(/it did not request use_model \(add Permission\.useModel/);
    }
    expect(readAudit(library, { who: plain.extensionId, result: "denied" }).filter((a) => a.op === "ai.generate").at(-1)?.detail).toMatchObject({ code: "SDX3001", permission: "use_model" });
    // With a use_model grant, an unknown model is just that.
    expect((await fails(writer, "ai.generate", { model: "nope", prompt: "hi" })).code).toBe("SDX3008");
  });

  it("explains unknown, not installed and wrong-kind models", async () => {
    expect((await fails(photos, "ai.run", { model: "nope", inputs: {} })).code).toBe("SDX3008");
    await ok(photos, "registry.register", { name: "later", category: "tiny", source: { kind: "download", url: "http://192.0.2.1:9/later.onnx", sha256: "a".repeat(64) } });
    const later = await fails(photos, "ai.run", { model: "later", inputs: {} });
    expect(later.code).toBe("SDX3008");
    expect(later.message).toMatch(/registered but not installed .*not consented.*http:\/\/192\.0\.2\.1:9/);
    expect((await fails(photos, "ai.generate", { model: "linear", prompt: "hi" })).code).toBe("SDX3002");
    expect((await fails(photos, "ai.run", { model: "local-llm", inputs: {} })).code).toBe("SDX3002");
    expect((await fails(photos, "ai.run", { model: "linear", inputs: { x: { type: "float32", dims: [1, 2], data: new Float32Array(2) } } })).code).toBe("SDX3002");
  });
});

describe("language models, preference and consent", () => {
  it("uses a loopback endpoint with a local preference and no consent (nothing leaves the machine)", async () => {
    const { text } = await ok<{ text: string }>(photos, "ai.generate", { model: "local-llm", prompt: "sunset", options: { template: "caption", variables: { place: "Lyon" } } });
    expect(text).toBe(peerReply("llama3.2", "Caption sunset near Lyon."));
    const chat = await ok<{ message: { role: string; content: string } }>(photos, "ai.chat", {
      model: "local-llm", messages: [{ role: "user", content: "bonjour" }], options: { template: "system.j2", variables: { language: "French" } },
    });
    expect(chat.message).toEqual({ role: "assistant", content: peerReply("llama3.2", "bonjour") });
    expect(ollama.requests.at(-1)?.body.messages).toEqual([{ role: "system", content: "You answer in French." }, { role: "user", content: "bonjour" }]);
    const { embeddings } = await ok<{ embeddings: Float32Array[] }>(photos, "ai.embed", { model: "local-llm", texts: ["a", "bb"] });
    expect(embeddings.map((e) => e[0])).toEqual([1, 2]);
  });

  it("blocks an off-machine endpoint under a local preference, and under cloud without consent (SDX3018)", async () => {
    const before = remote?.requests.length ?? 0;
    const local = await fails(photos, "ai.generate", { model: "cloud-llm", prompt: "private" });
    expect(local).toMatchObject({ code: "SDX3018", name: "ConsentRequired", data: { reason: "preference", preference: "local" } });
    expect(local.message).toMatch(/would send data off this machine .*org\.example\.photos's preference for "llm" models is local/);
    const cloud = await fails(writer, "ai.chat", { model: "cloud-llm", messages: [{ role: "user", content: "private" }] });
    expect(cloud).toMatchObject({ code: "SDX3018", data: { reason: "consent", preference: "cloud" } });
    expect(cloud.message).toMatch(/has not consented to org\.example\.writer/);
    // The user's preference wins over the extension's: "local" blocks the cloud-preferring extension.
    policyStore(library).setPreference("llm", "local");
    expect((await fails(writer, "ai.chat", { model: "cloud-llm", messages: [{ role: "user", content: "x" }] })).data).toMatchObject({ reason: "preference", preference: "local" });
    policyStore(library).setPreference("llm", null);
    expect(remote?.requests.length ?? 0).toBe(before);
    expect(readAudit(library, { result: "denied" }).filter((a) => a.op === "ai.generate" || a.op === "ai.chat").length).toBeGreaterThanOrEqual(3);
  });

  it.runIf(lanAddress)("allows it once the user recorded consent, and audits what left", async () => {
    const cloudUrl = registryFor(modelsDir).get("cloud-llm")!.endpoint!.baseUrl;
    policyStore(library).grantConsent(writer.extensionId, cloudUrl);
    const { text } = await ok<{ text: string }>(writer, "ai.generate", { model: "cloud-llm", prompt: "hello" });
    expect(text).toBe(peerReply("gpt-test", "hello"));
    const sent = readAudit(library, { who: writer.extensionId, result: "ok" }).find((a) => a.op === "ai.generate");
    expect(sent?.detail).toMatchObject({ origin: new URL(cloudUrl).origin, offMachine: true });
    // Consent is per extension: the user's cloud preference alone does not open it to another one.
    policyStore(library).setPreference("llm", "cloud");
    expect((await fails(photos, "ai.generate", { model: "cloud-llm", prompt: "x" })).data).toMatchObject({ reason: "consent" });
    policyStore(library).setPreference("llm", null);
    policyStore(library).revokeConsent(writer.extensionId);
    expect((await fails(writer, "ai.generate", { model: "cloud-llm", prompt: "x" })).code).toBe("SDX3018");
  });
});

describe("image tensors and prompts", () => {
  it("reads an entry the extension may read, and refuses one it may not", async () => {
    const result = await ok<{ tensor: { ref: string; dims: number[] }; width: number; height: number }>(photos, "ai.imageTensor", {
      source: { entry: pngEntry }, options: { width: 3, height: 2, scale: 255, layout: "nhwc" },
    });
    expect([result.width, result.height]).toEqual([6, 4]);
    expect(result.tensor).toEqual({ ref: expect.stringMatching(/^t_[0-9a-f]{24}$/), type: "float32", dims: [1, 2, 3, 3] });
    // The pixels stay on the host; the guest reads them only when it asks.
    const { tensor } = await ok<{ tensor: { data: Float32Array } }>(photos, "ai.readTensor", { ref: result.tensor.ref });
    expect(Array.from(tensor.data.subarray(0, 3))).toEqual([1, 128 / 255, 0].map((v) => Math.fround(v)));
    expect((await fails(writer, "ai.readTensor", { ref: result.tensor.ref })).code).toBe("SDX3008");
    const denied = await fails(photos, "ai.imageTensor", { source: { entry: jpgEntry }, options: { width: 3, height: 2 } });
    expect(denied.code).toBe("SDX3001");
    expect(readAudit(library, { who: photos.extensionId, result: "denied" }).some((a) => a.op === "ai.imageTensor")).toBe(true);
    const big = await fails(photos, "ai.imageTensor", { source: { entry: pngEntry }, options: { width: 8192, height: 8192 } });
    expect(big.code).toBe("SDX3014");
  });

  it("renders bundled Jinja templates; an unknown template is SDX3008", async () => {
    expect(await ok(photos, "prompts.render", { template: "caption.jinja", variables: { prompt: "a dog", place: "Oslo" } })).toEqual({ text: "Caption a dog near Oslo." });
    expect(await ok(photos, "prompts.render", { template: "prompts/caption", variables: { prompt: "a cat" } })).toEqual({ text: "Caption a cat." });
    const missing = await fails(photos, "prompts.render", { template: "nope", variables: {} });
    expect(missing.code).toBe("SDX3008");
    expect(missing.message).toContain("caption.jinja, system.j2");
  });
});
