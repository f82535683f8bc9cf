/**
 * One extension's kernels as a WebAssembly instance, and the calling convention (see kernels.ts):
 * numbers pass through, typed arrays are copied in as real AssemblyScript typed arrays (or through
 * `alloc`), the result is a number. Runs inside the kernel thread (kernel-thread-entry.ts), never on
 * a thread that serves anything else.
 *
 * Limits: the module's memory gets a maximum (`capBytes`, rounded down to 64 KiB pages) written into
 * its memory section before it is compiled, so growth past it fails inside the kernel (a trap,
 * reported as SDX3004); a module that needs more than the cap at start is refused. Imports: only
 * `env.abort`, `env.seed` and `env.trace` (AssemblyScript's runtime) do anything; a kernel reaches
 * nothing but its arguments and its own memory.
 */
import { sdxError } from "../errors.js";
import { wasm, type WasmImports, type WasmInstance, type WasmMemory } from "@sdx/sandbox";

export const WASM_PAGE = 65536;

export type TypedArray =
  | Int8Array | Uint8Array | Uint8ClampedArray | Int16Array | Uint16Array | Int32Array | Uint32Array
  | Float32Array | Float64Array | BigInt64Array | BigUint64Array;

// AssemblyScript TypeinfoFlags (std/assembly/shared/typeinfo.ts).
const ARRAYBUFFERVIEW = 1 << 0;
const ARRAY = 1 << 1;
const STATICARRAY = 1 << 2;
const VALUE_ALIGN_SHIFT = 6;
const VALUE_SIGNED = 1 << 11;
const VALUE_FLOAT = 1 << 12;
const SHAPE_MASK = ARRAYBUFFERVIEW | ARRAY | STATICARRAY | (0x1f << VALUE_ALIGN_SHIFT) | VALUE_SIGNED | VALUE_FLOAT;
const ARRAYBUFFER_ID = 1;
const RUNTIME_EXPORTS = new Set(["__new", "__pin", "__unpin", "__collect", "__rtti_base", "memory", "alloc", "free", "_start", "_initialize"]);

function viewFlags(array: TypedArray): number {
  const align = Math.log2(array.BYTES_PER_ELEMENT);
  const signed = array instanceof Int8Array || array instanceof Int16Array || array instanceof Int32Array || array instanceof BigInt64Array || array instanceof Float32Array || array instanceof Float64Array;
  const float = array instanceof Float32Array || array instanceof Float64Array;
  return ARRAYBUFFERVIEW | (1 << (VALUE_ALIGN_SHIFT + align)) | (signed ? VALUE_SIGNED : 0) | (float ? VALUE_FLOAT : 0);
}

export class KernelModule {
  constructor(private readonly instance: WasmInstance) {}

  private get exports(): Record<string, unknown> {
    return this.instance.exports;
  }

  private bytes(): Uint8Array {
    return new Uint8Array((this.exports.memory as WasmMemory).buffer);
  }

  private fn(name: string): ((...args: unknown[]) => unknown) | undefined {
    const value = this.exports[name];
    return typeof value === "function" ? (value as (...args: unknown[]) => unknown) : undefined;
  }

  /** Bytes of linear memory now (to tell a trap at the memory cap from another trap). */
  memoryBytes(): number {
    return (this.exports.memory as WasmMemory | undefined)?.buffer.byteLength ?? 0;
  }

  names(): string[] {
    return Object.keys(this.exports).filter((name) => !RUNTIME_EXPORTS.has(name) && typeof this.exports[name] === "function");
  }

  /** The AssemblyScript class id of a typed array type, from the module's RTTI. */
  private classIdFor(array: TypedArray): number {
    const base = (this.exports.__rtti_base as { value: number }).value;
    const view = new DataView((this.exports.memory as WasmMemory).buffer);
    const count = view.getUint32(base, true);
    const wanted = viewFlags(array);
    for (let id = 0; id < count; id++) {
      if ((view.getUint32(base + 4 + id * 4, true) & SHAPE_MASK) === wanted) return id;
    }
    throw sdxError("SDX3002", `the kernels take no ${array.constructor.name} parameter`);
  }

