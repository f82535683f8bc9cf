/**
 * The guest-safe half of the protocol: its version and the binary codec. No zod and no `node:*`
 * here, because the guest runtime bundles this file and `protocol.ts` (the op table) builds zod
 * schemas at module load, which esbuild cannot tree-shake.
 */
export const PROTOCOL_VERSION = 1;

const TYPED_ARRAYS = {
  Uint8Array, Int8Array, Uint16Array, Int16Array, Uint32Array, Int32Array,
  Float32Array, Float64Array, BigInt64Array, BigUint64Array, Uint8ClampedArray,
} as const;
export type BinaryTypeName = keyof typeof TYPED_ARRAYS | "ArrayBuffer";
type AnyTypedArray = InstanceType<(typeof TYPED_ARRAYS)[keyof typeof TYPED_ARRAYS]>;

/** One encoded message: JSON text and its binary attachments. */
export interface WireMessage {
  json: string;
  buffers: ArrayBuffer[];
  /**
   * Set by the sandbox on a reply it checked has no attachments and no `"$b` anywhere (so no
   * `$bin`/`$bigint` marker): the guest then skips that scan, which in QuickJS costs about as much
   * per byte as parsing (V8 makes it ~20× cheaper on the host). A hint: absent means "look".
   */
  plain?: boolean;
}

function typedArrayName(value: object): keyof typeof TYPED_ARRAYS | undefined {
  for (const name of Object.keys(TYPED_ARRAYS) as Array<keyof typeof TYPED_ARRAYS>) {
    if (value instanceof TYPED_ARRAYS[name]) return name;
  }
  return undefined;
}

/**
 * True when `JSON.stringify` alone encodes `value` exactly: no binary, no bigint anywhere. Most
 * calls carry small plain payloads, and a replacer costs a call back into JavaScript for every
 * value (the dominant cost of a host call inside QuickJS), while this walk stays in one function.
 * Deep or cyclic values take the general path, which reports cycles as JSON.stringify does.
 */
export function isPlainJson(value: unknown, depth: number): boolean {
  if (typeof value === "bigint") return false;
  if (value === null || typeof value !== "object") return true;
  if (depth > 32 || value instanceof ArrayBuffer || ArrayBuffer.isView(value)) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!isPlainJson(value[i], depth + 1)) return false;
    return true;
  }
  for (const key in value) {
    if (!isPlainJson((value as Record<string, unknown>)[key], depth + 1)) return false;
  }
  return true;
}

const NO_BUFFERS: ArrayBuffer[] = [];

/** Encodes a value; typed arrays become binary attachments (copied, so the caller may reuse them). */
export function encodeMessage(value: unknown): WireMessage {
  if (isPlainJson(value, 0)) return { json: JSON.stringify(value) ?? "null", buffers: NO_BUFFERS };
  const buffers: ArrayBuffer[] = [];
  const json = JSON.stringify(value, function (this: unknown, _key, v: unknown) {
    if (v !== null && typeof v === "object") {
      if (v instanceof ArrayBuffer) {
        buffers.push(v.slice(0));
        return { $bin: buffers.length - 1, type: "ArrayBuffer" };
      }
      if (ArrayBuffer.isView(v)) {
        const name = typedArrayName(v);
        if (name) {
          buffers.push(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength) as ArrayBuffer);
          return { $bin: buffers.length - 1, type: name };
        }
      }
    }
    if (typeof v === "bigint") return { $bigint: v.toString() };
    return v;
  });
  return { json: json ?? "null", buffers };
}

/** Decodes a message made by `encodeMessage`. */
export function decodeMessage<T = unknown>(message: WireMessage): T {
  // Without attachments, "$bin" or "$bigint" markers the reviver changes nothing: skip its per-value call.
  if (message.plain === true || (message.buffers.length === 0 && !message.json.includes('"$b'))) return JSON.parse(message.json) as T;
  return JSON.parse(message.json, (_key, v: unknown) => {
    if (v !== null && typeof v === "object" && !Array.isArray(v)) {
      const rec = v as { $bin?: unknown; type?: unknown; $bigint?: unknown };
      if (typeof rec.$bin === "number" && typeof rec.type === "string") {
        const buffer = message.buffers[rec.$bin];
        if (!buffer) throw new Error(`protocol: missing binary attachment ${rec.$bin}`);
        if (rec.type === "ArrayBuffer") return buffer;
        const ctor = TYPED_ARRAYS[rec.type as keyof typeof TYPED_ARRAYS];
        if (!ctor) throw new Error(`protocol: unknown binary type ${rec.type}`);
        return new ctor(buffer) as AnyTypedArray;
      }
      if (typeof rec.$bigint === "string" && Object.keys(rec).length === 1) return BigInt(rec.$bigint);
    }
    return v;
  }) as T;
}
