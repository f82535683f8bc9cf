/**
 * The task-level vision operations: encoded image in, an answer out (faces, an embedding, labels),
 * with the model family's pre- and post-processing on the host. The image is decoded once here
 * and its tensor moves to the inference worker without a copy (`transfer`); nothing but the answer
 * crosses into the guest.
 *
 * Input: the model's verified file, its resolved family, the image bytes. Must not: check
 * permissions (ops/ai-tasks.ts does) or read entries.
 */
import { validationFailed } from "../../store/errors.js";
import { decodeFaces, faceCrop, l2normalize, type DetectedFace } from "./face-detection.js";
import type { ResolvedClassifier, ResolvedDetector, ResolvedEmbedder } from "./families.js";
import { imageTensor } from "./images.js";
import type { OnnxSessions, WireTensor } from "./onnx.js";

function floats(outputs: Record<string, WireTensor>, name: string, label: string): Float32Array {
  const tensor = outputs[name];
  if (!tensor || !(tensor.data instanceof Float32Array)) throw validationFailed(`model ${label} returned no float32 output "${name}"`);
  return tensor.data;
}

export async function detectFaces(
  sessions: OnnxSessions, file: string, label: string, family: ResolvedDetector, bytes: Uint8Array, threshold?: number,
): Promise<{ faces: DetectedFace[]; width: number; height: number }> {
  const { tensor, width, height } = await imageTensor(bytes, family.image);
  const outputs = await sessions.run(file, { [family.input]: tensor }, label, { transfer: true });
  const faces = decodeFaces(family.family, {
    scores: floats(outputs, family.scores, label),
    boxes: floats(outputs, family.boxes, label),
    landmarks: family.landmarks ? floats(outputs, family.landmarks, label) : null,
  }, width, height, threshold);
  return { faces, width, height };
}

/** The unit-length embedding of the face in `box` (original pixels), cropped by the family's rule. */
export async function embedFace(
  sessions: OnnxSessions, file: string, label: string, family: ResolvedEmbedder, bytes: Uint8Array, box: readonly [number, number, number, number],
): Promise<Float32Array<ArrayBuffer>> {
  const { tensor } = await imageTensor(bytes, { ...family.image, crop: faceCrop(box, family.family.crop) });
  const outputs = await sessions.run(file, { [family.input]: tensor }, label, { transfer: true });
  return l2normalize(floats(outputs, family.output, label)) as Float32Array<ArrayBuffer>;
}

function softmax(values: Float32Array): Float64Array {
  let max = -Infinity;
  for (const v of values) max = Math.max(max, v);
  const out = Float64Array.from(values, (v) => Math.exp(v - max));
  const sum = out.reduce((a, b) => a + b, 0);
  return out.map((v) => v / sum);
}

/** The `top` labels, best first. */
export async function classify(
  sessions: OnnxSessions, file: string, label: string, family: ResolvedClassifier, bytes: Uint8Array, top = 5,
): Promise<Array<{ label: string; score: number }>> {
  const { tensor } = await imageTensor(bytes, family.image);
  const outputs = await sessions.run(file, { [family.input]: tensor }, label, { transfer: true });
  const raw = floats(outputs, family.output, label);
  const labels = family.family.labels;
  if (raw.length !== labels.length) throw validationFailed(`model ${label} returned ${raw.length} scores for ${labels.length} labels`);
  const scores = family.family.softmax ? softmax(raw) : Float64Array.from(raw);
  const order = [...scores.keys()].sort((a, b) => scores[b]! - scores[a]! || a - b);
  return order.slice(0, top).map((i) => ({ label: labels[i]!, score: scores[i]! }));
}