  call(name: string, args: Array<number | TypedArray>): unknown {
    const target = this.fn(name);
    if (!target || RUNTIME_EXPORTS.has(name)) throw sdxError("SDX3011", `unknown kernel "${name}"; kernels: ${this.names().join(", ") || "none"}`);
    const newObject = this.fn("__new");
    const pin = this.fn("__pin");
    const unpin = this.fn("__unpin");
    const alloc = this.fn("alloc");
    const free = this.fn("free");
    const pinned: number[] = [];
    const allocated: Array<[number, number]> = [];
    const lowered: unknown[] = [];
    try {
      for (const arg of args) {
        if (typeof arg === "number") {
          lowered.push(arg);
          continue;
        }
        const source = new Uint8Array(arg.buffer, arg.byteOffset, arg.byteLength);
        if (newObject && pin) {
          // Allocate, then read memory afresh: __new may grow it and detach older views.
          const buffer = pin(newObject(arg.byteLength, ARRAYBUFFER_ID)) as number;
          pinned.push(buffer);
          this.bytes().set(source, buffer);
          const header = pin(newObject(12, this.classIdFor(arg))) as number;
          pinned.push(header);
          const view = new DataView((this.exports.memory as WasmMemory).buffer);
          view.setUint32(header, buffer, true);
          view.setUint32(header + 4, buffer, true);
          view.setUint32(header + 8, arg.byteLength, true);
          lowered.push(header);
        } else if (alloc) {
          const pointer = alloc(arg.byteLength) as number;
          allocated.push([pointer, arg.byteLength]);
          this.bytes().set(source, pointer);
          lowered.push(pointer, arg.length);
        } else {
          throw sdxError("SDX3002", "these kernels export neither the AssemblyScript runtime (__new/__pin) nor alloc: typed arrays cannot be passed");
        }
      }
      const result = target(...lowered);
      if (typeof result === "bigint") return Number.isSafeInteger(Number(result)) ? Number(result) : result.toString();
      return result === undefined ? null : result;
    } finally {
      for (const pointer of pinned) unpin?.(pointer);
      for (const [pointer, size] of allocated) free?.(pointer, size);
    }
  }
}

/** Reads an AssemblyScript string (UTF-16, byte length stored 4 bytes before it) for `abort`. */
function readAsString(memory: WasmMemory | undefined, pointer: number): string {
  if (!memory || !pointer) return "";
  const bytes = new DataView(memory.buffer).getUint32(pointer - 4, true);
  return String.fromCharCode(...new Uint16Array(memory.buffer, pointer, Math.min(bytes, 2048) >>> 1));
}

export async function instantiateKernels(code: Uint8Array, capBytes: number): Promise<KernelModule> {
  const module = await wasm.compile(capMemory(code, capBytes));
  const imports: WasmImports = {};
  // Filled in after instantiation; `abort` reads strings from it.
  const live: { memory?: WasmMemory } = {};
  for (const { module: from = "", name, kind } of wasm.Module.imports(module)) {
    if (kind !== "function") throw sdxError("SDX3020", `the kernels import ${kind} ${from}.${name}, which this host does not provide`);
    let impl: (...args: number[]) => unknown;
    if (from === "env" && name === "abort") {
      impl = (message, file, line, column) => {
        throw sdxError("SDX3006", `kernel aborted: ${readAsString(live.memory, message!)} at ${readAsString(live.memory, file!)}:${line}:${column}`);
      };
    } else if (from === "env" && name === "seed") impl = () => Date.now();
    else if (from === "env" && name === "trace") impl = () => undefined;
    else {
      impl = () => {
        throw sdxError("SDX3020", `kernel import ${from}.${name} is not provided by this host`);
      };
    }
    (imports[from] ??= {})[name] = impl;
  }
  const instance = await wasm.instantiate(module, imports);
  live.memory = instance.exports.memory as WasmMemory | undefined;
  return new KernelModule(instance);
}


function readLeb(bytes: Uint8Array, at: number): { value: number; next: number } {
  let value = 0;
  let shift = 0;
  let next = at;
  for (;;) {
    const byte = bytes[next++];
    if (byte === undefined) throw sdxError("SDX3002", "the kernels' WebAssembly module is truncated");
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if ((byte & 0x80) === 0) return { value, next };
  }
}

function leb(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value % 128;
    value = Math.floor(value / 128);
    if (value > 0) byte |= 0x80;
    out.push(byte);
  } while (value > 0);
  return out;
}

/**
 * The module with every memory it defines capped at `capBytes` (its declared maximum if lower).
 * Walks the top-level sections only; everything but the memory section is copied as it is.
 */
export function capMemory(code: Uint8Array, capBytes: number): Uint8Array {
  const capPages = Math.max(1, Math.floor(capBytes / WASM_PAGE));
  const parts: Uint8Array[] = [code.subarray(0, 8)];
  let at = 8;
  while (at < code.length) {
    const id = code[at]!;
    const size = readLeb(code, at + 1);
    const end = size.next + size.value;
    if (id !== 5) {
      parts.push(code.subarray(at, end));
      at = end;
      continue;
    }
    const count = readLeb(code, size.next);
    const payload: number[] = [...leb(count.value)];
    let p = count.next;
    for (let i = 0; i < count.value; i++) {
      const flags = code[p]!;
      if (flags !== 0 && flags !== 1) throw sdxError("SDX3020", `the kernels declare a shared or 64-bit memory (limits flags ${flags}), which this host does not run`);
      const min = readLeb(code, p + 1);
      let max = capPages;
      p = min.next;
      if (flags === 1) {
        const declared = readLeb(code, p);
        max = Math.min(declared.value, capPages);
        p = declared.next;
      }
      if (min.value > capPages) {
        throw sdxError("SDX3004", `the kernels need ${min.value * 64} KiB of memory at start, over the ${capPages * 64} KiB a kernel may use`);
      }
      payload.push(1, ...leb(min.value), ...leb(max));
    }
    parts.push(Uint8Array.from([5, ...leb(payload.length), ...payload]));
    at = end;
  }
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
