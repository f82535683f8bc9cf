import { SdxError } from "@sdx/sdk/errors";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { imageTensor } from "./images.js";

/** A W×H RGB image whose every pixel is distinct: (x*40+7, y*50+11, x*7+y*13+3). */
const W = 5;
const H = 3;
function pattern(): Buffer {
  const raw = Buffer.alloc(W * H * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) raw.set([x * 40 + 7, y * 50 + 11, x * 7 + y * 13 + 3], (y * W + x) * 3);
  }
  return raw;
}

/** Lossless PNG carrying an EXIF orientation tag. */
async function png(raw: Buffer, w: number, h: number, orientation = 1, channels: 1 | 3 | 4 = 3): Promise<Uint8Array> {
  return sharp(raw, { raw: { width: w, height: h, channels } }).withMetadata({ orientation }).png().toBuffer();
}

/** The displayed image for an EXIF orientation, computed by hand from the stored pixels. */
function orient(raw: Buffer, w: number, h: number, o: number): { data: number[][]; width: number; height: number } {
  const swapped = o >= 5;
  const dw = swapped ? h : w;
  const dh = swapped ? w : h;
  const source: Record<number, (x: number, y: number) => [number, number]> = {
    1: (x, y) => [x, y], 2: (x, y) => [w - 1 - x, y], 3: (x, y) => [w - 1 - x, h - 1 - y], 4: (x, y) => [x, h - 1 - y],
    5: (x, y) => [y, x], 6: (x, y) => [y, h - 1 - x], 7: (x, y) => [w - 1 - y, h - 1 - x], 8: (x, y) => [w - 1 - y, x],
  };
  const data: number[][] = [];
  for (let y = 0; y < dh; y++) {
    for (let x = 0; x < dw; x++) {
      const [sx, sy] = source[o](x, y);
      data.push([...raw.subarray((sy * w + sx) * 3, (sy * w + sx) * 3 + 3)]);
    }
  }
  return { data, width: dw, height: dh };
}

/** Pixel (x, y) channel c of an NCHW tensor. */
const nchw = (t: Float32Array, w: number, h: number, x: number, y: number, c: number) => t[c * w * h + y * w + x];

