/**
 * The two face models Photos registers, declared by family so the host does their pre- and
 * post-processing (`detectFaces`, `embedFace`): UltraFace RFB-320 as its authors describe it
 * (320×240 fill, (v − 127) / 128, threshold 0.7, NMS at IoU 0.3) and MobileFaceNet (a square crop
 * of the box moved up 5% of its height, 112×112, ImageNet normalization; see the fixtures'
 * SOURCES.md). Photos stores boxes in whole pixels and scores to three decimals.
 */
import type { FaceDetectorFamily, FaceEmbedderFamily, FaceDetection as DetectedFace } from "@sdx/sdk";
import type { FaceDetection } from "./models.js";

export const ULTRAFACE_FAMILY: FaceDetectorFamily = {
  kind: "face_detector",
  input: { width: 320, height: 240, fit: "fill" },
  normalize: { mean: [127, 127, 127], std: [128, 128, 128], layout: "nchw" },
  threshold: 0.7,
  iou: 0.3,
};

export const MOBILEFACENET_FAMILY: FaceEmbedderFamily = {
  kind: "face_embedder",
  input: { width: 112, height: 112, fit: "fill" },
  normalize: { scale: 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], layout: "nchw" },
  crop: { shiftY: -0.05 },
};

/** A detected face as Photos keeps it. */
export function storedFace(face: DetectedFace): FaceDetection {
  return { box: [Math.round(face.box[0]), Math.round(face.box[1]), Math.round(face.box[2]), Math.round(face.box[3])], score: Math.round(face.score * 1000) / 1000 };
}
