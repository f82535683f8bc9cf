/**
 * Strings into and out of a VM without quickjs-emscripten's JavaScript UTF-8 loops. Input: a
 * `QuickJSContext` and a string (or a string handle). Output: the same handle or text
 * `newString`/`getString` give. Every reply a guest receives and every request batch it sends
 * crosses here; the library's `newString` encodes UTF-8 in a JavaScript loop (twice: once to
 * measure), ~5 ms for a 500-entry page of 176 KB and a few percent of every small host call,
 * where `TextEncoder.encodeInto` writes the engine's memory natively.
 *
 * Reaches into quickjs-emscripten-core 0.32.0's context (`module`, `ffi`, `ctx`, `memory`: the
 * fields its own `newString` uses; the version is pinned exactly). When they are not there, it
 * falls back to the public methods, so a different version is slower, never wrong.
 *
 * Must not: change what either side sees. Text with NUL ends there, as it does through the
 * library (C strings); the host sends JSON, which has none.
 */
import type { QuickJSContext, QuickJSHandle } from "quickjs-emscripten-core";

interface Internals {
  module: { _malloc(size: number): number; _free(ptr: number): void; HEAPU8: Uint8Array };
  ffi: { QTS_NewString(ctx: number, ptr: number): number; QTS_GetString(ctx: number, value: number): number; QTS_FreeCString(ctx: number, ptr: number): void };
  ctx: { value: number };
  memory: { heapValueHandle(ptr: number): QuickJSHandle };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
/**
 * Any UTF-16 surrogate: such text takes the library's path, which writes a lone surrogate as its
 * own code point where `encodeInto` would write U+FFFD (JSON from JSON.stringify has none raw).
 */
const SURROGATE = /[\ud800-\udfff]/;
/** Below this, the library's loop costs less than the checks. */
const SHORT = 16;

function internalsOf(ctx: QuickJSContext): Internals | null {
  const i = ctx as unknown as Partial<Internals>;
  const ok = typeof i.module?._malloc === "function" && typeof i.module._free === "function" && typeof i.ffi?.QTS_NewString === "function"
    && typeof i.ffi.QTS_GetString === "function" && typeof i.ffi.QTS_FreeCString === "function" && typeof i.ctx?.value === "number"
    && typeof i.memory?.heapValueHandle === "function";
  return ok ? (i as Internals) : null;
}

export class VmStrings {
  readonly #ctx: QuickJSContext;
  readonly #internals: Internals | null;

  constructor(ctx: QuickJSContext) {
    this.#ctx = ctx;
    this.#internals = internalsOf(ctx);
  }

  /** `ctx.newString(text)`. The caller owns (and disposes) the handle. */
  newString(text: string): QuickJSHandle {
    const i = this.#internals;
    if (i === null || text.length < SHORT || SURROGATE.test(text)) return this.#ctx.newString(text);
    // Exactly the bytes it needs, as the library allocates: the guest's heap is bounded.
    const bytes = Buffer.byteLength(text, "utf8");
    const ptr = i.module._malloc(bytes + 1);
    if (ptr === 0) return this.#ctx.newString(text);
    try {
      // Read HEAPU8 after malloc: memory growth replaces it.
      const heap = i.module.HEAPU8;
      encoder.encodeInto(text, heap.subarray(ptr, ptr + bytes));
      heap[ptr + bytes] = 0;
      return i.memory.heapValueHandle(i.ffi.QTS_NewString(i.ctx.value, ptr));
    } finally {
      i.module._free(ptr);
    }
  }

  /** `ctx.getString(handle)` (the handle must be a string): the library also decodes with a TextDecoder, after a NUL scan in JavaScript. */
  getString(handle: QuickJSHandle): string {
    const i = this.#internals;
    if (i === null) return this.#ctx.getString(handle);
    const ptr = i.ffi.QTS_GetString(i.ctx.value, handle.value as unknown as number);
    try {
      const heap = i.module.HEAPU8;
      const end = heap.indexOf(0, ptr);
      return decoder.decode(heap.subarray(ptr, end));
    } finally {
      i.ffi.QTS_FreeCString(i.ctx.value, ptr);
    }
  }
}
