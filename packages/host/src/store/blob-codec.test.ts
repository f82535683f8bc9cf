import { describe, expect, it } from "vitest";
import { decodeBlobValue, encodeBlobValue, fromHalf, toHalf } from "./blob-codec.js";
import { decodeStoredBlob, prepareBlob } from "./blobs.js";
import { embedding } from "./__tests__/fixture.js";

const maxError = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};
const cosine = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) { dot += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i]; }
  return dot / Math.sqrt(na * nb);
};

describe("blob codec", () => {
  it("stores numeric arrays as binary tensors and gives back the same container", () => {
    const f32 = embedding(1, 8);
    const back = decodeBlobValue("tensor/f32", encodeBlobValue(f32).bytes) as Float32Array;
    expect(back).toBeInstanceOf(Float32Array);
    expect(Array.from(back)).toEqual(Array.from(f32));

    const rows = [embedding(2, 4), embedding(3, 4)];
    const encodedRows = encodeBlobValue(rows);
    expect(encodedRows.kind).toBe("tensor/f32");
    const backRows = decodeBlobValue(encodedRows.kind, encodedRows.bytes) as Float32Array[];
    expect(backRows.map((r) => Array.from(r))).toEqual(rows.map((r) => Array.from(r)));

    const numbers = [[0.5, 1.25], [2, -3]];
    const enc = encodeBlobValue(numbers);
    expect(enc.kind).toBe("tensor/f32"); // every value is exactly a float32: stored losslessly in 4 bytes
    expect(enc.bytes.length).toBe(8 + 8 + 16);
    expect(decodeBlobValue(enc.kind, enc.bytes)).toEqual(numbers);

    const doubles = [0.1, 0.2, Math.PI];
    const encD = encodeBlobValue(doubles);
    expect(encD.kind).toBe("tensor/f64");
    expect(decodeBlobValue(encD.kind, encD.bytes)).toEqual(doubles);
  });

  it("keeps other values as JSON, and typed arrays nested in objects as typed arrays", () => {
    const plain = { bio: "hi", n: [1, "x"] };
    const e = encodeBlobValue(plain);
    expect(e.kind).toBe("json");
    expect(decodeBlobValue(e.kind, e.bytes)).toEqual(plain);
    const nested = { vec: new Float32Array([1, 2]), label: "a" };
    const w = encodeBlobValue(nested);
    expect(w.kind).toBe("wire");
    const back = decodeBlobValue(w.kind, w.bytes) as { vec: Float32Array; label: string };
    expect(back.vec).toBeInstanceOf(Float32Array);
    expect(Array.from(back.vec)).toEqual([1, 2]);
    const jagged = [[1, 2], [3]];
    expect(encodeBlobValue(jagged).kind).toBe("json");
  });

  it("converts to and from float16 exactly where representable, rounding to nearest otherwise", () => {
    for (const v of [0, 1, -2, 0.5, 65504, 2 ** -14, 2 ** -24]) expect(fromHalf(toHalf(v))).toBe(v);
    expect(fromHalf(toHalf(70000))).toBe(Infinity);
    expect(Number.isNaN(fromHalf(toHalf(NaN)))).toBe(true);
    expect(Math.abs(fromHalf(toHalf(0.1)) - 0.1)).toBeLessThan(0.1 * 2 ** -11);
  });

  it("measures 512-d embedding sizes and quantization error (zstd alone vs f16 vs int8)", async () => {
    const results: Record<string, { bytes: number; maxError: number; cosine: number }> = {};
    const samples = Array.from({ length: 20 }, (_, i) => embedding(100 + i));
    for (const [label, quantize, compression] of [["f32 raw", "none", "none"], ["f32+zstd", "none", "zstd"], ["f16+zstd", "f16", "zstd"], ["int8+zstd", "int8", "zstd"]] as const) {
      let bytes = 0, err = 0, cos = 1;
      for (const v of samples) {
        const blob = await prepareBlob(v, { quantize, compression });
        bytes += blob.data.length;
        const back = (await decodeStoredBlob({ blob_data: blob.data, blob_type: blob.blobType, compression: blob.compression })) as Float32Array;
        err = Math.max(err, maxError(v, back));
        cos = Math.min(cos, cosine(v, back));
      }
      results[label] = { bytes: bytes / samples.length, maxError: err, cosine: cos };
    }
    console.log("blob bytes per 512-d float32 embedding:", JSON.stringify(results));
    expect(results["f32 raw"].bytes).toBe(8 + 4 + 2048);
    expect(results["f32+zstd"].bytes).toBeGreaterThan(1700); // zstd barely helps on float32 noise
    expect(results["f32+zstd"].maxError).toBe(0);
    expect(results["f16+zstd"].bytes).toBeLessThanOrEqual(1040);
    expect(results["f16+zstd"].maxError).toBeLessThan(2e-4);
    expect(results["int8+zstd"].bytes).toBeLessThanOrEqual(8 + 4 + 8 + 512); // header, shape, row min+scale, one byte per value
    expect(results["int8+zstd"].cosine).toBeGreaterThan(0.999);
  });
});
