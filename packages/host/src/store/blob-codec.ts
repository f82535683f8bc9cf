/**
 * How a blob field's value becomes bytes, and back. Pure and synchronous (compression is separate).
 *
 * Numeric arrays (Float32Array, Float64Array, number[], rectangular number[][], Float32Array[])
 * are stored as binary tensors, never as JSON text:
 *
 *   offset 0  "SDXT"            magic
 *          4  u8  format = 1
 *          5  u8  dtype          1 f32 · 2 f64 · 3 f16 · 4 int8 (affine per row)
 *          6  u8  container      what to give back: 0 Float32Array · 1 Float64Array · 2 number[]/number[][] · 3 Float32Array[]
 *          7  u8  ndim           1 or 2
 *          8  u32le × ndim       shape
 *          …  int8 only: per row f32le min, f32le scale
 *          …  data, little-endian
 *
 * number[] is stored as f32 when every value is exactly a float32 (lossless), else f64.
 * Quantization (`quantize: "f16" | "int8"` on the blob field) is lossy and applies to float data
 * only: f16 keeps ~3 significant digits (2× smaller than f32); int8 maps each row's [min, max]
 * onto 256 levels (≈4× smaller; max error = scale/2 = (max−min)/510 per row).
 * Uint8Array is stored as raw bytes. Anything else is JSON, or the protocol's codec when it holds
 * typed arrays deeper inside (so they come back as typed arrays).
 */
import { decodeMessage, encodeMessage } from "@sdx/sdk/protocol";

export type Quantize = "none" | "f16" | "int8";
export type BlobKind = "tensor/f32" | "tensor/f64" | "tensor/f16" | "tensor/i8" | "bytes" | "json" | "wire";

const MAGIC_TENSOR = 0x54584453; // "SDXT" little-endian
const MAGIC_WIRE = 0x57584453; // "SDXW"
const DTYPE = { f32: 1, f64: 2, f16: 3, i8: 4 } as const;
const CONTAINER = { f32: 0, f64: 1, numbers: 2, rows: 3 } as const;

interface Numeric {
  container: number;
  shape: number[];
  values: ArrayLike<number>;
  /** Whether every value is exactly representable as float32. */
  f32Exact: boolean;
}

function allNumbers(values: unknown[]): values is number[] {
  for (const v of values) if (typeof v !== "number") return false;
  return true;
}

function isF32Exact(values: ArrayLike<number>): boolean {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Math.fround(v) !== v && !Number.isNaN(v)) return false;
  }
  return true;
}

/** Recognizes the numeric array shapes stored as tensors. */
function asNumeric(value: unknown): Numeric | null {
  if (value instanceof Float32Array) return { container: CONTAINER.f32, shape: [value.length], values: value, f32Exact: true };
  if (value instanceof Float64Array) return { container: CONTAINER.f64, shape: [value.length], values: value, f32Exact: isF32Exact(value) };
  if (!Array.isArray(value) || value.length === 0) return null;
  if (allNumbers(value)) return { container: CONTAINER.numbers, shape: [value.length], values: value, f32Exact: isF32Exact(value) };
  const first: unknown = value[0];
  const width = first instanceof Float32Array || Array.isArray(first) ? first.length : -1;
  if (width <= 0) return null;
  const rowsAreF32 = first instanceof Float32Array;
  const flat = rowsAreF32 ? new Float32Array(value.length * width) : new Float64Array(value.length * width);
  for (let r = 0; r < value.length; r++) {
    const row: unknown = value[r];
    if (rowsAreF32 ? !(row instanceof Float32Array) : !Array.isArray(row) || !allNumbers(row)) return null;
    const typed = row as ArrayLike<number>;
    if (typed.length !== width) return null;
    for (let c = 0; c < width; c++) flat[r * width + c] = typed[c];
  }
  return {
    container: rowsAreF32 ? CONTAINER.rows : CONTAINER.numbers,
    shape: [value.length, width],
    values: flat,
    f32Exact: rowsAreF32 || isF32Exact(flat),
  };
}

export interface EncodedBlob {
  kind: BlobKind;
  bytes: Buffer;
}

