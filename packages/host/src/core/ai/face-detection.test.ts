import { describe, expect, it } from "vitest";
import { decodeFaces, faceCrop, l2normalize, ssdPriors } from "./face-detection.js";

const family = { kind: "face_detector" as const, input: { width: 320, height: 240 } };

/** Anchors from [faceScore, x1, y1, x2, y2] rows (0..1 corners). */
function outputs(rows: number[][]) {
  const scores = new Float32Array(rows.length * 2);
  const boxes = new Float32Array(rows.length * 4);
  rows.forEach(([s, ...box], i) => {
    scores.set([1 - s!, s!], i * 2);
    boxes.set(box, i * 4);
  });
  return { scores, boxes, landmarks: null };
}

describe("decodeFaces", () => {
  it("keeps faces over the threshold, suppresses overlaps (IoU > 0.3), scales to the image and clamps", () => {
    const faces = decodeFaces(family, outputs([
      [0.9, 0.1, 0.1, 0.3, 0.3],
      [0.95, 0.11, 0.1, 0.31, 0.3], // overlaps the first: the better one stays
      [0.8, 0.6, 0.5, 1.02, 0.9], // past the right edge: clamped
      [0.5, 0.4, 0.4, 0.5, 0.5], // under 0.7
    ]), 1000, 500);
    expect(faces.map((f) => f.score)).toEqual([Math.fround(0.95), Math.fround(0.8)]);
    expect(faces[0]!.box[0]).toBeCloseTo(110, 3);
    expect(faces[1]!.box).toEqual([expect.closeTo(600, 3), expect.closeTo(250, 3), 1000, expect.closeTo(450, 3)]);
    expect(decodeFaces(family, outputs([[0.5, 0.4, 0.4, 0.5, 0.5]]), 10, 10, 0.4)).toHaveLength(1);
  });

  it("reads landmarks when the model has them, in pixels", () => {
    const out = { ...outputs([[0.9, 0.2, 0.2, 0.4, 0.4]]), landmarks: Float32Array.from([0.25, 0.25, 0.35, 0.25, 0.3, 0.3, 0.26, 0.36, 0.34, 0.36]) };
    const [face] = decodeFaces(family, out, 100, 200);
    expect(face!.landmarks).toHaveLength(5);
    expect(face!.landmarks![0]).toEqual([expect.closeTo(25, 4), expect.closeTo(50, 4)]);
  });

  it("decodes SSD offsets against priors (UltraFace's 4420 anchors for 320×240)", () => {
    const priorSpec = { minSizes: [[10, 16, 24], [32, 48], [64, 96], [128, 192, 256]], strides: [8, 16, 32, 64] };
    const priors = ssdPriors(320, 240, priorSpec);
    expect(priors.length / 4).toBe(4420);
    const scores = new Float32Array(4420 * 2);
    const boxes = new Float32Array(4420 * 4); // zero offsets: the prior itself
    const anchor = 3600 + 600 + 160 + 5; // the 6th anchor of the last map
    scores[anchor * 2 + 1] = 0.99;
    const [face] = decodeFaces({ ...family, boxes: "priors", priors: priorSpec }, { scores, boxes, landmarks: null }, 320, 240);
    const [cx, cy, w, h] = Array.from(priors.subarray(anchor * 4, anchor * 4 + 4));
    expect(face!.box).toEqual([(cx! - w! / 2) * 320, (cy! - h! / 2) * 240, (cx! + w! / 2) * 320, (cy! + h! / 2) * 240].map((v, i) => expect.closeTo(Math.min(Math.max(v, 0), i % 2 ? 240 : 320), 6)));
  });
});

describe("faceCrop and l2normalize", () => {
  it("squares the box on its longer side and moves the centre by shiftY × height", () => {
    expect(faceCrop([100, 100, 140, 200], { shiftY: -0.05 })).toEqual({ x: 70, y: 95, width: 100, height: 100 });
    expect(faceCrop([0, 0, 10, 10], { scale: 2 })).toEqual({ x: -5, y: -5, width: 20, height: 20 });
  });

  it("makes unit vectors and leaves a zero vector alone", () => {
    expect(Array.from(l2normalize(Float32Array.from([3, 4])))).toEqual([Math.fround(0.6), Math.fround(0.8)]);
    expect(Array.from(l2normalize(new Float32Array(3)))).toEqual([0, 0, 0]);
  });
});
