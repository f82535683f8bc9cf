/**
 * Writes tiny ONNX models by hand, for tests and benchmarks: a minimal protobuf encoder and the
 * few onnx.proto messages a small graph needs (ModelProto, GraphProto, NodeProto, TensorProto,
 * ValueInfoProto, AttributeProto). protobufjs is not a dependency, and these messages are stable:
 * field numbers below are those of onnx/onnx.proto (IR version 8).
 *
 * Input: a graph description in plain data. Output: the bytes of a .onnx file that onnxruntime loads.
 */

// ───────────── protobuf wire format (varint = 0, length-delimited = 2, fixed32 = 5) ─────────────

class ProtoWriter {
  private readonly parts: number[] = [];

  private varint(value: bigint): void {
    // Negative int64 values are written as their 64-bit two's complement (10 bytes).
    let v = BigInt.asUintN(64, value);
    while (v >= 0x80n) {
      this.parts.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.parts.push(Number(v));
  }

  private tag(field: number, wire: number): void {
    this.varint(BigInt((field << 3) | wire));
  }

  int(field: number, value: number | bigint): this {
    this.tag(field, 0);
    this.varint(BigInt(value));
    return this;
  }

  float(field: number, value: number): this {
    this.tag(field, 5);
    const bytes = new Uint8Array(new Float32Array([value]).buffer);
    this.parts.push(...bytes);
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.tag(field, 2);
    this.varint(BigInt(value.length));
    for (const b of value) this.parts.push(b);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  message(field: number, build: (w: ProtoWriter) => void): this {
    const inner = new ProtoWriter();
    build(inner);
    return this.bytes(field, inner.finish());
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

// ───────────── onnx.proto subset ─────────────

/** TensorProto.DataType values. */
export const OnnxType = { float32: 1, uint8: 2, int8: 3, int32: 6, int64: 7, bool: 9, float64: 11 } as const;
export type OnnxTypeName = keyof typeof OnnxType;

/** A graph input or output: name, element type and shape (a string is a symbolic dimension). */
export interface ValueInfo {
  name: string;
  type: OnnxTypeName;
  shape: Array<number | string>;
}

/** A constant (weights): the typed array is written as raw little-endian data. */
export interface Initializer {
  name: string;
  type: OnnxTypeName;
  dims: number[];
  data: Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array | Int8Array;
}

export type AttributeValue = number | string | number[];

export interface OnnxNode {
  op: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  /** Integers are written as INT/INTS, other numbers as FLOAT. */
  attributes?: Record<string, AttributeValue>;
}

export interface OnnxGraph {
  name?: string;
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  nodes: OnnxNode[];
  initializers?: Initializer[];
  /** Default opset 17 of the default domain. */
  opset?: number;
}

function writeValueInfo(w: ProtoWriter, info: ValueInfo): void {
  w.string(1, info.name);
  // TypeProto { tensor_type = 1: { elem_type = 1, shape = 2: { dim = 1: { dim_value = 1 | dim_param = 2 } } } }
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, OnnxType[info.type]);
      tensor.message(2, (shape) => {
        for (const dim of info.shape) {
          shape.message(1, (d) => (typeof dim === "number" ? d.int(1, dim) : d.string(2, dim)));
        }
      });
    }),
  );
}

function writeTensor(w: ProtoWriter, tensor: Initializer): void {
  for (const dim of tensor.dims) w.int(1, dim);
  w.int(2, OnnxType[tensor.type]);
  w.string(8, tensor.name);
  // raw_data is little-endian; every platform Node runs on here is little-endian.
  w.bytes(9, new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength));
}

function writeAttribute(w: ProtoWriter, name: string, value: AttributeValue): void {
  // AttributeProto: name = 1, f = 2, i = 3, s = 4, ints = 8, type = 20 (FLOAT 1, INT 2, STRING 3, INTS 7)
  w.string(1, name);
  if (typeof value === "string") w.bytes(4, new TextEncoder().encode(value)).int(20, 3);
  else if (Array.isArray(value)) {
    for (const v of value) w.int(8, v);
    w.int(20, 7);
  } else if (Number.isInteger(value)) w.int(3, value).int(20, 2);
  else w.float(2, value).int(20, 1);
}

function writeNode(w: ProtoWriter, node: OnnxNode, index: number): void {
  for (const input of node.inputs) w.string(1, input);
  for (const output of node.outputs) w.string(2, output);
  w.string(3, node.name ?? `${node.op}_${index}`);
  w.string(4, node.op);
  for (const [name, value] of Object.entries(node.attributes ?? {})) w.message(5, (a) => writeAttribute(a, name, value));
}