export function encodeBlobValue(value: unknown, quantize: Quantize = "none"): EncodedBlob {
  const numeric = asNumeric(value);
  if (numeric) return encodeTensor(numeric, quantize);
  if (value instanceof Uint8Array) return { kind: "bytes", bytes: Buffer.from(value) };
  const message = encodeMessage(value);
  if (message.buffers.length === 0) return { kind: "json", bytes: Buffer.from(message.json, "utf8") };
  return { kind: "wire", bytes: encodeWire(message.json, message.buffers) };
}

export function decodeBlobValue(kind: string, bytes: Uint8Array): unknown {
  switch (kind) {
    case "json":
      return JSON.parse(Buffer.from(bytes).toString("utf8")) as unknown;
    case "bytes":
      return new Uint8Array(bytes);
    case "wire":
      return decodeWire(bytes);
    default:
      return decodeTensor(bytes);
  }
}

function encodeTensor(t: Numeric, quantize: Quantize): EncodedBlob {
  const dtype = quantize === "f16" ? DTYPE.f16 : quantize === "int8" ? DTYPE.i8 : t.f32Exact ? DTYPE.f32 : DTYPE.f64;
  const n = t.values.length;
  const rows = t.shape.length === 2 ? t.shape[0] : 1;
  const width = t.shape.length === 2 ? t.shape[1] : n;
  const elementSize = dtype === DTYPE.f64 ? 8 : dtype === DTYPE.f32 ? 4 : dtype === DTYPE.f16 ? 2 : 1;
  const headerSize = 8 + 4 * t.shape.length + (dtype === DTYPE.i8 ? 8 * rows : 0);
  const buffer = Buffer.alloc(headerSize + n * elementSize);
  buffer.writeUInt32LE(MAGIC_TENSOR, 0);
  buffer.writeUInt8(1, 4);
  buffer.writeUInt8(dtype, 5);
  buffer.writeUInt8(t.container, 6);
  buffer.writeUInt8(t.shape.length, 7);
  t.shape.forEach((d, i) => buffer.writeUInt32LE(d, 8 + 4 * i));
  let at = 8 + 4 * t.shape.length;
  if (dtype === DTYPE.f32) copyOut(buffer, at, t.values instanceof Float32Array ? t.values : Float32Array.from(t.values));
  else if (dtype === DTYPE.f64) copyOut(buffer, at, t.values instanceof Float64Array ? t.values : Float64Array.from(t.values));
  else if (dtype === DTYPE.f16) for (let i = 0; i < n; i++, at += 2) buffer.writeUInt16LE(toHalf(t.values[i]), at);
  else {
    const params: Array<[number, number]> = [];
    for (let r = 0; r < rows; r++) {
      let min = Infinity;
      let max = -Infinity;
      for (let c = 0; c < width; c++) {
        const v = t.values[r * width + c];
        if (v < min) min = v;
        if (v > max) max = v;
      }
      const scale = Math.fround(max > min ? (max - min) / 255 : 0);
      params.push([Math.fround(min), scale]);
      buffer.writeFloatLE(min, at);
      buffer.writeFloatLE(scale, at + 4);
      at += 8;
    }
    for (let r = 0; r < rows; r++) {
      const [min, scale] = params[r];
      for (let c = 0; c < width; c++, at++) {
        const q = scale === 0 ? 0 : Math.round((t.values[r * width + c] - min) / scale);
        buffer.writeInt8(Math.max(0, Math.min(255, q)) - 128, at);
      }
    }
  }
  const kind: BlobKind = dtype === DTYPE.f32 ? "tensor/f32" : dtype === DTYPE.f64 ? "tensor/f64" : dtype === DTYPE.f16 ? "tensor/f16" : "tensor/i8";
  return { kind, bytes: buffer };
}