describe("imageTensor", () => {
  it("orients by EXIF (all 8 orientations) and reports the oriented size", async () => {
    const raw = pattern();
    for (let o = 1; o <= 8; o++) {
      const want = orient(raw, W, H, o);
      const result = await imageTensor(await png(raw, W, H, o), { width: want.width, height: want.height, fit: "fill" });
      expect([result.width, result.height]).toEqual([want.width, want.height]);
      expect(result.tensor.dims).toEqual([1, 3, want.height, want.width]);
      const t = result.tensor.data as Float32Array;
      for (let y = 0; y < want.height; y++) {
        for (let x = 0; x < want.width; x++) {
          const got = [0, 1, 2].map((c) => nchw(t, want.width, want.height, x, y, c));
          expect(got, `orientation ${o} at ${x},${y}`).toEqual(want.data[y * want.width + x]);
        }
      }
    }
  });

  it("normalizes (v/scale − mean)/std per channel, in nchw and nhwc", async () => {
    const raw = pattern();
    const bytes = await png(raw, W, H);
    const norm = { scale: 255, mean: [0.485, 0.456, 0.406] as [number, number, number], std: [0.229, 0.224, 0.225] as [number, number, number] };
    const planar = await imageTensor(bytes, { width: W, height: H, ...norm, layout: "nchw" });
    const packed = await imageTensor(bytes, { width: W, height: H, ...norm, layout: "nhwc" });
    expect(packed.tensor.dims).toEqual([1, H, W, 3]);
    const p = planar.tensor.data as Float32Array;
    const q = packed.tensor.data as Float32Array;
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        for (let c = 0; c < 3; c++) {
          const v = raw[(y * W + x) * 3 + c];
          const want = (v / norm.scale - norm.mean[c]) / norm.std[c];
          expect(nchw(p, W, H, x, y, c)).toBeCloseTo(want, 5);
          expect(q[(y * W + x) * 3 + c]).toBeCloseTo(want, 5);
        }
      }
    }
  });

  it("crops in oriented pixels and pads the part outside the image with black", async () => {
    const raw = pattern();
    // Orientation 6: the displayed image is 3 wide and 5 high.
    const shown = orient(raw, W, H, 6);
    const crop = { x: -1, y: 3, width: 3, height: 4 };
    const result = await imageTensor(await png(raw, W, H, 6), { width: crop.width, height: crop.height, crop, mean: [10, 20, 30], std: [2, 2, 2] });
    expect([result.width, result.height]).toEqual([3, 5]);
    const t = result.tensor.data as Float32Array;
    for (let y = 0; y < crop.height; y++) {
      for (let x = 0; x < crop.width; x++) {
        const sx = crop.x + x;
        const sy = crop.y + y;
        const inside = sx >= 0 && sx < shown.width && sy >= 0 && sy < shown.height;
        const px = inside ? shown.data[sy * shown.width + sx] : [0, 0, 0];
        const got = [0, 1, 2].map((c) => nchw(t, crop.width, crop.height, x, y, c));
        expect(got, `at ${x},${y}`).toEqual(px.map((v, c) => (v - [10, 20, 30][c]) / 2));
      }
    }
  });

  it("a crop entirely outside the image is all black", async () => {
    const result = await imageTensor(await png(pattern(), W, H), { width: 2, height: 2, crop: { x: 50, y: 50, width: 4, height: 4 } });
    expect([...(result.tensor.data as Float32Array)]).toEqual(new Array(12).fill(0));
  });

  it("resizes with fill, cover and contain (black bars where contain pads)", async () => {
    const colour = [200, 100, 50];
    const raw = Buffer.alloc(8 * 4 * 3);
    for (let i = 0; i < 8 * 4; i++) raw.set(colour, i * 3);
    const bytes = await png(raw, 8, 4);
    for (const fit of ["fill", "cover"] as const) {
      const t = (await imageTensor(bytes, { width: 6, height: 6, fit, layout: "nhwc" })).tensor.data as Float32Array;
      for (let i = 0; i < 36; i++) expect([t[i * 3], t[i * 3 + 1], t[i * 3 + 2]]).toEqual(colour);
    }
    // 8×4 into 4×4: scaled to 4×2 and centred, so rows 0 and 3 are black padding.
    const contained = await imageTensor(bytes, { width: 4, height: 4, fit: "contain", layout: "nhwc" });
    const t = contained.tensor.data as Float32Array;
    const row = (y: number) => [...t.subarray(y * 12, y * 12 + 12)];
    expect(row(0)).toEqual(new Array(12).fill(0));
    expect(row(3)).toEqual(new Array(12).fill(0));
    expect(row(1)).toEqual([...colour, ...colour, ...colour, ...colour]);
    expect(row(2)).toEqual([...colour, ...colour, ...colour, ...colour]);
  });

  it("gives three equal channels for grey images and drops alpha", async () => {
    const grey = Buffer.from([0, 64, 128, 255]);
    const g = await imageTensor(await png(grey, 2, 2, 1, 1), { width: 2, height: 2, layout: "nhwc" });
    expect([...(g.tensor.data as Float32Array)]).toEqual([0, 0, 0, 64, 64, 64, 128, 128, 128, 255, 255, 255]);
    const rgba = Buffer.from([10, 20, 30, 255, 40, 50, 60, 0]);
    const a = await imageTensor(await png(rgba, 2, 1, 1, 4), { width: 2, height: 1, layout: "nhwc" });
    expect([...(a.tensor.data as Float32Array)]).toEqual([10, 20, 30, 40, 50, 60]);
  });

  it("refuses bytes that are not an image (SDX3002)", async () => {
    const error = await imageTensor(new TextEncoder().encode("not an image"), { width: 2, height: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SdxError);
    expect((error as SdxError).code).toBe("SDX3002");
  });
});