/** The bytes of a .onnx model file for `graph`. */
export function writeOnnxModel(graph: OnnxGraph): Uint8Array {
  const model = new ProtoWriter();
  model.int(1, 8); // ir_version
  model.string(2, "sdx-onnx-writer"); // producer_name
  model.string(3, "1"); // producer_version
  model.message(7, (g) => {
    graph.nodes.forEach((node, i) => g.message(1, (n) => writeNode(n, node, i)));
    g.string(2, graph.name ?? "sdx_test_graph");
    for (const init of graph.initializers ?? []) g.message(5, (t) => writeTensor(t, init));
    for (const input of graph.inputs) g.message(11, (v) => writeValueInfo(v, input));
    for (const output of graph.outputs) g.message(12, (v) => writeValueInfo(v, output));
  });
  model.message(8, (o) => o.string(1, "").int(2, graph.opset ?? 17)); // opset_import
  return model.finish();
}

// ───────────── ready-made models used by tests and benchmarks ─────────────

/** `y = x · W + b`: x float32 [N, inDim], W [inDim, outDim], b [outDim]. */
export function linearModel(weights: Float32Array, bias: Float32Array, inDim: number, outDim: number): Uint8Array {
  return writeOnnxModel({
    name: "linear",
    inputs: [{ name: "x", type: "float32", shape: ["N", inDim] }],
    outputs: [{ name: "y", type: "float32", shape: ["N", outDim] }],
    initializers: [
      { name: "W", type: "float32", dims: [inDim, outDim], data: weights },
      { name: "b", type: "float32", dims: [outDim], data: bias },
    ],
    nodes: [
      { op: "MatMul", inputs: ["x", "W"], outputs: ["xw"] },
      { op: "Add", inputs: ["xw", "b"], outputs: ["y"] },
    ],
  });
}

/** `sum = a + b`, `product = (a + b) * c` elementwise, for any element type ONNX's Add/Mul accept. */
export function elementwiseModel(type: "float32" | "float64" | "int32" | "int64", shape: Array<number | string>): Uint8Array {
  return writeOnnxModel({
    name: "elementwise",
    inputs: ["a", "b", "c"].map((name) => ({ name, type, shape })),
    outputs: [{ name: "sum", type, shape }, { name: "product", type, shape }],
    nodes: [
      { op: "Add", inputs: ["a", "b"], outputs: ["sum"] },
      { op: "Mul", inputs: ["sum", "c"], outputs: ["product"] },
    ],
  });
}

/** `y = softmax(x)` over the last axis, with an attribute, to exercise AttributeProto. */
export function softmaxModel(width: number): Uint8Array {
  return writeOnnxModel({
    name: "softmax",
    inputs: [{ name: "x", type: "float32", shape: ["N", width] }],
    outputs: [{ name: "y", type: "float32", shape: ["N", width] }],
    nodes: [{ op: "Softmax", inputs: ["x"], outputs: ["y"], attributes: { axis: -1 } }],
  });
}

/** `logits = mean of each colour plane` of an `image` [1, 3, size, size]: a tiny "classifier" of the dominant colour. */
export function meanColourModel(size: number): Uint8Array {
  return writeOnnxModel({
    name: "mean_colour",
    inputs: [{ name: "image", type: "float32", shape: [1, 3, size, size] }],
    outputs: [{ name: "logits", type: "float32", shape: [1, 3] }],
    nodes: [{ op: "ReduceMean", inputs: ["image"], outputs: ["logits"], attributes: { axes: [2, 3], keepdims: 0 } }],
  });
}

/**
 * A "detector" with UltraFace's output layout whose answer is fixed (the given anchors), plus
 * the mean of its input so the image is really fed: `scores` [1, N, 2], `boxes` [1, N, 4],
 * `landmarks` [1, N, 10], `mean` [1, 3].
 */
export function fixedDetectorModel(size: number, scores: Float32Array, boxes: Float32Array, landmarks: Float32Array): Uint8Array {
  const n = scores.length / 2;
  return writeOnnxModel({
    name: "fixed_detector",
    inputs: [{ name: "input", type: "float32", shape: [1, 3, size, size] }],
    outputs: [
      { name: "scores", type: "float32", shape: [1, n, 2] }, { name: "boxes", type: "float32", shape: [1, n, 4] },
      { name: "landmarks", type: "float32", shape: [1, n, 10] }, { name: "mean", type: "float32", shape: [1, 3] },
    ],
    initializers: [
      { name: "S", type: "float32", dims: [1, n, 2], data: scores },
      { name: "B", type: "float32", dims: [1, n, 4], data: boxes },
      { name: "L", type: "float32", dims: [1, n, 10], data: landmarks },
    ],
    nodes: [
      { op: "Identity", inputs: ["S"], outputs: ["scores"] },
      { op: "Identity", inputs: ["B"], outputs: ["boxes"] },
      { op: "Identity", inputs: ["L"], outputs: ["landmarks"] },
      { op: "ReduceMean", inputs: ["input"], outputs: ["mean"], attributes: { axes: [2, 3], keepdims: 0 } },
    ],
  });
}
