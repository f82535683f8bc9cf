/**
 * UltraFace (version-RFB-320) post-processing, as documented by the model's authors: the graph
 * already applies softmax and decodes boxes to 0..1 corners; keep faces above a threshold, then
 * greedy hard NMS at IoU 0.3, then scale to the original image and clamp.
 */
import type { FaceDetection } from "./models.js";

export const ULTRAFACE_INPUT = { width: 320, height: 240 } as const;

function iou(a: number[], b: number[]): number {
  const x1 = Math.max(a[0]!, b[0]!);
  const y1 = Math.max(a[1]!, b[1]!);
  const x2 = Math.min(a[2]!, b[2]!);
  const y2 = Math.min(a[3]!, b[3]!);
  const inter = Math.max(0, x2 - x1) * Math.max(0, y2 - y1);
  const areaA = (a[2]! - a[0]!) * (a[3]! - a[1]!);
  const areaB = (b[2]! - b[0]!) * (b[3]! - b[1]!);
  return inter / (areaA + areaB - inter + 1e-9);
}

export function decodeFaces(scores: Float32Array, boxes: Float32Array, width: number, height: number, threshold = 0.7, iouThreshold = 0.3): FaceDetection[] {
  const candidates: Array<{ box: number[]; score: number }> = [];
  const anchors = scores.length / 2;
  for (let i = 0; i < anchors; i++) {
    const score = scores[i * 2 + 1]!;
    if (score > threshold) candidates.push({ box: [boxes[i * 4]!, boxes[i * 4 + 1]!, boxes[i * 4 + 2]!, boxes[i * 4 + 3]!], score });
  }
  candidates.sort((a, b) => b.score - a.score);
  const kept: Array<{ box: number[]; score: number }> = [];
  for (const candidate of candidates) {
    if (kept.every((k) => iou(k.box, candidate.box) <= iouThreshold)) kept.push(candidate);
  }
  const clamp = (v: number, max: number) => Math.min(Math.max(v, 0), max);
  return kept.map(({ box, score }) => ({
    box: [
      Math.round(clamp(box[0]! * width, width)),
      Math.round(clamp(box[1]! * height, height)),
      Math.round(clamp(box[2]! * width, width)),
      Math.round(clamp(box[3]! * height, height)),
    ],
    score: Math.round(score * 1000) / 1000,
  }));
}

/** The square crop MobileFaceNet expects: side = the longer box side, centre moved up 5% of the height. */
export function faceCrop(box: [number, number, number, number]): { x: number; y: number; width: number; height: number } {
  const [x1, y1, x2, y2] = box;
  const side = Math.max(x2 - x1, y2 - y1, 1);
  const cx = (x1 + x2) / 2;
  const cy = (y1 + y2) / 2 - 0.05 * (y2 - y1);
  return { x: Math.round(cx - side / 2), y: Math.round(cy - side / 2), width: Math.round(side), height: Math.round(side) };
}

export function l2normalize(vector: Float32Array): Float32Array {
  let sum = 0;
  for (const v of vector) sum += v * v;
  const norm = Math.sqrt(sum) || 1;
  return vector.map((v) => v / norm);
}
