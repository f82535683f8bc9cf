/**
 * Real-world AI check (../shared/fixtures, see SOURCES.md): UltraFace registered through the model
 * registry with its family and run through the host ops (`registry.register`, `ai.detectFaces`:
 * what a guest's `ctx.models().register` and `ctx.ai().fromRegistered(...).detectFaces` reach)
 * finds the faces of faces/expected_faces.json: the same count per photo (threshold 0.7, NMS 0.3)
 * and boxes within a few pixels (the reference used Pillow's bilinear resize). The raw path
 * (`ai.imageTensor` → a host-side tensor handle → `ai.run`, NMS here) finds the same faces, and
 * so does the model without post-processing, decoded against its priors. MobileFaceNet
 * embeddings (`ai.embedFace`) of the documented face crops (black padding outside the image)
 * separate the identities as expected_embeddings.json says.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FIXTURES } from "./fixtures.js";
import { Library } from "../../packages/host/src/store/library.js";
import { cleanupTempDirs, installTest, tempDir } from "../../packages/host/src/store/__tests__/fixture.js";
import { createDispatcher } from "../../packages/host/src/ops/dispatch.js";
import { aiOps } from "../../packages/host/src/ops/ai.js";
import type { OpContext } from "../../packages/host/src/ops/context.js";
import { closeAi, inferenceSessions } from "../../packages/host/src/core/ai/runtime.js";

type Box = [number, number, number, number];
interface Expected {
  path: string;
  width: number;
  height: number;
  "version-RFB-320": { count: number; boxes: Array<[number, number, number, number, number]> };
  "version-slim-320": { count: number; boxes: Array<[number, number, number, number, number]> };
}
interface Tensor {
  dims: number[];
  data: Float32Array;
}
type Face = { box: Box; score: number };

const ULTRAFACE = { kind: "face_detector", input: { width: 320, height: 240 }, normalize: { mean: [127, 127, 127], std: [128, 128, 128] } };
/** fd_config.py of the UltraFace repository, as SOURCES.md gives it. */
const PRIORS = { minSizes: [[10, 16, 24], [32, 48], [64, 96], [128, 192, 256]], strides: [8, 16, 32, 64] };

const expected = JSON.parse(fs.readFileSync(path.join(FIXTURES, "faces/expected_faces.json"), "utf8")) as Expected[];
const embeddingsRef = JSON.parse(fs.readFileSync(path.join(FIXTURES, "faces/expected_embeddings.json"), "utf8")) as {
  boxes_used: Record<string, Box>;
  identity: Record<string, string>;
  pairs: Array<{ a: string; b: string; same: boolean; cos: number }>;
};

const dispatch = createDispatcher(aiOps);
let library: Library;
let ctx: OpContext;

async function call<T>(op: string, payload: unknown): Promise<T> {
  const result = await dispatch(ctx, op, payload);
  if (!result.ok) throw new Error(`${op}: ${result.error.code} ${result.error.message}`);
  return result.value as T;
}

function iou(a: number[], b: number[]): number {
  const w = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const h = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const inter = w * h;
  return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter);
}

/** SOURCES.md post-processing: score > 0.7, greedy hard NMS at IoU 0.3, scale to the original. */
function faces(scores: Float32Array, boxes: Float32Array, width: number, height: number): Array<{ box: Box; score: number }> {
  const candidates: Array<{ box: Box; score: number }> = [];
  for (let i = 0; i < scores.length / 2; i++) {
    const score = scores[i * 2 + 1];
    if (score > 0.7) candidates.push({ box: [boxes[i * 4], boxes[i * 4 + 1], boxes[i * 4 + 2], boxes[i * 4 + 3]], score });
  }
  candidates.sort((a, b) => b.score - a.score);
  const kept: typeof candidates = [];
  for (const c of candidates) if (kept.every((k) => iou(k.box, c.box) <= 0.3)) kept.push(c);
  return kept.map(({ box, score }) => ({ box: [box[0] * width, box[1] * height, box[2] * width, box[3] * height], score }));
}

beforeAll(async () => {
  library = Library.open(path.join(tempDir(), "lib"));
  ctx = {
    ...(await installTest(library, [
      { kind: "use_model", category: "face_detection", preference: "local" },
      { kind: "use_model", category: "face_embedding", preference: "local" },
    ], { id: "org.example.faces" })),
    modelsDir: tempDir("sdx-models-"),
  };
});
afterAll(async () => {
  await closeAi();
  library.close();
  cleanupTempDirs();
});

