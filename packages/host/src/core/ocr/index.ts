/** Core OCR (PaddleOCR PP-OCRv4 via onnxruntime): `recognize` and the pieces it is made of. */
export { recognize, type OcrLine, type OcrOptions, type OcrResult } from "./ocr.js";
export { defaultOcrModels, loadCharset, OCR_ENGINE, type OcrModelPaths } from "./models.js";
export { boxesFromProbabilityMap, detectionSize, type DetectionOptions, type TextBox } from "./detect.js";
export { ctcDecode } from "./read-lines.js";
