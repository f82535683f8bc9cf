/** DB box extraction and CTC decoding on hand-made model outputs (no model needed). */
import { describe, expect, it } from "vitest";
import { boxesFromProbabilityMap, detectionSize } from "./detect.js";
import { ctcDecode } from "./read-lines.js";
import { joinText, rowsOf } from "./layout.js";
import { characterErrorRate, editDistance, normalizeText } from "./text-metrics.js";

function map(width: number, height: number, blobs: Array<{ x: number; y: number; w: number; h: number; p: number }>): Float32Array {
  const out = new Float32Array(width * height).fill(0.01);
  for (const b of blobs) for (let y = b.y; y < b.y + b.h; y++) for (let x = b.x; x < b.x + b.w; x++) out[y * width + x] = b.p;
  return out;
}

describe("DB post-processing", () => {
  it("rounds the detector input to multiples of 32 and caps the longer side", () => {
    expect(detectionSize(640, 480)).toEqual({ width: 640, height: 480 });
    expect(detectionSize(320, 180)).toEqual({ width: 320, height: 192 });
    expect(detectionSize(4000, 3000)).toEqual({ width: 960, height: 736 });
    expect(detectionSize(10, 10)).toEqual({ width: 32, height: 32 });
  });

  it("grows confident regions by the unclip distance and drops weak, tiny ones", () => {
    const probs = map(100, 60, [
      { x: 10, y: 10, w: 40, h: 10, p: 0.9 }, // a text kernel
      { x: 60, y: 40, w: 20, h: 10, p: 0.4 }, // over the 0.3 threshold, mean under 0.6: noise
      { x: 90, y: 5, w: 2, h: 8, p: 0.95 }, // narrower than 3 px
    ]);
    const boxes = boxesFromProbabilityMap(probs, 100, 60);
    expect(boxes).toHaveLength(1);
    const d = (40 * 10 * 1.5) / (2 * 50); // area × ratio / perimeter = 6
    expect(boxes[0]).toMatchObject({ x1: 10 - d, y1: 10 - d, x2: 50 + d, y2: 20 + d });
    expect(boxes[0].score).toBeCloseTo(0.9, 5);
  });

  it("keeps separate (8-connected) regions apart and joins diagonal neighbours", () => {
    const probs = map(60, 20, [{ x: 2, y: 2, w: 10, h: 5, p: 0.8 }, { x: 30, y: 2, w: 10, h: 5, p: 0.8 }]);
    expect(boxesFromProbabilityMap(probs, 60, 20)).toHaveLength(2);
    probs[7 * 60 + 12] = 0.8; // touches the first region's corner (11, 6) diagonally
    const joined = boxesFromProbabilityMap(probs, 60, 20, { minSize: 1 });
    expect(joined).toHaveLength(2);
    expect(Math.max(...joined.map((b) => b.y2))).toBeGreaterThan(8);
  });
});

describe("CTC greedy decoding", () => {
  it("collapses repeats, drops blanks, keeps a repeat split by a blank, averages the kept probabilities", () => {
    const charset = ["", "a", "b", " "];
    // steps: a a _ a b b _ " "
    const best = [1, 1, 0, 1, 2, 2, 0, 3];
    const p = [0.9, 0.8, 0.99, 0.7, 0.6, 0.95, 0.99, 0.5];
    const probs = new Float32Array(best.length * 4);
    best.forEach((c, t) => {
      for (let k = 0; k < 4; k++) probs[t * 4 + k] = k === c ? p[t] : (1 - p[t]) / 3;
    });
    const out = ctcDecode(probs, 0, best.length, 4, charset);
    expect(out.text).toBe("aab ");
    expect(out.confidence).toBeCloseTo((0.9 + 0.7 + 0.6 + 0.5) / 4, 5);
    expect(ctcDecode(new Float32Array([1, 0, 0, 0]), 0, 1, 4, charset)).toEqual({ text: "", confidence: 0 });
  });
});

describe("reading order and text metrics", () => {
  it("groups boxes into rows and rows top to bottom", () => {
    const rows = rowsOf([
      { text: "amount", box: [300, 52, 380, 70] },
      { text: "second", box: [10, 50, 100, 72] },
      { text: "first", box: [10, 10, 90, 30] },
    ]);
    expect(joinText(rows)).toBe("first\nsecond amount");
  });

  it("measures edit distance and CER", () => {
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(characterErrorRate("abcd", "abxd")).toBe(0.25);
    expect(normalizeText("  Hello,   World! ")).toBe("hello world");
  });
});