function checkFaces(label: string, found: Face[], want: Array<[number, number, number, number, number]>, count = want.length): number {
  expect(found.length, label).toBe(count);
  let worst = 0;
  // Every expected box has a detection on top of it; corners agree within max(4 px, 10% of the face).
  for (const box of want) {
    const best = found.reduce((a, b) => (iou(a.box, box) >= iou(b.box, box) ? a : b));
    const side = Math.max(box[2] - box[0], box[3] - box[1]);
    const diff = Math.max(...best.box.map((v, i) => Math.abs(v - box[i])));
    worst = Math.max(worst, diff / side);
    expect(diff, `${label} box ${box.join(",")}`).toBeLessThanOrEqual(Math.max(4, 0.1 * side));
  }
  return worst;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

describe("UltraFace through the registry (real fixtures)", () => {
  for (const variant of ["version-RFB-320", "version-slim-320"] as const) {
    it(`${variant}: detectFaces finds the expected face count on every photo, boxes within a few pixels`, async () => {
      const loadsBefore = inferenceSessions().loadTimes.length;
      const info = await call<{ installed: boolean; family: string }>("registry.register", {
        name: variant, category: "face_detection", source: { kind: "local", path: path.join(FIXTURES, "models", `${variant}.onnx`) }, family: ULTRAFACE,
      });
      expect(info).toMatchObject({ installed: true, family: "face_detector" });
      const ms: number[] = [];
      let worst = 0;
      for (const photo of expected) {
        const t0 = performance.now();
        const { faces: found, width, height } = await call<{ faces: Face[]; width: number; height: number }>("ai.detectFaces", {
          model: variant, source: { bytes: fs.readFileSync(path.join(FIXTURES, photo.path)) },
        });
        ms.push(performance.now() - t0);
        expect([width, height]).toEqual([photo.width, photo.height]);
        worst = Math.max(worst, checkFaces(photo.path, found, photo[variant].boxes, photo[variant].count));
      }
      const load = inferenceSessions().loadTimes.slice(loadsBefore);
      console.log(`${variant}: cold load ${load.map((v) => v.toFixed(0)).join(",")} ms (at registration); detectFaces median ${median(ms).toFixed(1)} ms/image; worst corner error ${(worst * 100).toFixed(1)}% of face size`);
      // The session was loaded once, when the registration checked the family.
      expect(load).toHaveLength(1);
    });
  }

  it("the raw path (imageTensor handle → run, NMS in the caller) finds exactly what detectFaces finds", async () => {
    for (const photo of expected) {
      const bytes = fs.readFileSync(path.join(FIXTURES, photo.path));
      const { tensor, width, height } = await call<{ tensor: { ref: string }; width: number; height: number }>("ai.imageTensor", {
        source: { bytes }, options: { width: 320, height: 240, fit: "fill", mean: [127, 127, 127], std: [128, 128, 128], layout: "nchw" },
      });
      const { outputs } = await call<{ outputs: Record<string, Tensor> }>("ai.run", { model: "version-RFB-320", inputs: { input: { ref: tensor.ref } } });
      const direct = await call<{ faces: Face[] }>("ai.detectFaces", { model: "version-RFB-320", source: { bytes } });
      expect(faces(outputs.scores.data, outputs.boxes.data, width, height).map((f) => f.box.map((v, i) => Math.min(Math.max(v, 0), i % 2 ? height : width))), photo.path)
        .toEqual(direct.faces.map((f) => f.box));
    }
  });

  it("the model without post-processing, decoded against its priors, finds the same faces", async () => {
    await call("registry.register", {
      name: "ultraface-raw", category: "face_detection", family: { ...ULTRAFACE, boxes: "priors", priors: PRIORS },
      source: { kind: "local", path: path.join(FIXTURES, "models", "version-RFB-320_without_postprocessing.onnx") },
    });
    for (const photo of expected) {
      const source = { bytes: fs.readFileSync(path.join(FIXTURES, photo.path)) };
      const decoded = await call<{ faces: Face[] }>("ai.detectFaces", { model: "ultraface-raw", source });
      const reference = await call<{ faces: Face[] }>("ai.detectFaces", { model: "version-RFB-320", source });
      expect(decoded.faces.length, photo.path).toBe(reference.faces.length);
      decoded.faces.forEach((f, i) => f.box.forEach((v, k) => expect(Math.abs(v - reference.faces[i]!.box[k]!), photo.path).toBeLessThan(0.01)));
    }
  });
});

describe("MobileFaceNet on the documented face crops (real fixtures)", () => {
  it("separates obama from biden with the crop rule of SOURCES.md (black padding outside the image)", async () => {
    await call("registry.register", {
      name: "face_embedding", category: "face_embedding", source: { kind: "local", path: path.join(FIXTURES, "models", "MobileFaceNet.onnx") },
      family: {
        kind: "face_embedder", input: { width: 112, height: 112 }, crop: { shiftY: -0.05 },
        normalize: { scale: 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
      },
    });
    const vectors: Record<string, Float32Array> = {};
    for (const [key, box] of Object.entries(embeddingsRef.boxes_used)) {
      const bytes = fs.readFileSync(path.join(FIXTURES, "faces", key.split("#")[0]));
      vectors[key] = (await call<{ embedding: Float32Array }>("ai.embedFace", { model: "face_embedding", source: { bytes }, box })).embedding;
      expect(Math.hypot(...vectors[key])).toBeCloseTo(1, 5);
    }
    const cos = (a: string, b: string) => vectors[a].reduce((s, x, i) => s + x * vectors[b][i], 0);
    let worst = 0;
    for (const pair of embeddingsRef.pairs) {
      const got = cos(pair.a, pair.b);
      worst = Math.max(worst, Math.abs(got - pair.cos));
      expect(Math.abs(got - pair.cos), `${pair.a} vs ${pair.b}`).toBeLessThanOrEqual(0.08);
    }
    const obamas = Object.keys(vectors).filter((k) => embeddingsRef.identity[k] === "obama");
    for (const a of obamas) {
      expect(cos(a, "biden.jpg")).toBeLessThan(0.3);
      for (const b of obamas) if (a !== b) expect(cos(a, b)).toBeGreaterThan(cos(a, "biden.jpg") + 0.3);
    }
    console.log(`MobileFaceNet: largest cosine difference from expected_embeddings.json ${worst.toFixed(3)}`);
  });
});
