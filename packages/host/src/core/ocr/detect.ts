/**
 * Text detection with PP-OCRv4's DB (differentiable binarization) model, following PaddleOCR's
 * `DetResizeForTest` + `NormalizeImage` + `DBPostProcess`:
 *
 * - resize so the longer side is at most `maxSide` (960), both sides rounded to multiples of 32;
 * - normalize with ImageNet mean/std (on BGR planes, as PaddleOCR feeds OpenCV images);
 * - the model returns a text-probability map the size of its input; pixels over `threshold` (0.3)
 *   form regions (8-connected components here, contours in PaddleOCR);
 * - a region whose mean probability is under `boxThreshold` (0.6) or whose short side is under
 *   `minSize` (3 px) is dropped; the rest are grown by the "unclip" distance
 *   `area × unclipRatio / perimeter` (DB predicts shrunk text kernels) and scaled back.
 *
 * Boxes are axis-aligned: PaddleOCR fits minimum-area rotated rectangles, which matters for
 * skewed photos of pages but not for scans and screenshots; deliberately left out.
 */
import type { OnnxSessions } from "../ai/onnx.js";
import { resizeImage, writePlanes, type RgbImage } from "./pixels.js";

export interface DetectionOptions {
  /** Longer side of the detector's input, px (default 960). */
  maxSide?: number;
  /** Probability over which a map pixel is text (default 0.3). */
  threshold?: number;
  /** Minimum mean probability of a region (default 0.6). */
  boxThreshold?: number;
  /** Growth of the detected kernels (default 1.5). */
  unclipRatio?: number;
  /** Minimum short side of a region in map pixels (default 3). */
  minSize?: number;
}

/** A detected text box in image pixels (x2/y2 exclusive), with the region's mean probability. */
export interface TextBox {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  score: number;
}

const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];
const MAX_CANDIDATES = 1000;

/** The detector's input size for an image (multiples of 32, at least 32). */
export function detectionSize(width: number, height: number, maxSide = 960): { width: number; height: number } {
  const ratio = Math.max(width, height) > maxSide ? maxSide / Math.max(width, height) : 1;
  const round32 = (v: number) => Math.max(32, Math.round((v * ratio) / 32) * 32);
  return { width: round32(width), height: round32(height) };
}

export async function detectText(sessions: OnnxSessions, modelPath: string, image: RgbImage, options: DetectionOptions = {}): Promise<TextBox[]> {
  const size = detectionSize(image.width, image.height, options.maxSide);
  const resized = await resizeImage(image, size.width, size.height);
  const data = new Float32Array(3 * size.width * size.height);
  writePlanes(data, 0, size.width, resized, MEAN, STD);
  const outputs = await sessions.run(modelPath, { x: { type: "float32", dims: [1, 3, size.height, size.width], data } }, "OCR detection");
  const map = Object.values(outputs)[0];
  const [, , mapH, mapW] = map.dims;
  const boxes = boxesFromProbabilityMap(map.data as Float32Array, mapW, mapH, options);
  const sx = image.width / mapW;
  const sy = image.height / mapH;
  return boxes.map((b) => ({
    x1: clamp(b.x1 * sx, 0, image.width), y1: clamp(b.y1 * sy, 0, image.height),
    x2: clamp(b.x2 * sx, 0, image.width), y2: clamp(b.y2 * sy, 0, image.height), score: b.score,
  }));
}

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

/** DB post-processing on a `width` × `height` probability map; boxes in map pixels. */
export function boxesFromProbabilityMap(prob: Float32Array, width: number, height: number, options: DetectionOptions = {}): TextBox[] {
  const threshold = options.threshold ?? 0.3;
  const boxThreshold = options.boxThreshold ?? 0.6;
  const unclipRatio = options.unclipRatio ?? 1.5;
  const minSize = options.minSize ?? 3;
  const labels = new Int32Array(width * height);
  const stack = new Int32Array(width * height);
  const boxes: TextBox[] = [];
  let label = 0;
  for (let start = 0; start < prob.length; start++) {
    if (labels[start] !== 0 || prob[start] <= threshold) continue;
    label += 1;
    let minX = width, minY = height, maxX = -1, maxY = -1, sum = 0, count = 0;
    let top = 0;
    stack[top++] = start;
    labels[start] = label;
    while (top > 0) {
      const p = stack[--top];
      const x = p % width;
      const y = (p - x) / width;
      sum += prob[p];
      count += 1;
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
      for (let dy = -1; dy <= 1; dy++) {
        const ny = y + dy;
        if (ny < 0 || ny >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          if (nx < 0 || nx >= width) continue;
          const q = ny * width + nx;
          if (labels[q] === 0 && prob[q] > threshold) {
            labels[q] = label;
            stack[top++] = q;
          }
        }
      }
    }
    const w = maxX - minX + 1;
    const h = maxY - minY + 1;
    if (Math.min(w, h) < minSize) continue;
    const score = sum / count;
    if (score < boxThreshold) continue;
    const d = (w * h * unclipRatio) / (2 * (w + h));
    if (Math.min(w, h) + 2 * d < minSize + 2) continue;
    boxes.push({ x1: minX - d, y1: minY - d, x2: maxX + 1 + d, y2: maxY + 1 + d, score });
  }
  // Like PaddleOCR's max_candidates: on a pathological map keep the most confident regions.
  if (boxes.length > MAX_CANDIDATES) boxes.sort((a, b) => b.score - a.score).length = MAX_CANDIDATES;
  return boxes;
}
