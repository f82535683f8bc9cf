/**
 * ONNX inference: onnxruntime-node sessions cached per model file, run in a worker thread.
 *
 * Input: a model file path (content-addressed in the models directory, so the path identifies the
 * bytes) and named tensors whose data are typed arrays. Output: named tensors, typed arrays again.
 * Inputs are checked against the session's metadata first (names, element types, static dims), so
 * a wrong call is a located validation error (SDX3002), not an onnxruntime stack trace.
 *
 * Cache: at most `maxSessions` sessions (least recently used goes first), and a session unused
 * for `idleMs` is released; when none is left the worker exits, so an idle host holds no model
 * memory and no thread. See onnx-worker-source.ts for why inference runs off the main thread.
 */
import { Worker } from "node:worker_threads";
import { createRequire } from "node:module";
import type { z } from "zod";
import type { tensorSchema } from "@sdx/sdk/protocol";
import { hostFailed, validationFailed, type ValidationIssue } from "../../store/errors.js";
import { ONNX_WORKER_SOURCE } from "./onnx-worker-source.js";

export type WireTensor = z.output<typeof tensorSchema>;
export type TensorTypeName = WireTensor["type"];

export interface TensorInfo {
  name: string;
  /** Element type as onnxruntime names it (`float32`, `int64`, …; `non-tensor` for maps/sequences). */
  type: string;
  /** Numbers are fixed; strings are symbolic (any size). */
  shape: Array<number | string>;
}

export interface SessionInfo {
  inputs: TensorInfo[];
  outputs: TensorInfo[];
  /** Time onnxruntime took to create the session (cold load), ms. */
  loadMs: number;
}

export interface OnnxSessionsOptions {
  /** Sessions kept loaded at once (default 4). */
  maxSessions?: number;
  /** Release a session unused for this long (default 60 s). */
  idleMs?: number;
  /** onnxruntime intra-op threads per session (default: onnxruntime's choice, the core count). */
  threads?: number;
}

const ARRAY_OF: Record<TensorTypeName, new (length: number) => ArrayBufferView> = {
  float32: Float32Array, float64: Float64Array, int32: Int32Array, int64: BigInt64Array,
  uint8: Uint8Array, int8: Int8Array, bool: Uint8Array,
};

interface Entry {
  /** The worker's name for this session; unique per load, so a late release never hits a reload. */
  key: string;
  info: Promise<SessionInfo>;
  inFlight: number;
  timer: NodeJS.Timeout | null;
}

interface Pending {
  resolve: (value: Record<string, unknown>) => void;
  reject: (error: Error) => void;
}

type WorkerReply = { id: number; ok: true; [key: string]: unknown } | { id: number; ok: false; message: string };

const ortPath = createRequire(import.meta.url).resolve("onnxruntime-node");

export class OnnxSessions {
  private readonly maxSessions: number;
  private readonly idleMs: number;
  private readonly threads: number;
  /** Insertion order is recency order (a use moves the key to the end). */
  private readonly entries = new Map<string, Entry>();
  private worker: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private nextKey = 1;
  /** Every cold load, in ms, oldest first (for benchmarks and `sdx` diagnostics). */
  readonly loadTimes: number[] = [];

  constructor(options: OnnxSessionsOptions = {}) {
    this.maxSessions = Math.max(1, options.maxSessions ?? 4);
    this.idleMs = options.idleMs ?? 60_000;
    this.threads = options.threads ?? 0;
  }

  /** Paths with a loaded (or loading) session, least recently used first. */
  loaded(): string[] {
    return [...this.entries.keys()];
  }

  /** Loads the model if needed and returns its inputs and outputs. */
  info(path: string): Promise<SessionInfo> {
    return this.acquire(path).info;
  }

  /**
   * Runs the model at `path`; `label` names it in errors (default: the path).
   * `transfer`: the caller owns the inputs' buffers and gives them up: they move to the inference
   * worker without a copy, the caller's arrays detached; with `returned` they come back in it (same
   * names). Without `transfer` the inputs are copied (they may be views into buffers still in use).
   */
  async run(path: string, inputs: Record<string, WireTensor>, label = path, options: { transfer?: boolean; returned?: Record<string, WireTensor["data"]> } = {}): Promise<Record<string, WireTensor>> {
    const entry = this.acquire(path);
    entry.inFlight += 1;
    try {
      const info = await entry.info;
      checkInputs(label, info, inputs);
      const feeds: Record<string, WireTensor> = {};
      const transfer: ArrayBuffer[] = [];
      for (const [name, t] of Object.entries(inputs)) {
        feeds[name] = { type: t.type, dims: t.dims, data: t.data };
        const whole = t.data.byteOffset === 0 && t.data.byteLength === t.data.buffer.byteLength && t.data.buffer instanceof ArrayBuffer;
        if (options.transfer && whole && !transfer.includes(t.data.buffer as ArrayBuffer)) transfer.push(t.data.buffer as ArrayBuffer);
      }
      // Lent buffers come back only to a caller that keeps them; else the worker drops them (its GC, not the host's thread's).
      const reply = await this.request({ op: "run", key: entry.key, feeds, giveBack: transfer.length > 0 && options.returned !== undefined }, transfer);
      if (options.returned && reply.inputs) Object.assign(options.returned, reply.inputs as Record<string, WireTensor["data"]>);
      return reply.outputs as Record<string, WireTensor>;
    } finally {
      entry.inFlight -= 1;
      this.touch(path, entry);
    }
  }

