/**
 * Post-processing of UltraFace-style (SSD) face detectors: per anchor a [background, face]
 * probability pair and a box, either already decoded to 0..1 corners or as offsets against priors.
 * Faces above the threshold, greedy hard NMS, then boxes (and landmarks, when the model has them)
 * scaled to the original image and clamped. The UltraFace authors' procedure (see the fixtures'
 * SOURCES.md), done on the host so no guest repeats it.
 *
 * Must not: round anything (callers decide their precision), touch the image or the model.
 */
import type { ModelFamily } from "../../store/ai-catalog.js";

export interface DetectedFace {
  /** [x1, y1, x2, y2] in pixels of the oriented original, clamped to the image. */
  box: [number, number, number, number];
  score: number;
  /** Five (x, y) points in pixels, when the model outputs landmarks. */
  landmarks?: Array<[number, number]>;
}

type Detector = Extract<ModelFamily, { kind: "face_detector" }>;

function iou(a: Float64Array | number[], b: Float64Array | number[]): number {
  const x1 = Math.max(a[0]!, b[0]!);
  const y1 = Math.max(a[1]!, b[1]!);
  const x2 = Math.min(a[2]!, b[2]!);
  const y2 = Math.min(a[3]!, b[3]!);
  const inter = Math.max(0, x2 - x1) * Math.max(0, y2 - y1);
  const areaA = (a[2]! - a[0]!) * (a[3]! - a[1]!);
  const areaB = (b[2]! - b[0]!) * (b[3]! - b[1]!);
  return inter / (areaA + areaB - inter + 1e-9);
}

/** SSD priors [cx, cy, w, h] (0..1) for an input size: maps row by row, then sizes per cell. */
export function ssdPriors(width: number, height: number, priors: NonNullable<Detector["priors"]>): Float64Array {
  const out: number[] = [];
  const clamp = (v: number) => Math.min(Math.max(v, 0), 1);
  priors.strides.forEach((stride, map) => {
    const fw = Math.ceil(width / stride);
    const fh = Math.ceil(height / stride);
    for (let y = 0; y < fh; y++) {
      for (let x = 0; x < fw; x++) {
        for (const size of priors.minSizes[map]!) out.push(clamp((x + 0.5) / fw), clamp((y + 0.5) / fh), clamp(size / width), clamp(size / height));
      }
    }
  });
  return Float64Array.from(out);
}

const priorCache = new Map<string, Float64Array>();

function priorsFor(family: Detector): Float64Array {
  const key = JSON.stringify([family.input.width, family.input.height, family.priors]);
  let priors = priorCache.get(key);
  if (!priors) {
    priors = ssdPriors(family.input.width, family.input.height, family.priors!);
    priorCache.set(key, priors);
  }
  return priors;
}

/** The 0..1 corners of anchor `i`. */
function corners(family: Detector, boxes: Float32Array, i: number): number[] {
  if ((family.boxes ?? "corners") === "corners") return [boxes[i * 4]!, boxes[i * 4 + 1]!, boxes[i * 4 + 2]!, boxes[i * 4 + 3]!];
  const p = priorsFor(family);
  const cv = family.priors!.centerVariance ?? 0.1;
  const sv = family.priors!.sizeVariance ?? 0.2;
  const [pcx, pcy, pw, ph] = [p[i * 4]!, p[i * 4 + 1]!, p[i * 4 + 2]!, p[i * 4 + 3]!];
  const cx = boxes[i * 4]! * cv * pw + pcx;
  const cy = boxes[i * 4 + 1]! * cv * ph + pcy;
  const w = Math.exp(boxes[i * 4 + 2]! * sv) * pw;
  const h = Math.exp(boxes[i * 4 + 3]! * sv) * ph;
  return [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2];
}

export interface DetectorOutputs {
  scores: Float32Array;
  boxes: Float32Array;
  landmarks: Float32Array | null;
}

/** Faces in original pixels, best first. `width`/`height`: the oriented original image. */
export function decodeFaces(family: Detector, outputs: DetectorOutputs, width: number, height: number, threshold = family.threshold ?? 0.7): DetectedFace[] {
  const iouThreshold = family.iou ?? 0.3;
  const { scores, boxes, landmarks } = outputs;
  const anchors = scores.length / 2;
  if (family.boxes === "priors" && priorsFor(family).length / 4 !== anchors) {
    throw new Error(`the priors give ${priorsFor(family).length / 4} anchors, the model ${anchors}`);
  }
  const candidates: Array<{ box: number[]; score: number; anchor: number }> = [];
  for (let i = 0; i < anchors; i++) {
    const score = scores[i * 2 + 1]!;
    if (score > threshold) candidates.push({ box: corners(family, boxes, i), score, anchor: i });
  }
  // Stable: equal scores keep anchor order, so results do not depend on the engine's sort.
  candidates.sort((a, b) => b.score - a.score);
  const kept: typeof candidates = [];
  for (const candidate of candidates) {
    if (kept.every((k) => iou(k.box, candidate.box) <= iouThreshold)) kept.push(candidate);
  }
  const clamp = (v: number, max: number) => Math.min(Math.max(v, 0), max);
  return kept.map(({ box, score, anchor }) => {
    const face: DetectedFace = {
      box: [clamp(box[0]! * width, width), clamp(box[1]! * height, height), clamp(box[2]! * width, width), clamp(box[3]! * height, height)],
      score,
    };
    if (landmarks) {
      face.landmarks = [];
      for (let k = 0; k < 5; k++) face.landmarks.push([landmarks[anchor * 10 + k * 2]! * width, landmarks[anchor * 10 + k * 2 + 1]! * height]);
    }
    return face;
  });
}

/** The square crop an embedder gets around a detected box (side × scale, centre moved by shiftY × height). */
export function faceCrop(box: readonly [number, number, number, number], crop: { scale?: number; shiftY?: number } = {}): { x: number; y: number; width: number; height: number } {
  const [x1, y1, x2, y2] = box;
  const side = Math.max(x2 - x1, y2 - y1, 1) * (crop.scale ?? 1);
  const cx = (x1 + x2) / 2;
  const cy = (y1 + y2) / 2 + (crop.shiftY ?? 0) * (y2 - y1);
  return { x: Math.round(cx - side / 2), y: Math.round(cy - side / 2), width: Math.round(side), height: Math.round(side) };
}

/** Unit length (a zero vector stays zero). */
export function l2normalize(vector: Float32Array): Float32Array {
  let sum = 0;
  for (const v of vector) sum += v * v;
  const norm = Math.sqrt(sum) || 1;
  return vector.map((v) => v / norm);
}
