/**
 * Pixels for the OCR models: decode once (EXIF orientation applied, transparency flattened onto
 * white so dark text on a transparent background stays readable), resize the page with sharp for
 * the detector, and sample each text line straight into its tensor (`sampleLine`: bilinear like
 * OpenCV's INTER_LINEAR, which PaddleOCR uses, averaged when shrinking, with the line's turn
 * folded in; one JS loop per line instead of a sharp pipeline per line). PaddleOCR's models were
 * trained on OpenCV's BGR channel order, so tensors are written B, G, R.
 */
import { loadSharp } from "../lazy-modules.js";
import { validationFailed } from "../../store/errors.js";

export interface RgbImage {
  /** Interleaved RGB, `width * height * 3` bytes. */
  data: Buffer;
  width: number;
  height: number;
}

export interface Region {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Upper bound on decoded pixels (a 16k × 16k page); larger inputs are refused, not swapped to disk. */
const MAX_PIXELS = 268_402_689;

/** Pages with a longer side over this are read downscaled to it: their text is far above the 48 px the recognizer reads. */
export const MAX_READ_SIDE = 4096;

/** The decoded page, and its oriented size at full resolution (boxes are reported in those pixels). */
export interface DecodedPage {
  image: RgbImage;
  width: number;
  height: number;
}

export async function decodeOriented(input: Uint8Array | string): Promise<DecodedPage> {
  try {
    const sharp = await loadSharp();
    const { data, info } = await sharp(input, { failOn: "error", limitInputPixels: MAX_PIXELS })
      .rotate()
      .flatten({ background: "#ffffff" })
      .toColourspace("srgb")
      .resize(MAX_READ_SIDE, MAX_READ_SIDE, { fit: "inside", withoutEnlargement: true })
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`expected 3 channels after conversion, got ${info.channels}`);
    const image = { data, width: info.width, height: info.height };
    if (info.width < MAX_READ_SIDE && info.height < MAX_READ_SIDE) return { image, width: info.width, height: info.height };
    // Shrunk (or exactly at the limit): the full oriented size comes from the metadata.
    const meta = await sharp(input, { limitInputPixels: MAX_PIXELS }).metadata();
    const turned = (meta.orientation ?? 1) >= 5;
    const width = (turned ? meta.height : meta.width) ?? info.width;
    const height = (turned ? meta.width : meta.height) ?? info.height;
    return { image, width, height };
  } catch (error) {
    throw validationFailed(`the image cannot be decoded for OCR: ${(error as Error).message.trim().split("\n").at(-1) ?? ""}`);
  }
}

/** `image` resized to exactly `width` × `height` (bilinear). */
export async function resizeImage(image: RgbImage, width: number, height: number): Promise<RgbImage> {
  const sharp = await loadSharp();
  const { data, info } = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize(width, height, { fit: "fill", kernel: "linear", fastShrinkOnLoad: false })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/**
 * Writes `image` into `out` at batch slot `slot` of a [n, 3, height, planeWidth] tensor as
 * `(v / 255 − mean[c]) / std[c]`, B, G, R planes; columns right of the image stay as they are
 * (the caller's zero padding).
 */
export function writePlanes(out: Float32Array, slot: number, planeWidth: number, image: RgbImage, mean: readonly number[], std: readonly number[]): void {
  const { width, height, data } = image;
  const plane = planeWidth * height;
  const base = slot * 3 * plane;
  for (let c = 0; c < 3; c++) {
    // Plane c (B, G, R) reads RGB channel 2 − c.
    const source = 2 - c;
    const a = 1 / (255 * std[c]);
    const b = -mean[c] / std[c];
    const offset = base + c * plane;
    for (let y = 0; y < height; y++) {
      const row = offset + y * planeWidth;
      const from = y * width * 3 + source;
      for (let x = 0; x < width; x++) out[row + x] = data[from + x * 3] * a + b;
    }
  }
}

/** Where a line sits in the page and how it is turned (clockwise degrees: 0, 90, 180 or 270). */
export interface LineCrop {
  region: Region;
  rotate: number;
}

/** The crop's size after its turn. */
export function turnedSize(crop: LineCrop): { width: number; height: number } {
  const { width, height } = crop.region;
  return crop.rotate === 90 || crop.rotate === 270 ? { width: height, height: width } : { width, height };
}

/**
 * Samples `crop` of `image`, turned and resized to `width` × `height`, into slot `slot` of a
 * [n, 3, height, planeWidth] tensor as `(v / 255 − mean[c]) / std[c]` B, G, R planes. Pixel
 * centres map as in OpenCV (`src = (dst + 0.5) · scale − 0.5`, clamped to the crop).
 */
export function sampleLine(
  out: Float32Array, slot: number, planeWidth: number, image: RgbImage, crop: LineCrop, width: number, height: number,
  mean: readonly number[], std: readonly number[],
): void {
  const { left, top, width: cw, height: ch } = crop.region;
  const turned = turnedSize(crop);
  const sx = turned.width / width;
  const sy = turned.height / height;
  const plane = planeWidth * height;
  const base = slot * 3 * plane;
  const a = std.map((s) => 1 / (255 * s));
  const b = mean.map((m, c) => -m / std[c]);
  const src = image.data;
  const stride = image.width * 3;
  // Shrinking averages ceil(scale) × ceil(scale) bilinear samples per pixel (antialiasing, as
  // OpenCV's INTER_AREA): a long line squeezed to the classifier's 192 px stays legible.
  const nx = Math.max(1, Math.ceil(sx));
  const ny = Math.max(1, Math.ceil(sy));
  const weight = 1 / (nx * ny);
  const acc = [0, 0, 0];
  for (let v = 0; v < height; v++) {
    for (let u = 0; u < width; u++) {
      acc[0] = acc[1] = acc[2] = 0;
      for (let j = 0; j < ny; j++) {
        const tv = (v + (j + 0.5) / ny) * sy - 0.5;
        for (let i = 0; i < nx; i++) {
          const tu = (u + (i + 0.5) / nx) * sx - 0.5;
          // (tu, tv) in the turned line → (x, y) in the unturned crop.
          let x: number, y: number;
          if (crop.rotate === 0) { x = tu; y = tv; }
          else if (crop.rotate === 180) { x = cw - 1 - tu; y = ch - 1 - tv; }
          else if (crop.rotate === 270) { x = cw - 1 - tv; y = tu; } // turned counter-clockwise
          else { x = tv; y = ch - 1 - tu; }
          x = Math.min(cw - 1, Math.max(0, x));
          y = Math.min(ch - 1, Math.max(0, y));
          const x0 = Math.floor(x), y0 = Math.floor(y);
          const x1 = Math.min(cw - 1, x0 + 1), y1 = Math.min(ch - 1, y0 + 1);
          const fx = x - x0, fy = y - y0;
          const p00 = (top + y0) * stride + (left + x0) * 3;
          const p01 = (top + y0) * stride + (left + x1) * 3;
          const p10 = (top + y1) * stride + (left + x0) * 3;
          const p11 = (top + y1) * stride + (left + x1) * 3;
          for (let k = 0; k < 3; k++) {
            const upper = src[p00 + k] + (src[p01 + k] - src[p00 + k]) * fx;
            const lower = src[p10 + k] + (src[p11 + k] - src[p10 + k]) * fx;
            acc[k] += upper + (lower - upper) * fy;
          }
        }
      }
      const at = base + v * planeWidth + u;
      // Plane c (B, G, R) reads RGB channel 2 − c.
      for (let c = 0; c < 3; c++) out[at + c * plane] = acc[2 - c] * weight * a[c] + b[c];
    }
  }
}
