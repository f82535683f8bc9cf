/**
 * How a registered model declares its family: which task-level operation it serves and what the
 * host must do before and after inference (input size, normalization, output layout). Checked by
 * zod when the model is registered, and against the model's real inputs and outputs as soon as its
 * file is installed (see docs/ai.md#model-families).
 *
 * Part of the protocol (zod): the guest imports only the types.
 */
import { z } from "zod";

const rgb = z.tuple([z.number(), z.number(), z.number()]);
const side = z.number().int().positive().max(4096);
const tensorName = z.string().min(1).max(200);

/** Pixel preparation: `(v / scale − mean[c]) / std[c]` per RGB channel. */
const normalization = z.object({
  mean: rgb.optional(), std: rgb.optional(), scale: z.number().positive().optional(),
  layout: z.enum(["nchw", "nhwc"]).optional(),
}).strict();

const imageInput = z.object({
  /** The model's input tensor (default: its only input). */
  name: tensorName.optional(),
  width: side, height: side,
  fit: z.enum(["fill", "cover", "contain"]).optional(),
}).strict();

export const faceDetectorFamily = z.object({
  kind: z.literal("face_detector"),
  input: imageInput,
  normalize: normalization.optional(),
  outputs: z.object({
    /** `[1, N, 2]`, per anchor [background, face] probabilities (softmax applied). */
    scores: tensorName.optional(),
    /** `[1, N, 4]`: corners 0..1 of the input (`corners`), or SSD offsets against priors (`priors`). */
    boxes: tensorName.optional(),
    /** `[1, N, 10]`, five (x, y) points 0..1, when the model has them. */
    landmarks: tensorName.optional(),
  }).strict().optional(),
  boxes: z.enum(["corners", "priors"]).optional(),
  /** For `boxes: "priors"`: anchor sizes in input pixels per feature map, strides of the maps. */
  priors: z.object({
    minSizes: z.array(z.array(z.number().positive()).min(1)).min(1),
    strides: z.array(z.number().int().positive()).min(1),
    centerVariance: z.number().positive().optional(), sizeVariance: z.number().positive().optional(),
  }).strict().optional(),
  threshold: z.number().min(0).max(1).optional(),
  iou: z.number().min(0).max(1).optional(),
}).strict();

export const faceEmbedderFamily = z.object({
  kind: z.literal("face_embedder"),
  input: imageInput,
  normalize: normalization.optional(),
  output: tensorName.optional(),
  /** The crop around a detected box: a square of the longer side × `scale`, centre moved by `shiftY` × box height. */
  crop: z.object({ scale: z.number().positive().max(4).optional(), shiftY: z.number().min(-1).max(1).optional() }).strict().optional(),
}).strict();

export const imageClassifierFamily = z.object({
  kind: z.literal("image_classifier"),
  input: imageInput,
  normalize: normalization.optional(),
  output: tensorName.optional(),
  labels: z.array(z.string().min(1)).min(1).max(100_000),
  /** Apply softmax to the output (when the graph returns logits). */
  softmax: z.boolean().optional(),
}).strict();

export const modelFamily = z.discriminatedUnion("kind", [faceDetectorFamily, faceEmbedderFamily, imageClassifierFamily]);

/** An image to analyze: bytes the guest has, an entry the host reads, or a host-side tensor handle's source. */
export const imageSource = z.union([
  z.object({ entry: z.string().min(1).max(64) }).strict(),
  z.object({ bytes: z.instanceof(Uint8Array) }).strict(),
]);

export const faceSchema = z.object({
  box: z.tuple([z.number(), z.number(), z.number(), z.number()]),
  score: z.number(),
  landmarks: z.array(z.tuple([z.number(), z.number()])).optional(),
}).strict();

export const ocrLineSchema = z.object({
  text: z.string(), confidence: z.number(),
  box: z.tuple([z.number(), z.number(), z.number(), z.number()]),
}).strict();
