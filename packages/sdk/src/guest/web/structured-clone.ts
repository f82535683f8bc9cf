/**
 * `structuredClone` for the sandbox, following the HTML structured serialize algorithm for the
 * types a guest can hold: primitives, wrapper objects, Date, RegExp, ArrayBuffer, typed arrays and
 * DataView (views of one buffer keep sharing their clone), Map, Set, Error types, arrays (holes and
 * extra keys kept) and plain objects (class instances become plain objects, getters are read).
 * Cycles and shared references are preserved. Functions, symbols, promises and weak collections
 * throw a `DataCloneError` with the same message as V8.
 */
import { DOMExceptionImpl } from "./dom-exception.js";

type ViewCtor = new (buffer: ArrayBufferLike, byteOffset: number, length: number) => ArrayBufferView;

const VIEW_CTORS: ViewCtor[] = [
  Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array,
  Float32Array, Float64Array, BigInt64Array, BigUint64Array,
] as unknown as ViewCtor[];

const ERROR_CTORS: Record<string, ErrorConstructor> = {
  Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError,
};

function cannotClone(value: unknown): DOMExceptionImpl {
  let text: string;
  if (typeof value === "function") text = Function.prototype.toString.call(value);
  else if (typeof value === "symbol") text = value.toString();
  else text = `#<${(value as { constructor?: { name?: string } })?.constructor?.name ?? "Object"}>`;
  return new DOMExceptionImpl(`${text} could not be cloned.`, "DataCloneError");
}

function viewCtorOf(view: ArrayBufferView): ViewCtor | undefined {
  return VIEW_CTORS.find((C) => view instanceof (C as unknown as abstract new () => unknown));
}

const toTag = (v: object) => Object.prototype.toString.call(v);

export function structuredCloneImpl<T>(value: T, options?: { transfer?: unknown[] }): T {
  if (options?.transfer && options.transfer.length > 0) {
    // Transfer would detach the source buffers; there is no way to do that from JS here.
    throw new DOMExceptionImpl("structuredClone: the transfer option is not supported in the sdx guest", "DataCloneError");
  }
  const memo = new Map<object, unknown>();

  function cloneProps(source: object, target: Record<string, unknown>): void {
    for (const key of Object.keys(source)) target[key] = clone((source as Record<string, unknown>)[key]);
  }

  function clone(v: unknown): unknown {
    if (v === null || (typeof v !== "object" && typeof v !== "function")) {
      if (typeof v === "symbol") throw cannotClone(v);
      return v;
    }
    if (typeof v === "function") throw cannotClone(v);
    const obj = v as object;
    const known = memo.get(obj);
    if (known !== undefined) return known;
    const remember = <R>(copy: R): R => {
      memo.set(obj, copy);
      return copy;
    };

    switch (toTag(obj)) {
      case "[object Boolean]": return remember(new Boolean((obj as unknown as boolean).valueOf()));
      case "[object Number]": return remember(new Number((obj as unknown as number).valueOf()));
      case "[object String]": return remember(new String((obj as unknown as string).valueOf()));
      case "[object BigInt]": return remember(Object((obj as unknown as bigint).valueOf()));
      case "[object Date]": return remember(new Date((obj as Date).getTime()));
      case "[object RegExp]": return remember(new RegExp((obj as RegExp).source, (obj as RegExp).flags));
      case "[object ArrayBuffer]": return remember((obj as ArrayBuffer).slice(0));
      case "[object SharedArrayBuffer]": return remember(obj);
    }
    if (ArrayBuffer.isView(obj)) {
      const buffer = clone(obj.buffer) as ArrayBufferLike;
      if (obj instanceof DataView) return remember(new DataView(buffer, obj.byteOffset, obj.byteLength));
      const Ctor = viewCtorOf(obj);
      if (!Ctor) throw cannotClone(obj);
      return remember(new Ctor(buffer, obj.byteOffset, (obj as unknown as { length: number }).length));
    }
    if (obj instanceof Map) {
      const copy = remember(new Map());
      for (const [k, val] of obj) copy.set(clone(k), clone(val));
      return copy;
    }
    if (obj instanceof Set) {
      const copy = remember(new Set());
      for (const val of obj) copy.add(clone(val));
      return copy;
    }
    if (obj instanceof Error) {
      const name = ERROR_CTORS[obj.name] ? obj.name : "Error";
      const copy = remember(new ERROR_CTORS[name]!());
      const own = (key: string) => Object.prototype.hasOwnProperty.call(obj, key);
      // Non-enumerable, like the properties the Error constructor creates.
      const hidden = (key: string, value: unknown) => Object.defineProperty(copy, key, { value, writable: true, configurable: true, enumerable: false });
      if (own("message")) hidden("message", String(obj.message));
      if (typeof obj.stack === "string") hidden("stack", obj.stack);
      if (own("cause")) hidden("cause", clone((obj as { cause?: unknown }).cause));
      return copy;
    }
    if (Array.isArray(obj)) {
      const copy = remember(new Array(obj.length) as unknown[]);
      cloneProps(obj, copy as unknown as Record<string, unknown>);
      return copy;
    }
    if (obj instanceof Promise || obj instanceof WeakMap || obj instanceof WeakSet
      || (typeof WeakRef !== "undefined" && obj instanceof WeakRef)) {
      throw cannotClone(obj);
    }
    const copy = remember({} as Record<string, unknown>);
    cloneProps(obj, copy);
    return copy;
  }

  return clone(value) as T;
}
