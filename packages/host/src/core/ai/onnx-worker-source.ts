/**
 * The code of the inference worker thread, as a string (`new Worker(source, { eval: true })`).
 *
 * Why a worker: onnxruntime-node's `InferenceSession.run` returns a promise but runs the graph
 * synchronously on the calling thread (inside a setImmediate), and `create` loads synchronously
 * too. On the host's main thread that would freeze every other guest, SQLite op and sharp decode
 * for the whole inference; in a worker, `parallelism` really overlaps inference with the rest.
 *
 * Why a string: the same code must start from the built dist/ and from vitest's TypeScript
 * sources; a separate .js file is not emitted by tsc and a .ts file cannot be a worker entry.
 * It is plain CommonJS and stays small: load, run, release. Errors go back as messages.
 *
 * Messages in:  { op: "load", id, key, path, threads } | { op: "run", id, key, feeds, giveBack } | { op: "release", key }
 * Messages out: { id, ok: true, info | outputs (+ inputs when giveBack), ms } | { id, ok: false, message }
 */
export const ONNX_WORKER_SOURCE = String.raw`
"use strict";
const { parentPort, workerData } = require("node:worker_threads");
const ort = require(workerData.ortPath);
ort.env.logLevel = "error";
const sessions = new Map();

const ARRAYS = {
  float32: Float32Array, float64: Float64Array, int32: Int32Array, int64: BigInt64Array,
  uint8: Uint8Array, int8: Int8Array, bool: Uint8Array,
};

function describe(metadata) {
  return metadata.map((m) => m.isTensor
    ? { name: m.name, type: m.type, shape: m.shape.map((d) => (typeof d === "number" ? d : String(d))) }
    : { name: m.name, type: "non-tensor", shape: [] });
}

async function handle(message) {
  if (message.op === "load") {
    const started = performance.now();
    // No spin-waiting between ops: with parallel jobs the spinning threads steal the cores that
    // image decoding needs (measured: 42 ms vs 7 ms per UltraFace run inside a 4-way job).
    const options = { logSeverityLevel: 3, graphOptimizationLevel: "all", extra: { session: { "intra_op.allow_spinning": "0", "inter_op.allow_spinning": "0" } } };
    if (message.threads > 0) options.intraOpNumThreads = message.threads;
    const session = await ort.InferenceSession.create(message.path, options);
    sessions.set(message.key, session);
    const info = { inputs: describe(session.inputMetadata), outputs: describe(session.outputMetadata) };
    return { result: { info, ms: performance.now() - started } };
  }
  if (message.op === "run") {
    const session = sessions.get(message.key);
    if (!session) throw new Error("session " + message.key + " is not loaded in the inference worker");
    const feeds = {};
    for (const [name, t] of Object.entries(message.feeds)) feeds[name] = new ort.Tensor(t.type, t.data, t.dims);
    const started = performance.now();
    const results = await session.run(feeds);
    const ms = performance.now() - started;
    const outputs = {};
    const transfer = [];
    for (const [name, tensor] of Object.entries(results)) {
      const Array_ = ARRAYS[tensor.type];
      if (!Array_) throw new Error("output " + name + " has element type " + tensor.type + ", which sdx tensors do not carry");
      // onnxruntime's output arrays are fresh and whole: moved as they are; anything else is copied.
      const own = tensor.data.constructor === Array_ && tensor.data.byteOffset === 0 && tensor.data.byteLength === tensor.data.buffer.byteLength && !transfer.includes(tensor.data.buffer);
      const data = own ? tensor.data : new Array_(tensor.data);
      outputs[name] = { type: tensor.type, dims: Array.from(tensor.dims, Number), data };
      transfer.push(data.buffer);
    }
    // Lent inputs go back the way they came (moved, not copied), so host-side tensors stay usable.
    let inputs;
    if (message.giveBack) {
      inputs = {};
      for (const [name, t] of Object.entries(message.feeds)) {
        inputs[name] = t.data;
        if (!transfer.includes(t.data.buffer)) transfer.push(t.data.buffer);
      }
    }
    return { result: { outputs, ms, inputs }, transfer };
  }
  if (message.op === "release") {
    const session = sessions.get(message.key);
    sessions.delete(message.key);
    if (session) await session.release();
    return { result: {} };
  }
  throw new Error("unknown worker op " + message.op);
}

parentPort.on("message", (message) => {
  handle(message).then(
    ({ result, transfer }) => parentPort.postMessage({ id: message.id, ok: true, ...result }, transfer || []),
    (error) => parentPort.postMessage({ id: message.id, ok: false, message: error && error.message ? error.message : String(error) }),
  );
});
`;
