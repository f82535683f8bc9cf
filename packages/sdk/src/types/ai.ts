/**
 * Types of `ctx.ai()` and `ctx.models()`: the task-level AI operations, model families (how a
 * registered model says what it is, so the host can prepare its input and read its output),
 * host-side tensors, language models and prompt templates.
 * @see docs/ai.md
 */
import type { Entry, JsonValue, Tensor, TensorType } from "./data.js";

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
  render(values?: Record<string, JsonValue>): Promise<string>;
}

/** A JSON Schema (draft 2020-12 or 7) that `generateJson` validates the answer against. */
export type JsonSchema = Record<string, JsonValue>;

/** Something an image operation reads: an entry (read by the host with the read_entries rules) or encoded bytes. */
export type ImageSource = Entry | Uint8Array;

/**
 * A registered model, reached through `ctx.ai().fromRegistered(name)`. The task-level operations
 * (`detectFaces`, `embedFace`, `classify`, `ocr`, `generateJson`) do the pre- and post-processing on
 * the host, by the family the model declared at registration; `run` is for models the host does not know.
 * @see docs/ai.md
 */
export interface AiModel {
  readonly name: string;
  /** Runs an ONNX model: named input tensors (or host-side tensors from `imageTensor`) in, named output tensors out. */
  run(inputs: Record<string, Tensor | TensorRef>): Promise<Record<string, Tensor>>;
  /** Faces in an image (a `face_detector` model): boxes, scores, landmarks when the model has them. */
  detectFaces(image: ImageSource, options?: { threshold?: number }): Promise<DetectedFaces>;
  /** The unit-length embedding of the face in `box` (a `face_embedder` model). */
  embedFace(image: ImageSource, box: [number, number, number, number]): Promise<Float32Array>;
  /** The best labels of an image (an `image_classifier` model), best first. */
  classify(image: ImageSource, options?: { top?: number }): Promise<Array<{ label: string; score: number }>>;
  /** The text of an image (the core OCR: model name `core:ocr`, grant `use_model` category `ocr`). */
  ocr(image: ImageSource): Promise<OcrText>;
  /** Text generation (language models). */
  generate(prompt: string, options?: GenerateOptions): Promise<string>;
  /** Generation parsed as JSON and validated against `schema`, asked again (up to `retries`, default 2) when it does not fit. */
  generateJson<T = unknown>(prompt: string, schema: JsonSchema, options?: GenerateOptions & { retries?: number }): Promise<T>;
  chat(messages: ChatMessage[], options?: GenerateOptions): Promise<ChatMessage>;
  /** The embedding of one text (the spec's `embed(text)`): one call, one vector. */
  embed(text: string): Promise<Float32Array>;
  /** Embeddings of several texts in one call, in order. */
  embed(texts: string[]): Promise<Float32Array[]>;
}

export interface GenerateOptions {
  maxTokens?: number;
  temperature?: number;
  /** Prompt template in `prompts/` rendered with Jinja before sending. */
  template?: string;
  variables?: Record<string, JsonValue>;
}

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

/** Host-side image preparation: pixels never cross the boundary as JSON. */
export interface ImageTensorOptions {
  width: number;
  height: number;
  /** `"fill"` stretches (no letterbox), `"cover"` crops, `"contain"` pads. */
  fit?: "fill" | "cover" | "contain";
  /** Per-channel `(v/scale - mean) / std`. */
  mean?: [number, number, number];
  std?: [number, number, number];
  /** Divide pixel values by this first (default 1). */
  scale?: number;
  layout?: "nchw" | "nhwc";
  /** Crop box in original pixels, applied after EXIF orientation. */
  crop?: { x: number; y: number; width: number; height: number };
}

export interface Ai {
  fromRegistered(name: string): AiModel;
  /** The first installed model of a category the user's preference allows (local first by default). */
  withModel(choice: ModelChoice): Promise<AiModel>;
  /**
   * Decodes an entry (or bytes), orients it by EXIF, resizes and normalizes it into a tensor that
   * stays on the host: pass `tensor` to `run`.
   */
  imageTensor(source: ImageSource, options: ImageTensorOptions): Promise<{ tensor: TensorRef; width: number; height: number }>;
  /** A Jinja template from the extension's `prompts/`. */
  promptTemplate(name: string): PromptTemplate;
  /** Renders a Jinja template from the extension's `prompts/`. */
  renderPrompt(template: string, variables: Record<string, JsonValue>): Promise<string>;
}

export type ModelSource =
  | { kind: "bundled"; path: string }
  | { kind: "download"; url: string; sha256: string }
  | { kind: "local"; path: string };

export interface ModelRegistration {
  name: string;
  category: string;
  source: ModelSource;
  /** What the model is, for the task-level operations; checked against the model when it is installed. */
  family?: ModelFamily;
}

export interface RegisteredModelInfo {
  name: string;
  category: string;
  sha256: string;
  size: number;
  installed: boolean;
  /** The declared family's kind, or null. */
  family?: string | null;
}

export interface ModelRegistry {
  register(registration: ModelRegistration): Promise<RegisteredModelInfo>;
  get(name: string): Promise<RegisteredModelInfo | null>;
}
