/**
 * Moving `WireMessage`s across the VM boundary: JSON text as a string, attachments as real
 * ArrayBuffers (`newArrayBuffer` / `getArrayBuffer`), never as JSON number lists. Sizes are checked
 * before anything large is copied: the guest cannot make the host copy more than `maxMessageBytes`.
 */
import type { QuickJSContext, QuickJSHandle } from "quickjs-emscripten-core";
import { decodeMessage, encodeMessage, type WireMessage } from "@sdx/sdk/wire";
import { SandboxError } from "@sdx/sdk/errors";
import type { GuestHelperName } from "./guest-helpers.js";

export type Helpers = Record<GuestHelperName, QuickJSHandle>;

/** Most attachments one message may carry (a sanity bound; real messages carry a handful). */
const MAX_BUFFERS = 100_000;

/**
 * `handle.length` as a number, or undefined. Not `context.getLength`: in quickjs-emscripten 0.32 it
 * reads through a view of the VM's memory that goes stale once that memory has grown.
 */
export function lengthOf(ctx: QuickJSContext, handle: QuickJSHandle): number | undefined {
  const length = ctx.getProp(handle, "length");
  try {
    return ctx.typeof(length) === "number" ? ctx.getNumber(length) : undefined;
  } finally {
    length.dispose();
  }
}

/** Thrown (into the guest as a TypeError) when a host binding is called with the wrong shapes. */
export class ProtocolMisuse extends TypeError {}

function tooLarge(what: string, bytes: number, limit: number): SandboxError {
  return new SandboxError("SDX3014", `${what} is ${bytes} bytes, over the sandbox limit of ${limit} bytes`, { bytes, limit });
}

/**
 * Reads `json` (a string handle) and `buffers` (an array handle of ArrayBuffers) out of the VM.
 * Throws `ProtocolMisuse` for wrong types, `SandboxError` SDX3014 when over `limit`.
 */
export function readMessage(ctx: QuickJSContext, helpers: Helpers, jsonHandle: QuickJSHandle, buffersHandle: QuickJSHandle | undefined, limit: number, what: string): WireMessage {
  if (ctx.typeof(jsonHandle) !== "string") throw new ProtocolMisuse(`${what}: json must be a string`);
  let total = lengthOf(ctx, jsonHandle) ?? 0;
  if (total > limit) throw tooLarge(what, total, limit);
  const buffers: ArrayBuffer[] = [];
  if (buffersHandle !== undefined && ctx.typeof(buffersHandle) !== "undefined") {
    if (ctx.typeof(buffersHandle) !== "object") throw new ProtocolMisuse(`${what}: buffers must be an array of ArrayBuffers`);
    const count = lengthOf(ctx, buffersHandle);
    if (count === undefined || count > MAX_BUFFERS) throw new ProtocolMisuse(`${what}: buffers must be an array of at most ${MAX_BUFFERS} ArrayBuffers`);
    const handles: QuickJSHandle[] = [];
    try {
      for (let i = 0; i < count; i++) {
        const handle = ctx.getProp(buffersHandle, i);
        handles.push(handle);
        const size = ctx.callFunction(helpers.byteLength, ctx.undefined, handle);
        if (size.error) {
          size.error.dispose();
          throw new ProtocolMisuse(`${what}: buffers[${i}] is not an ArrayBuffer`);
        }
        total += ctx.getNumber(size.value);
        size.value.dispose();
        if (total > limit) throw tooLarge(what, total, limit);
      }
      for (const handle of handles) {
        const view = ctx.getArrayBuffer(handle);
        // The view points into the VM's heap: copy it out before the VM can reuse that memory.
        buffers.push(view.value.slice().buffer);
        view.dispose();
      }
    } finally {
      for (const handle of handles) handle.dispose();
    }
  }
  return { json: ctx.getString(jsonHandle), buffers };
}

/** True when `value` holds binary data or bigints, which need the protocol codec's replacer. */
function needsCodec(value: unknown, depth: number): boolean {
  if (typeof value === "bigint") return true;
  if (value === null || typeof value !== "object") return false;
  if (depth > 32 || value instanceof ArrayBuffer || ArrayBuffer.isView(value)) return true;
  if (Array.isArray(value)) {
    for (const item of value) if (needsCodec(item, depth + 1)) return true;
    return false;
  }
  for (const key in value) if (needsCodec((value as Record<string, unknown>)[key], depth + 1)) return true;
  return false;
}

/**
 * `encodeMessage`, with a fast path: a JSON.stringify replacer is several times slower than none,
 * and most messages carry no binary data. Same output either way.
 */
export function encodeFast(value: unknown): WireMessage {
  if (needsCodec(value, 0)) return encodeMessage(value);
  return { json: JSON.stringify(value) ?? "null", buffers: [] };
}

/** `decodeMessage`, with the same fast path: no attachments and no `$bin`/`$bigint` markers. */
export function decodeFast(message: WireMessage): unknown {
  if (message.buffers.length === 0 && !message.json.includes('"$b')) return JSON.parse(message.json);
  return decodeMessage(message);
}

/** Encodes `value` and checks its size, without touching the VM. */
export function encodeChecked(value: unknown, limit: number, what: string): WireMessage {
  const message = encodeFast(value);
  let total = message.json.length;
  for (const buffer of message.buffers) total += buffer.byteLength;
  if (total > limit) throw tooLarge(what, total, limit);
  return message;
}

/** Creates a `{ json, buffers }` object inside the VM. The caller owns (and disposes) the handle. */
export function writeMessage(ctx: QuickJSContext, helpers: Helpers, message: WireMessage): QuickJSHandle {
  const args: QuickJSHandle[] = [ctx.newString(message.json)];
  try {
    for (const buffer of message.buffers) args.push(ctx.newArrayBuffer(buffer));
    const result = ctx.callFunction(helpers.message, ctx.undefined, args);
    if (result.error) {
      result.error.dispose();
      throw new SandboxError("SDX3004", "could not create a message inside the sandbox");
    }
    return result.value;
  } finally {
    for (const handle of args) handle.dispose();
  }
}
