import { SdxError } from "@sdx/sdk/errors";
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { OnnxSessions, type WireTensor } from "./onnx.js";
import { elementwiseModel, linearModel, softmaxModel, writeOnnxModel } from "./testing/onnx-writer.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sdx-onnx-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, bytes: Uint8Array): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, bytes);
  return file;
}

/** Deterministic pseudo-random floats in [-1, 1). */
function floats(n: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 31) - 1);
}

const IN = 5;
const OUT = 3;
const W = floats(IN * OUT, 7);
const B = floats(OUT, 11);
let linear: string;
let sessions: OnnxSessions;

beforeAll(() => {
  linear = write("linear.onnx", linearModel(W, B, IN, OUT));
  sessions = new OnnxSessions({ idleMs: 200, maxSessions: 2 });
});
afterAll(() => sessions.close());

/** The elements of any typed array. */
const values = (data: ArrayBufferView): Array<number | bigint> => Array.from(data as unknown as ArrayLike<number | bigint>);

function linearReference(x: Float32Array, n: number): Float32Array {
  const y = new Float32Array(n * OUT);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < OUT; c++) {
      let sum = 0;
      for (let k = 0; k < IN; k++) sum += x[r * IN + k] * W[k * OUT + c];
      y[r * OUT + c] = sum + B[c];
    }
  }
  return y;
}

