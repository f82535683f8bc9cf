/**
 * Tensors kept on the host behind handles: `ai.imageTensor` stores the decoded image here and the
 * guest gets `{ ref, type, dims }`; `ai.run` takes the ref and hands the buffer to the inference
 * worker without it ever entering QuickJS. A handle belongs to the extension that made it (another
 * extension's ref is unknown to it) and is unguessable.
 *
 * Bounded: at most `maxBytes` per extension (least recently used go first) and idle handles expire
 * after `idleMs`; an expired or evicted ref is SDX3008 with what to do. `take` lends the buffer out
 * (it may be transferred to another thread) and `give back` returns it; a tensor lent out twice at
 * once is copied for the second borrower.
 */
import { randomBytes } from "node:crypto";
import { sdxError } from "../../store/errors.js";
import type { WireTensor } from "./onnx.js";

interface Held {
  owner: string;
  tensor: WireTensor;
  bytes: number;
  lent: boolean;
  usedAt: number;
}

export interface TensorStoreOptions {
  /** Bytes held per extension (default 256 MiB: the largest image tensor, 16 Mpx, is 192 MiB). */
  maxBytes?: number;
  /** A handle unused this long is dropped (default 60 s). */
  idleMs?: number;
  now?: () => number;
}

export class TensorStore {
  private readonly held = new Map<string, Held>();
  private readonly maxBytes: number;
  private readonly idleMs: number;
  private readonly now: () => number;

  constructor(options: TensorStoreOptions = {}) {
    this.maxBytes = options.maxBytes ?? 256 * 1024 * 1024;
    this.idleMs = options.idleMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  /** Keeps `tensor` for `owner` and returns its handle. */
  put(owner: string, tensor: WireTensor): string {
    this.expire();
    const ref = `t_${randomBytes(12).toString("hex")}`;
    const bytes = tensor.data.byteLength;
    if (bytes > this.maxBytes) throw sdxError("SDX3014", `a ${bytes}-byte tensor is over the ${this.maxBytes}-byte limit of tensors kept on the host`);
    // Recency order: Map iteration order, refreshed on every use.
    let total = bytes;
    for (const held of this.held.values()) if (held.owner === owner) total += held.bytes;
    for (const [key, held] of this.held) {
      if (total <= this.maxBytes) break;
      if (held.owner !== owner || held.lent) continue;
      this.held.delete(key);
      total -= held.bytes;
    }
    this.held.set(ref, { owner, tensor, bytes, lent: false, usedAt: this.now() });
    return ref;
  }

  /** The tensor itself, for reading on this thread. */
  get(owner: string, ref: string): WireTensor {
    return this.find(owner, ref).tensor;
  }

  /**
   * Lends the tensor out for a transfer: its own buffer the first time, a copy while it is lent.
   * Call `giveBack` with what came back (the same data, possibly moved through another thread).
   */
  take(owner: string, ref: string): { tensor: WireTensor; own: boolean } {
    const held = this.find(owner, ref);
    if (held.lent) return { tensor: { ...held.tensor, data: (held.tensor.data as unknown as { slice(): WireTensor["data"] }).slice() }, own: false };
    held.lent = true;
    return { tensor: held.tensor, own: true };
  }

  giveBack(ref: string, data: WireTensor["data"] | null): void {
    const held = this.held.get(ref);
    if (!held) return;
    held.lent = false;
    // Lost on the way (the worker died): the handle is gone with it.
    if (!data || data.byteLength !== held.bytes) this.held.delete(ref);
    else held.tensor = { ...held.tensor, data };
  }

  release(owner: string, ref: string): void {
    if (this.held.get(ref)?.owner === owner) this.held.delete(ref);
  }

  /** Bytes held for `owner`. */
  bytesOf(owner: string): number {
    let total = 0;
    for (const held of this.held.values()) if (held.owner === owner) total += held.bytes;
    return total;
  }

  private find(owner: string, ref: string): Held {
    this.expire();
    const held = this.held.get(ref);
    if (!held || held.owner !== owner) {
      throw sdxError("SDX3008", `tensor ${ref} is not on the host (unused tensors are dropped after ${Math.round(this.idleMs / 1000)} s, the oldest first past ${this.maxBytes} bytes): make it again with ai().imageTensor`);
    }
    held.usedAt = this.now();
    this.held.delete(ref);
    this.held.set(ref, held);
    return held;
  }

  private expire(): void {
    const cutoff = this.now() - this.idleMs;
    for (const [ref, held] of this.held) if (held.usedAt < cutoff && !held.lent) this.held.delete(ref);
  }
}
