/**
 * `kernel.call`: runs an exported function of the bundle's kernel module. QuickJS cannot run
 * WebAssembly, so kernels run host-side in their own WebAssembly instance (instantiated once per
 * loaded bundle from `bundle.bytes`, whose code part is the kernels; custom sections are ignored).
 *
 * Calling convention (documented in docs/ and the README):
 * - numbers pass through unchanged (i32/f32/f64 parameters; i64 is not supported);
 * - AssemblyScript modules built with `--exportRuntime` (what `sdx build` does): a typed array is
 *   copied into the module as a real AssemblyScript typed array of the same element type — an
 *   ArrayBuffer allocated with `__new(byteLength, 1)` plus a 12-byte view object
 *   `{ buffer, dataStart, byteLength }` allocated with `__new(12, classId)`, both pinned for the call.
 *   The class id is found in the module's RTTI (`__rtti_base`) by the view's flags, so the kernel
 *   declares plain `Float32Array`/`Uint8Array`/… parameters;
 * - other modules that export `alloc(size) → ptr` (and optionally `free(ptr, size)`): a typed array
 *   becomes two arguments, the pointer to a copy of its bytes and its element count;
 * - the return value must be a number (a bigint is returned as a number when exact, else a
 *   string); typed arrays passed in are inputs only: changes the kernel makes are not copied back.
 * A trap (unreachable, out of bounds, `abort`) is SDX3006 and discards the instance.
 */
import type { LoadedBundle } from "@sdx/bundle-format";
import { sdxError, SdxError } from "../errors.js";
import { wasm, type WasmImports, type WasmInstance, type WasmMemory } from "@sdx/sandbox";
import type { OpHandlers } from "./context.js";

type TypedArray =
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

class KernelModule {
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

async function instantiate(bundle: LoadedBundle): Promise<KernelModule> {
  const module = await wasm.compile(bundle.bytes);
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

/** One kernel instance per loaded bundle (a bundle object is loaded once per extension). */
const instances = new WeakMap<LoadedBundle, Promise<KernelModule>>();

export const kernelOps: OpHandlers = {
  "kernel.call": async (ctx, request) => {
    const bundle = ctx.bundle;
    if (!bundle || !bundle.hasKernels) throw sdxError("SDX3011", `${ctx.extensionId} has no kernels (add AssemblyScript files under kernels/)`);
    let pending = instances.get(bundle);
    if (!pending) {
      pending = instantiate(bundle);
      instances.set(bundle, pending);
      pending.catch(() => instances.delete(bundle));
    }
    const kernels = await pending;
    try {
      return { result: kernels.call(request.name, request.args as Array<number | TypedArray>) };
    } catch (error) {
      if (error instanceof SdxError) {
        if (error.code === "SDX3006") instances.delete(bundle);
        throw error;
      }
      // A trap leaves the module's own allocator in an unknown state: start over next time.
      instances.delete(bundle);
      throw sdxError("SDX3006", `kernel "${request.name}" trapped: ${(error as Error).message}`);
    }
  },
};