describe("onnx sessions on self-written models", () => {
  it("runs MatMul+Add with a symbolic batch dimension, matching a JS reference", async () => {
    const info = await sessions.info(linear);
    expect(info.inputs).toEqual([{ name: "x", type: "float32", shape: ["N", IN] }]);
    expect(info.outputs).toEqual([{ name: "y", type: "float32", shape: ["N", OUT] }]);
    expect(info.loadMs).toBeGreaterThan(0);
    for (const n of [1, 4]) {
      const x = floats(n * IN, 100 + n);
      const { y } = await sessions.run(linear, { x: { type: "float32", dims: [n, IN], data: x } });
      expect(y.type).toBe("float32");
      expect(y.dims).toEqual([n, OUT]);
      expect(y.data).toBeInstanceOf(Float32Array);
      const want = linearReference(x, n);
      (y.data as Float32Array).forEach((v, i) => expect(v).toBeCloseTo(want[i], 5));
    }
  });

  it("runs Add/Mul for float64, int32 and int64 with the matching typed arrays", async () => {
    const cases: Array<{ type: "float64" | "int32" | "int64"; make: (v: number[]) => WireTensor["data"] }> = [
      { type: "float64", make: (v) => Float64Array.from(v, (x) => x + 0.25) },
      { type: "int32", make: (v) => Int32Array.from(v) },
      { type: "int64", make: (v) => BigInt64Array.from(v, (x) => BigInt(x) * 3_000_000_000n) },
    ];
    for (const { type, make } of cases) {
      const file = write(`ew-${type}.onnx`, elementwiseModel(type, [2, 3]));
      const a = make([1, 2, 3, 4, 5, 6]);
      const b = make([-1, 0, 7, 2, 2, 9]);
      const c = type === "int64" ? BigInt64Array.from([1n, 2n, 3n, 1n, 0n, -1n]) : make([1, 2, 3, 1, 0, -1]);
      const out = await sessions.run(file, {
        a: { type, dims: [2, 3], data: a }, b: { type, dims: [2, 3], data: b }, c: { type, dims: [2, 3], data: c },
      });
      const av = values(a);
      const bv = values(b);
      const cv = values(c);
      const sum = av.map((x, i) => (typeof x === "bigint" ? x + (bv[i] as bigint) : x + (bv[i] as number)));
      const product = sum.map((x, i) => (typeof x === "bigint" ? x * (cv[i] as bigint) : x * (cv[i] as number)));
      expect(out.sum.type).toBe(type);
      expect(values(out.sum.data)).toEqual(sum);
      expect(values(out.product.data)).toEqual(product);
    }
  });

  it("writes attributes: Softmax(axis=-1) matches the JS softmax", async () => {
    const file = write("softmax.onnx", softmaxModel(4));
    const x = Float32Array.from([1, 2, 3, 4, -1, 0, 1, 10]);
    const { y } = await sessions.run(file, { x: { type: "float32", dims: [2, 4], data: x } });
    for (let r = 0; r < 2; r++) {
      const row = Array.from(x.slice(r * 4, r * 4 + 4));
      const max = Math.max(...row);
      const exps = row.map((v) => Math.exp(v - max));
      const total = exps.reduce((s, v) => s + v, 0);
      exps.forEach((e, i) => expect((y.data as Float32Array)[r * 4 + i]).toBeCloseTo(e / total, 6));
    }
  });

  it("moves lent inputs to the worker without copying them, and gives them back in `returned` when asked", async () => {
    const want = linearReference(floats(2 * IN, 7), 2);
    const kept = floats(2 * IN, 7);
    const returned: Record<string, WireTensor["data"]> = {};
    const first = await sessions.run(linear, { x: { type: "float32", dims: [2, IN], data: kept } }, "linear", { transfer: true, returned });
    expect(kept.length).toBe(0); // detached: it was moved, not copied
    expect(Array.from(returned.x as Float32Array)).toEqual(Array.from(floats(2 * IN, 7)));
    const given = floats(2 * IN, 7);
    const second = await sessions.run(linear, { x: { type: "float32", dims: [2, IN], data: given } }, "linear", { transfer: true });
    expect(given.length).toBe(0);
    for (const { y } of [first, second]) (y.data as Float32Array).forEach((v, i) => expect(v).toBeCloseTo(want[i], 5));
  });

  it("refuses wrong inputs with every problem located (SDX3002)", async () => {
    const error = await sessions.run(linear, { x: { type: "float32", dims: [1, 4], data: new Float32Array(5) }, z: { type: "int32", dims: [1], data: new Int32Array(1) } }, "tiny-linear")
      .then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(SdxError);
    const e = error as SdxError;
    expect(e.code).toBe("SDX3002");
    expect(e.message).toContain("tiny-linear");
    const issues = (e.data as { issues: Array<{ path: string }> }).issues.map((i) => i.path);
    expect(issues).toEqual(expect.arrayContaining(["x.data", "x.dims.1", "z"]));
    const wrongArray = await sessions.run(linear, { x: { type: "float32", dims: [1, IN], data: new Float64Array(IN) } }).catch((e: SdxError) => e);
    expect((wrongArray as SdxError).message).toMatch(/needs a Float32Array, got Float64Array/);
  });

  it("keeps the main thread free while inference runs: onnxruntime is loaded in a worker thread, never here", async () => {
    // 8 chained 256×256 MatMuls over 512 rows: tens of ms of real work, three runs at once.
    const size = 256;
    const layers = 8;
    const weights = new Float32Array(size * size);
    for (let i = 0; i < size; i++) weights[i * size + i] = 1;
    const heavy = write("heavy.onnx", writeOnnxModel({
      inputs: [{ name: "x", type: "float32", shape: ["N", size] }],
      outputs: [{ name: `h${layers}`, type: "float32", shape: ["N", size] }],
      initializers: [{ name: "W", type: "float32", dims: [size, size], data: weights }],
      nodes: Array.from({ length: layers }, (_, i) => ({ op: "MatMul", inputs: [i === 0 ? "x" : `h${i}`, "W"], outputs: [`h${i + 1}`] })),
    }));
    const x = floats(512 * size, 3);
    const runs = await Promise.all([0, 1, 2].map(() => sessions.run(heavy, { x: { type: "float32", dims: [512, size], data: x } })));
    // Identity weights: the output equals the input, for every parallel run.
    for (const out of runs) expect(Array.from((out[`h${layers}`].data as Float32Array).subarray(0, 50))).toEqual(Array.from(x.subarray(0, 50)));
    // The caller's array is untouched (copied to the worker, not transferred).
    expect(x.length).toBe(512 * size);
    // onnxruntime's `run` computes synchronously on the thread that loaded it (onnx-worker-source.ts):
    // this thread never loads it, so inference cannot block it (a property, not a timing).
    const here = Object.keys(createRequire(import.meta.url).cache).filter((file) => file.includes(`${path.sep}onnxruntime-node${path.sep}`));
    expect(here).toEqual([]);
  });

  it("keeps at most maxSessions, releases idle ones and stops the worker, and reloads on demand", async () => {
    // A fake clock for the idle timers: "idle for 50 ms" is decided by the test, not by how fast
    // a busy machine runs the three models.
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      const s = new OnnxSessions({ maxSessions: 2, idleMs: 50 });
      const files = [0, 1, 2].map((i) => write(`lin-${i}.onnx`, linearModel(W, B, IN, OUT)));
      for (const file of files) await s.run(file, { x: { type: "float32", dims: [1, IN], data: floats(IN, 1) } });
      expect(s.loaded()).toEqual(files.slice(1)); // the least recently used went when the third loaded
      vi.advanceTimersByTime(49);
      expect(s.loaded()).toEqual(files.slice(1));
      vi.advanceTimersByTime(1);
      expect(s.loaded()).toEqual([]);
      const again = await s.run(files[0], { x: { type: "float32", dims: [1, IN], data: floats(IN, 1) } });
      expect(again.y.dims).toEqual([1, OUT]);
      expect(s.loadTimes.length).toBe(4);
      await s.close();
    } finally {
      vi.useRealTimers();
    }
  });

  it("reports a corrupt model file as a host failure, and does not cache the failure", async () => {
    const file = write("broken.onnx", new Uint8Array([1, 2, 3, 4]));
    const error = await sessions.info(file).catch((e: SdxError) => e);
    expect((error as SdxError).code).toBe("SDX3020");
    expect((error as SdxError).message).toMatch(/onnxruntime/);
    fs.writeFileSync(file, linearModel(W, B, IN, OUT));
    expect((await sessions.info(file)).inputs[0].name).toBe("x");
  });
});
