/**
 * Types of the task-level AI operations and of model families (how a registered model says what
 * it is, so the host can prepare its input and read its output).
 * @see docs/ai.md
 */
import type { Tensor, TensorType } from "./data.js";

/** Per RGB channel `(v / scale − mean) / std`, and the tensor layout. */
export interface ImageNormalization {
  mean?: [number, number, number];
  std?: [number, number, number];
  /** Divide pixel values by this first (default 1). */
  scale?: number;
  /** Default `nchw`. */
  layout?: "nchw" | "nhwc";
}

export interface ImageInput {
  /** The model's input tensor (default: its only input). */
  name?: string;
  width: number;
  height: number;
  /** Default `fill` (stretch, no letterbox). */
  fit?: "fill" | "cover" | "contain";
}

/** UltraFace-style (SSD) detectors: `scores` `[1, N, 2]`, `boxes` `[1, N, 4]`, optional `landmarks` `[1, N, 10]`. */
export interface FaceDetectorFamily {
  kind: "face_detector";
  input: ImageInput;
  normalize?: ImageNormalization;
  /** Output names (defaults `scores`, `boxes`, and `landmarks` when the model has it). */
  outputs?: { scores?: string; boxes?: string; landmarks?: string };
  /** `corners` (default): 0..1 corners already decoded by the graph; `priors`: SSD offsets to decode. */
  boxes?: "corners" | "priors";
  /** For `boxes: "priors"`: anchor sizes in input pixels per feature map and the maps' strides. */
  priors?: { minSizes: number[][]; strides: number[]; centerVariance?: number; sizeVariance?: number };
  /** Face score threshold (default 0.7). */
  threshold?: number;
  /** NMS IoU threshold (default 0.3). */
  iou?: number;
}

/** MobileFaceNet-style embedders: a square face crop in, `[1, D]` out (returned unit length). */
export interface FaceEmbedderFamily {
  kind: "face_embedder";
  input: ImageInput;
  normalize?: ImageNormalization;
  output?: string;
  /** The crop around a box: a square of the longer side × `scale` (default 1), centre moved by `shiftY` × box height (default 0). */
  crop?: { scale?: number; shiftY?: number };
}

/** Image classifiers: `[1, classes]` out, one label per class. */
export interface ImageClassifierFamily {
  kind: "image_classifier";
  input: ImageInput;
  normalize?: ImageNormalization;
  output?: string;
  labels: string[];
  /** Apply softmax (when the graph returns logits). */
  softmax?: boolean;
}

export type ModelFamily = FaceDetectorFamily | FaceEmbedderFamily | ImageClassifierFamily;

export interface FaceDetection {
  /** [x1, y1, x2, y2] in pixels of the EXIF-oriented image, clamped to it; not rounded. */
  box: [number, number, number, number];
  score: number;
  /** Five (x, y) points in pixels, when the model outputs landmarks. */
  landmarks?: Array<[number, number]>;
}

export interface DetectedFaces {
  faces: FaceDetection[];
  /** The oriented image's size, which boxes refer to. */
  width: number;
  height: number;
}

export interface OcrText {
  text: string;
  lines: Array<{ text: string; confidence: number; box: [number, number, number, number] }>;
  width: number;
  height: number;
}

/**
 * A tensor kept on the host (made by `ai().imageTensor`): pass it to `run` as it is; its data never
 * enters the sandbox unless `read()` asks for it. Unused tensors are dropped after a minute.
 */
export interface TensorRef {
  readonly ref: string;
  readonly type: TensorType;
  readonly dims: number[];
  /** Copies the data into the guest (only when guest code must look at the values). */
  read(): Promise<Tensor>;
}

/** Which registered model `ctx.ai().withModel(...)` picks. */
export interface ModelChoice {
  category: string;
  /** `local` (default): only models on this machine; `cloud`: off-machine models first; `any`: local first. */
  prefer?: "local" | "cloud" | "any";
  /** Only models of this family. */
  family?: ModelFamily["kind"];
}

/** A prompt template from the extension's `prompts/` folder. */
export interface PromptTemplate {
  readonly name: string;
  /** Renders it (Jinja) with `values`. */
  render(values?: Record<string, import("./data.js").JsonValue>): Promise<string>;
}

/** A JSON Schema (draft 2020-12 or 7) that `generateJson` validates the answer against. */
export type JsonSchema = Record<string, import("./data.js").JsonValue>;
