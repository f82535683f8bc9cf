/**
 * Host-side image preparation (`ai.imageTensor`): encoded image bytes in, a float32 tensor out, so
 * a guest never moves megabytes of pixels through JSON.
 *
 * Order, all in the coordinates a person sees: decode → orient by EXIF → crop (in oriented original
 * pixels; parts of the box outside the image are black, as the face-crop rule of SOURCES.md needs)
 * → resize to width×height (`fill` stretches, `cover` crops centred, `contain` pads with black) →
 * per channel `(v / scale − mean) / std` → `nchw` (default) or `nhwc`, RGB, batch 1.
 * The returned width/height are those of the oriented original, which box coordinates refer to.
 *
 * sharp applies extract/extend at fixed points of its pipeline whatever the call order, so a crop
 * with padding is done in two passes: oriented extract of the visible part, padding in JS, then
 * the resize from raw pixels.
 */
import { loadSharp, type SharpFactory } from "../lazy-modules.js";

type Sharp = ReturnType<SharpFactory>;
type ResizeOptions = Exclude<Parameters<Sharp["resize"]>[0], number | null | undefined>;
import type { z } from "zod";
import type { ops } from "@sdx/sdk/protocol";
import { validationFailed } from "../../store/errors.js";
import type { WireTensor } from "./onnx.js";

export type ImageTensorOptions = z.output<(typeof ops)["ai.imageTensor"]["request"]>["options"];

export interface ImageTensorResult {
  tensor: WireTensor;
  /** Oriented original size. */
  width: number;
  height: number;
}

/**
 * Resampling kernel. Default `linear`: it is what model authors' own preprocessing uses (Pillow
 * bilinear, OpenCV INTER_LINEAR), and with it UltraFace finds exactly the expected faces on the
 * fixtures; sharp's lanczos3 finds one extra borderline face in a 44-face crowd.
 */
export type ResizeKernel = "nearest" | "linear" | "cubic" | "lanczos3";

interface RawImage {
  data: Buffer;
  width: number;
  height: number;
  channels: number;
}

const BLACK = { r: 0, g: 0, b: 0, alpha: 1 };

function decodeError(error: unknown): never {
  throw validationFailed(`the image cannot be decoded: ${(error as Error).message}`);
}

/** RGB, no alpha: grey images become three equal channels. */
function rgb(pipeline: Sharp): Sharp {
  return pipeline.removeAlpha().toColourspace("srgb");
}

async function toRaw(pipeline: Sharp): Promise<RawImage> {
  const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true }).catch(decodeError);
  return { data, width: info.width, height: info.height, channels: info.channels };
}

/** The oriented, cropped (black-padded) region as raw RGB. */
async function cropRegion(sharp: SharpFactory, bytes: Uint8Array, width: number, height: number, crop: NonNullable<ImageTensorOptions["crop"]>): Promise<RawImage> {
  const left = Math.round(crop.x);
  const top = Math.round(crop.y);
  const w = Math.max(1, Math.round(crop.width));
  const h = Math.max(1, Math.round(crop.height));
  const x0 = Math.max(0, left);
  const y0 = Math.max(0, top);
  const x1 = Math.min(width, left + w);
  const y1 = Math.min(height, top + h);
  const out: RawImage = { data: Buffer.alloc(w * h * 3), width: w, height: h, channels: 3 };
  if (x1 <= x0 || y1 <= y0) return out;
  const part = await toRaw(rgb(sharp(bytes, { failOn: "error" }).rotate().extract({ left: x0, top: y0, width: x1 - x0, height: y1 - y0 })));
  if (part.channels !== 3) throw validationFailed(`expected 3 colour channels after conversion, got ${part.channels}`);
  const rowBytes = (x1 - x0) * 3;
  for (let y = y0; y < y1; y++) {
    part.data.copy(out.data, ((y - top) * w + (x0 - left)) * 3, (y - y0) * rowBytes, (y - y0 + 1) * rowBytes);
  }
  return out;
}

export async function imageTensor(bytes: Uint8Array, options: ImageTensorOptions, kernel: ResizeKernel = "linear"): Promise<ImageTensorResult> {
  const sharp = await loadSharp();
  const metadata = await sharp(bytes, { failOn: "error" }).metadata().catch(decodeError);
  if (!metadata.width || !metadata.height) throw validationFailed("the image has no size");
  // EXIF orientations 5–8 swap the axes.
  const swapped = (metadata.orientation ?? 1) >= 5;
  const width = swapped ? metadata.height : metadata.width;
  const height = swapped ? metadata.width : metadata.height;

  const resize: ResizeOptions = {
    width: options.width, height: options.height, fit: options.fit ?? "fill", background: BLACK, kernel, fastShrinkOnLoad: false,
  };
  let pixels: RawImage;
  if (options.crop) {
    const region = await cropRegion(sharp, bytes, width, height, options.crop);
    pixels = await toRaw(sharp(region.data, { raw: { width: region.width, height: region.height, channels: 3 } }).resize(resize));
  } else {
    pixels = await toRaw(rgb(sharp(bytes, { failOn: "error" }).rotate()).resize(resize));
  }
  if (pixels.channels !== 3 || pixels.width !== options.width || pixels.height !== options.height) {
    throw validationFailed(`resize produced ${pixels.width}×${pixels.height}×${pixels.channels}, expected ${options.width}×${options.height}×3`);
  }
  return { tensor: normalize(pixels, options), width, height };
}

/** `(v / scale − mean[c]) / std[c]` into float32, channel-planar (nchw) or interleaved (nhwc). */
export function normalize(pixels: RawImage, options: Pick<ImageTensorOptions, "mean" | "std" | "scale" | "layout">): WireTensor {
  const { width: w, height: h, data } = pixels;
  const scale = options.scale ?? 1;
  const mean = options.mean ?? [0, 0, 0];
  const std = options.std ?? [1, 1, 1];
  const a = std.map((s) => 1 / (scale * s));
  const b = mean.map((m, c) => -m / std[c]);
  const n = w * h;
  const out = new Float32Array(n * 3);
  if ((options.layout ?? "nchw") === "nchw") {
    for (let c = 0; c < 3; c++) {
      const ac = a[c];
      const bc = b[c];
      const plane = c * n;
      for (let i = 0; i < n; i++) out[plane + i] = data[i * 3 + c] * ac + bc;
    }
    return { type: "float32", dims: [1, 3, h, w], data: out };
  }
  for (let i = 0; i < n * 3; i++) out[i] = data[i] * a[i % 3] + b[i % 3];
  return { type: "float32", dims: [1, h, w, 3], data: out };
}