function decodeTensor(bytes: Uint8Array): unknown {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buffer.length < 8 || buffer.readUInt32LE(0) !== MAGIC_TENSOR) throw new Error("blob is not an sdx tensor");
  const dtype = buffer.readUInt8(5);
  const container = buffer.readUInt8(6);
  const ndim = buffer.readUInt8(7);
  const shape = Array.from({ length: ndim }, (_, i) => buffer.readUInt32LE(8 + 4 * i));
  const n = shape.reduce((a, b) => a * b, 1);
  const rows = ndim === 2 ? shape[0] : 1;
  const width = ndim === 2 ? shape[1] : n;
  let at = 8 + 4 * ndim;
  const out = container === CONTAINER.f64 || (container === CONTAINER.numbers && dtype === DTYPE.f64) ? new Float64Array(n) : new Float32Array(n);
  if (dtype === DTYPE.f32) copyIn(out, buffer, at, 4);
  else if (dtype === DTYPE.f64) copyIn(out, buffer, at, 8);
  else if (dtype === DTYPE.f16) for (let i = 0; i < n; i++, at += 2) out[i] = fromHalf(buffer.readUInt16LE(at));
  else {
    const params = Array.from({ length: rows }, (_, r) => [buffer.readFloatLE(at + 8 * r), buffer.readFloatLE(at + 8 * r + 4)]);
    at += 8 * rows;
    for (let r = 0; r < rows; r++) {
      const [min, scale] = params[r];
      for (let c = 0; c < width; c++, at++) out[r * width + c] = min + (buffer.readInt8(at) + 128) * scale;
    }
  }
  if (container === CONTAINER.f32 || container === CONTAINER.f64) return out;
  if (container === CONTAINER.rows) return Array.from({ length: rows }, (_, r) => out.slice(r * width, (r + 1) * width));
  if (ndim === 1) return Array.from(out);
  return Array.from({ length: rows }, (_, r) => Array.from(out.subarray(r * width, (r + 1) * width)));
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Copies a typed array's bytes in little-endian order (a plain byte copy on little-endian hosts). */
function copyOut(target: Buffer, at: number, source: Float32Array | Float64Array): void {
  if (LITTLE_ENDIAN) {
    target.set(new Uint8Array(source.buffer, source.byteOffset, source.byteLength), at);
    return;
  }
  const size = source.BYTES_PER_ELEMENT;
  for (let i = 0; i < source.length; i++) {
    if (size === 4) target.writeFloatLE(source[i], at + 4 * i);
    else target.writeDoubleLE(source[i], at + 8 * i);
  }
}

/** Reads `out.length` little-endian floats of `size` bytes into `out` (converting f32↔f64 if needed). */
function copyIn(out: Float32Array | Float64Array, source: Buffer, at: number, size: 4 | 8): void {
  const byteLength = out.length * size;
  if (LITTLE_ENDIAN) {
    const aligned = new Uint8Array(byteLength);
    aligned.set(source.subarray(at, at + byteLength));
    out.set(size === 4 ? new Float32Array(aligned.buffer) : new Float64Array(aligned.buffer));
    return;
  }
  for (let i = 0; i < out.length; i++) out[i] = size === 4 ? source.readFloatLE(at + 4 * i) : source.readDoubleLE(at + 8 * i);
}

function encodeWire(json: string, buffers: ArrayBuffer[]): Buffer {
  const text = Buffer.from(json, "utf8");
  const parts: Buffer[] = [Buffer.alloc(12)];
  parts[0].writeUInt32LE(MAGIC_WIRE, 0);
  parts[0].writeUInt32LE(text.length, 4);
  parts[0].writeUInt32LE(buffers.length, 8);
  parts.push(text);
  for (const b of buffers) {
    const len = Buffer.alloc(4);
    len.writeUInt32LE(b.byteLength, 0);
    parts.push(len, Buffer.from(b));
  }
  return Buffer.concat(parts);
}

function decodeWire(bytes: Uint8Array): unknown {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buffer.readUInt32LE(0) !== MAGIC_WIRE) throw new Error("blob is not an sdx wire value");
  const jsonLength = buffer.readUInt32LE(4);
  const count = buffer.readUInt32LE(8);
  const json = buffer.subarray(12, 12 + jsonLength).toString("utf8");
  const buffers: ArrayBuffer[] = [];
  let at = 12 + jsonLength;
  for (let i = 0; i < count; i++) {
    const len = buffer.readUInt32LE(at);
    const copy = new Uint8Array(len);
    copy.set(buffer.subarray(at + 4, at + 4 + len));
    buffers.push(copy.buffer);
    at += 4 + len;
  }
  return decodeMessage({ json, buffers });
}

// IEEE 754 binary16, round to nearest even; overflow → ±Infinity, underflow → subnormals/±0.
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export function toHalf(value: number): number {
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && (half & 1))) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  // A carry out of the mantissa rounds into the exponent (0x7bff + 1 = Infinity), as it should.
  if (rem > 0x1000 || (rem === 0x1000 && (half & 1))) half++;
  return sign | half;
}

export function fromHalf(half: number): number {
  const sign = half & 0x8000 ? -1 : 1;
  const exp = (half >>> 10) & 0x1f;
  const mant = half & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}
