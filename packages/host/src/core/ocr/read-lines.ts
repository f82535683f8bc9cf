/**
 * Text recognition with PP-OCRv4's SVTR-LCNet model (and, optionally, the 0°/180° direction
 * classifier), following PaddleOCR's `TextRecognizer` and `TextClassifier`:
 *
 * - each box is cropped from the oriented image; a crop at least 1.5× taller than wide is turned
 *   90° counter-clockwise (vertical text, as PaddleOCR does);
 * - classifier (optional): crops resized to height 48 keeping the aspect ratio, at most 192 wide,
 *   zero-padded to 192, `(x/255 − 0.5)/0.5`, batches of 6; "180" with probability > 0.9 turns
 *   the crop upside down (and the recognizer reads it both ways, keeping the more confident);
 * - recognizer: each crop resized to height 48 keeping the aspect ratio, zero-padded to at least
 *   320 wide, `(x/255 − 0.5)/0.5`;
 * - CTC greedy decoding: best class per time step, repeats collapsed, blanks (class 0) dropped;
 *   confidence is the mean probability of the kept characters.
 *
 * One line per recognizer run, not PaddleOCR's batches of 6: on CPU a batch costs what its lines
 * cost one by one (measured: 6 × 320 px 85 ms vs 14 ms each) plus the padding of every line to
 * the batch's widest. The next line is sampled while the previous one runs in the inference
 * worker (two in flight; the worker runs one at a time, more would only queue tensors).
 */
import type { OnnxSessions } from "../ai/onnx.js";
import type { TextBox } from "./detect.js";
import { sampleLine, turnedSize, type LineCrop, type RgbImage } from "./pixels.js";

const HALF = [0.5, 0.5, 0.5];
const HEIGHT = 48;
const REC_MIN_WIDTH = 320;
const CLS_WIDTH = 192;
const CLS_BATCH = 6;
const CLS_THRESHOLD = 0.9;
/** Lines sampled ahead of the recognizer (bounds the memory of queued tensors). */
const AHEAD = 2;

export interface DecodedText {
  text: string;
  confidence: number;
}

function cropOf(image: RgbImage, box: TextBox): LineCrop {
  const left = Math.max(0, Math.min(image.width - 1, Math.floor(box.x1)));
  const top = Math.max(0, Math.min(image.height - 1, Math.floor(box.y1)));
  const right = Math.min(image.width, Math.max(left + 1, Math.ceil(box.x2)));
  const bottom = Math.min(image.height, Math.max(top + 1, Math.ceil(box.y2)));
  const region = { left, top, width: right - left, height: bottom - top };
  return { region, rotate: region.height / region.width >= 1.5 ? 270 : 0 };
}

/** Width of a crop resized to height 48 keeping its aspect ratio, at most `maxWidth`. */
function scaledWidth(crop: LineCrop, maxWidth: number): number {
  const { width, height } = turnedSize(crop);
  return Math.max(1, Math.min(maxWidth, Math.ceil((HEIGHT * width) / height)));
}

/** Recognizes the text of each box (same order as `boxes`). */
export async function readLines(
  sessions: OnnxSessions,
  models: { recognition: string; classifier: string | null },
  charset: readonly string[],
  image: RgbImage,
  boxes: readonly TextBox[],
): Promise<DecodedText[]> {
  const crops = boxes.map((b) => cropOf(image, b));
  const flipped = models.classifier ? await classifyDirection(sessions, models.classifier, image, crops) : new Set<number>();
  const recognize = async (crop: LineCrop): Promise<DecodedText> => {
    const width = scaledWidth(crop, Number.MAX_SAFE_INTEGER);
    const planeWidth = Math.max(REC_MIN_WIDTH, width);
    const data = new Float32Array(3 * HEIGHT * planeWidth);
    sampleLine(data, 0, planeWidth, image, crop, width, HEIGHT, HALF, HALF);
    const outputs = await sessions.run(models.recognition, { x: { type: "float32", dims: [1, 3, HEIGHT, planeWidth], data } }, "OCR recognition");
    const probs = Object.values(outputs)[0];
    return ctcDecode(probs.data as Float32Array, 0, probs.dims[1], probs.dims[2], charset);
  };
  const results: DecodedText[] = new Array(crops.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < crops.length) {
      const index = next++;
      let best = await recognize(crops[index]);
      if (flipped.has(index)) {
        // A turn the classifier got wrong reads as confident-looking garbage; the recognizer's own
        // confidence settles it (the classifier on a line squeezed to 192 px is the weak link).
        const unturned = await recognize({ ...crops[index], rotate: (crops[index].rotate + 180) % 360 });
        if (unturned.confidence > best.confidence) best = unturned;
      }
      results[index] = best;
    }
  };
  await Promise.all(Array.from({ length: Math.min(AHEAD, crops.length) }, lane));
  return results;
}

/** Turns upside-down crops (classifier says "180" with probability > 0.9) in place; returns their indexes. */
async function classifyDirection(sessions: OnnxSessions, model: string, image: RgbImage, crops: LineCrop[]): Promise<Set<number>> {
  const flipped = new Set<number>();
  for (let start = 0; start < crops.length; start += CLS_BATCH) {
    const batch = crops.slice(start, start + CLS_BATCH);
    const data = new Float32Array(batch.length * 3 * HEIGHT * CLS_WIDTH);
    batch.forEach((crop, slot) => sampleLine(data, slot, CLS_WIDTH, image, crop, scaledWidth(crop, CLS_WIDTH), HEIGHT, HALF, HALF));
    const outputs = await sessions.run(model, { x: { type: "float32", dims: [batch.length, 3, HEIGHT, CLS_WIDTH], data } }, "OCR direction classifier");
    const p = Object.values(outputs)[0].data as Float32Array;
    batch.forEach((crop, slot) => {
      if (p[slot * 2 + 1] > p[slot * 2] && p[slot * 2 + 1] > CLS_THRESHOLD) {
        crop.rotate = (crop.rotate + 180) % 360;
        flipped.add(start + slot);
      }
    });
  }
  return flipped;
}

/**
 * CTC greedy decoding of one sequence: `steps` rows of `classes` probabilities starting at
 * `offset`. Class 0 is the blank; class i is `charset[i]`.
 */
export function ctcDecode(probs: Float32Array, offset: number, steps: number, classes: number, charset: readonly string[]): DecodedText {
  let text = "";
  let sum = 0;
  let kept = 0;
  let previous = -1;
  for (let t = 0; t < steps; t++) {
    const row = offset + t * classes;
    let best = 0;
    let bestP = probs[row];
    for (let c = 1; c < classes; c++) {
      if (probs[row + c] > bestP) {
        bestP = probs[row + c];
        best = c;
      }
    }
    if (best !== 0 && best !== previous) {
      text += charset[best] ?? "";
      sum += bestP;
      kept += 1;
    }
    previous = best;
  }
  return { text, confidence: kept > 0 ? sum / kept : 0 };
}