  /** Releases one model's session (no-op if it is not loaded or still running). */
  async release(path: string): Promise<void> {
    const entry = this.entries.get(path);
    if (!entry || entry.inFlight > 0) return;
    this.entries.delete(path);
    if (entry.timer) clearTimeout(entry.timer);
    const loaded = await entry.info.then(() => true, () => false);
    if (loaded && this.worker) await this.request({ op: "release", key: entry.key }).catch(() => undefined);
    if (this.entries.size === 0) await this.stopWorker();
  }

  /** Releases every session and stops the worker. */
  async close(): Promise<void> {
    for (const entry of this.entries.values()) if (entry.timer) clearTimeout(entry.timer);
    this.entries.clear();
    await this.stopWorker();
  }

  private acquire(path: string): Entry {
    let entry = this.entries.get(path);
    if (entry) {
      this.entries.delete(path);
      this.entries.set(path, entry);
      if (entry.timer) clearTimeout(entry.timer);
      entry.timer = null;
      return entry;
    }
    const key = `${this.nextKey++}`;
    const info = this.request({ op: "load", key, path, threads: this.threads }).then((reply) => {
      const loaded = reply.info as Omit<SessionInfo, "loadMs">;
      const ms = reply.ms as number;
      this.loadTimes.push(ms);
      return { ...loaded, loadMs: ms };
    });
    entry = { key, info, inFlight: 0, timer: null };
    this.entries.set(path, entry);
    // A failed load is not cached: the next call tries again (the file may have been fixed).
    info.catch(() => {
      if (this.entries.get(path) === entry) this.entries.delete(path);
    });
    this.evict();
    return entry;
  }

  private evict(): void {
    for (const [path, entry] of this.entries) {
      if (this.entries.size <= this.maxSessions) return;
      if (entry.inFlight === 0) void this.release(path);
    }
  }

  private touch(path: string, entry: Entry): void {
    if (entry.inFlight > 0 || this.entries.get(path) !== entry) return;
    if (entry.timer) clearTimeout(entry.timer);
    entry.timer = setTimeout(() => void this.release(path), this.idleMs);
    entry.timer.unref();
  }

  private startWorker(): Worker {
    const worker = new Worker(ONNX_WORKER_SOURCE, { eval: true, workerData: { ortPath } });
    worker.on("message", (reply: WorkerReply) => {
      const pending = this.pending.get(reply.id);
      if (!pending) return;
      this.pending.delete(reply.id);
      if (this.pending.size === 0) worker.unref();
      if (reply.ok) pending.resolve(reply);
      else pending.reject(hostFailed(`onnxruntime: ${reply.message}`));
    });
    const fail = (error: Error) => {
      if (this.worker === worker) this.worker = null;
      this.entries.clear();
      for (const pending of this.pending.values()) pending.reject(hostFailed(`the inference worker stopped: ${error.message}`, error));
      this.pending.clear();
    };
    worker.on("error", fail);
    worker.on("exit", (code) => {
      if (this.worker === worker) fail(new Error(`exit code ${code}`));
    });
    worker.unref();
    return worker;
  }

  private request(message: Record<string, unknown>, transfer: ArrayBuffer[] = []): Promise<Record<string, unknown>> {
    this.worker ??= this.startWorker();
    const worker = this.worker;
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // Keep the process alive only while an answer is awaited.
      worker.ref();
      worker.postMessage({ ...message, id }, transfer);
    });
  }

  private async stopWorker(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    if (worker) await worker.terminate();
  }
}

function sizeOf(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

/** Names, element types, typed-array kinds, lengths and fixed dims, every problem located. */
export function checkInputs(label: string, info: SessionInfo, inputs: Record<string, WireTensor>): void {
  const issues: ValidationIssue[] = [];
  const expected = new Map(info.inputs.map((i) => [i.name, i]));
  for (const want of info.inputs) {
    if (!(want.name in inputs)) issues.push({ path: want.name, message: `missing input (${want.type} [${want.shape.join(", ")}])` });
  }
  for (const [name, tensor] of Object.entries(inputs)) {
    const want = expected.get(name);
    if (!want) {
      issues.push({ path: name, message: `the model has no input "${name}" (inputs: ${info.inputs.map((i) => i.name).join(", ")})` });
      continue;
    }
    if (want.type !== tensor.type) issues.push({ path: `${name}.type`, message: `expected ${want.type}, got ${tensor.type}` });
    const arrayType = ARRAY_OF[tensor.type];
    if (!(tensor.data instanceof arrayType) || tensor.data.constructor !== arrayType) {
      issues.push({ path: `${name}.data`, message: `a ${tensor.type} tensor needs a ${arrayType.name}, got ${tensor.data.constructor.name}` });
    } else if ((tensor.data as unknown as { length: number }).length !== sizeOf(tensor.dims)) {
      issues.push({ path: `${name}.data`, message: `dims [${tensor.dims.join(", ")}] need ${sizeOf(tensor.dims)} elements, got ${(tensor.data as unknown as { length: number }).length}` });
    }
    if (want.shape.length !== tensor.dims.length) {
      issues.push({ path: `${name}.dims`, message: `expected rank ${want.shape.length} [${want.shape.join(", ")}], got [${tensor.dims.join(", ")}]` });
    } else {
      want.shape.forEach((d, i) => {
        if (typeof d === "number" && d !== tensor.dims[i]) issues.push({ path: `${name}.dims.${i}`, message: `expected ${d}, got ${tensor.dims[i]}` });
      });
    }
  }
  if (issues.length > 0) throw validationFailed(`inputs do not match the model ${label}`, issues);
}
