/**
 * Model families: a registered model's declaration of what it is (`face_detector`,
 * `face_embedder`, `image_classifier`) checked against the model's real inputs and outputs, and
 * resolved into the concrete names and preprocessing the task-level operations use.
 *
 * Input: the declaration (already shape-checked by zod at registration) and onnxruntime's session
 * metadata. Output: a `ResolvedFamily` or a located SDX3002 listing every mismatch.
 */
import { validationFailed, type ValidationIssue } from "../../store/errors.js";
import type { ModelFamily } from "../../store/ai-catalog.js";
import type { ImageTensorOptions } from "./images.js";
import type { SessionInfo, TensorInfo } from "./onnx.js";

export type FamilyKind = ModelFamily["kind"];

interface Resolved<F extends ModelFamily> {
  family: F;
  /** The model's image input and how to fill it. */
  input: string;
  image: ImageTensorOptions;
}
export interface ResolvedDetector extends Resolved<Extract<ModelFamily, { kind: "face_detector" }>> {
  scores: string;
  boxes: string;
  landmarks: string | null;
  anchors: number;
}
export interface ResolvedEmbedder extends Resolved<Extract<ModelFamily, { kind: "face_embedder" }>> {
  output: string;
}
export interface ResolvedClassifier extends Resolved<Extract<ModelFamily, { kind: "image_classifier" }>> {
  output: string;
}
export type ResolvedFamily = ResolvedDetector | ResolvedEmbedder | ResolvedClassifier;

function pick(issues: ValidationIssue[], path: string, list: TensorInfo[], wanted: string | undefined, fallback: string | null, what: string): TensorInfo | null {
  const name = wanted ?? fallback ?? (list.length === 1 ? list[0]!.name : undefined);
  const found = name === undefined ? undefined : list.find((t) => t.name === name);
  if (!found) {
    const names = list.map((t) => t.name).join(", ");
    issues.push({ path, message: name === undefined ? `name the ${what} (the model has ${names})` : `the model has no ${what} "${name}" (it has ${names})` });
    return null;
  }
  if (found.type !== "float32") issues.push({ path, message: `${what} "${found.name}" is ${found.type}; float32 is needed` });
  return found;
}

/** Fixed dims must equal `want`; symbolic dims (strings) accept anything. */
function shapeIs(issues: ValidationIssue[], path: string, tensor: TensorInfo, want: Array<number | null>): void {
  const fits = tensor.shape.length === want.length && want.every((w, i) => w === null || typeof tensor.shape[i] !== "number" || tensor.shape[i] === w);
  if (!fits) issues.push({ path, message: `"${tensor.name}" has shape [${tensor.shape.join(", ")}], expected [${want.map((w) => w ?? "N").join(", ")}]` });
}

function imageOptions(family: ModelFamily): ImageTensorOptions {
  const n = family.normalize ?? {};
  return {
    width: family.input.width, height: family.input.height, fit: family.input.fit ?? "fill",
    mean: n.mean, std: n.std, scale: n.scale, layout: n.layout ?? "nchw",
  };
}

function imageInput(issues: ValidationIssue[], family: ModelFamily, info: SessionInfo): string {
  const input = pick(issues, "family.input.name", info.inputs, family.input.name, null, "input");
  if (!input) return "";
  const { width, height } = family.input;
  shapeIs(issues, "family.input", input, (family.normalize?.layout ?? "nchw") === "nchw" ? [1, 3, height, width] : [1, height, width, 3]);
  return input.name;
}

function fixed(tensor: TensorInfo | null, index: number): number | null {
  const d = tensor?.shape[index];
  return typeof d === "number" ? d : null;
}

/** Checks `family` against the model; throws SDX3002 with every mismatch. `label` names the model. */
export function resolveFamily(label: string, family: ModelFamily, info: SessionInfo): ResolvedFamily {
  const issues: ValidationIssue[] = [];
  const input = imageInput(issues, family, info);
  const image = imageOptions(family);
  let resolved: ResolvedFamily | null = null;
  switch (family.kind) {
    case "face_detector": {
      const scores = pick(issues, "family.outputs.scores", info.outputs, family.outputs?.scores, "scores", "scores output");
      const boxes = pick(issues, "family.outputs.boxes", info.outputs, family.outputs?.boxes, "boxes", "boxes output");
      const landmarksName = family.outputs?.landmarks ?? (info.outputs.some((o) => o.name === "landmarks") ? "landmarks" : undefined);
      const landmarks = landmarksName ? pick(issues, "family.outputs.landmarks", info.outputs, landmarksName, null, "landmarks output") : null;
      const anchors = fixed(scores, 1) ?? fixed(boxes, 1) ?? 0;
      if (scores) shapeIs(issues, "family.outputs.scores", scores, [1, anchors || null, 2]);
      if (boxes) shapeIs(issues, "family.outputs.boxes", boxes, [1, anchors || null, 4]);
      if (landmarks) shapeIs(issues, "family.outputs.landmarks", landmarks, [1, anchors || null, 10]);
      if ((family.boxes ?? "corners") === "priors" && !family.priors) issues.push({ path: "family.priors", message: `boxes: "priors" needs the priors (minSizes per feature map, strides)` });
      if (family.priors && family.priors.minSizes.length !== family.priors.strides.length) {
        issues.push({ path: "family.priors", message: `${family.priors.minSizes.length} minSizes groups for ${family.priors.strides.length} strides` });
      }
      resolved = { family, input, image, scores: scores?.name ?? "", boxes: boxes?.name ?? "", landmarks: landmarks?.name ?? null, anchors };
      break;
    }
    case "face_embedder":
    case "image_classifier": {
      const output = pick(issues, "family.output", info.outputs, family.output, null, "output");
      if (output && family.kind === "image_classifier") {
        const classes = fixed(output, output.shape.length - 1);
        if (output.shape.length !== 2) issues.push({ path: "family.output", message: `"${output.name}" has shape [${output.shape.join(", ")}], expected [1, classes]` });
        else if (classes !== null && classes !== family.labels.length) {
          issues.push({ path: "family.labels", message: `${family.labels.length} labels for ${classes} classes of "${output.name}"` });
        }
      }
      if (output && family.kind === "face_embedder" && output.shape.length !== 2) {
        issues.push({ path: "family.output", message: `"${output.name}" has shape [${output.shape.join(", ")}], expected [1, dimensions]` });
      }
      resolved = { family, input, image, output: output?.name ?? "" } as ResolvedFamily;
      break;
    }
  }
  if (issues.length > 0) throw validationFailed(`model ${label} does not match its declared family ${family.kind}`, issues);
  return resolved;
}

/** The family a task-level operation needs, or SDX3002 saying how to declare it. */
export function requireKind<K extends FamilyKind>(label: string, family: ModelFamily | null, kind: K, op: string): Extract<ModelFamily, { kind: K }> {
  if (!family) {
    throw validationFailed(`model ${label} declares no family, so ${op} cannot prepare its input: register it with family: { kind: "${kind}", … } (see docs/ai.md#model-families), or call run() with tensors`);
  }
  if (family.kind !== kind) throw validationFailed(`model ${label} is a ${family.kind}; ${op} needs a ${kind}`);
  return family as Extract<ModelFamily, { kind: K }>;
}
