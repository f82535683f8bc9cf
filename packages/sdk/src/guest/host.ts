/**
 * Calls into the host through the two functions it installs on `globalThis` before the bundle is
 * evaluated (`HostBindings` in protocol.ts). Payloads are typed by the op table; a failed op is
 * rethrown as the matching `SdxError` subclass so `instanceof PermissionDenied` works in the guest.
 */
import { decodeMessage, encodeMessage, type WireMessage } from "../protocol/codec.js";
import type { HostBindings, OpName, OpRequest, OpResponse, SyncOpName, WireResult } from "../protocol.js";
import { SdxError, errorFromWire } from "../errors.js";

type HostGlobals = Partial<HostBindings>;

function bindings(): HostGlobals {
  return globalThis as unknown as HostGlobals;
}

function unwrap<T>(reply: WireMessage): T {
  const result = decodeMessage<WireResult<T>>(reply);
  if (result.ok) return result.value;
  throw errorFromWire(result.error);
}

function missing(name: string): SdxError {
  // Only happens outside a sandbox (or with a host that forgot to install its bindings).
  return new SdxError("SDX3007", `${name} is not installed: the guest runtime must run inside the sdx sandbox`);
}

/**
 * Runs an asynchronous host operation; `map` turns the response into what the caller returns, in
 * the same promise reaction. Not an `async` function, and no `.then` of the caller's own: every
 * promise layer costs the interpreter a promise and a job per call (~1 µs in QuickJS), and a guest
 * may make hundreds of thousands of calls.
 */
export function callHost<O extends OpName>(op: O, payload: OpRequest<O>): Promise<OpResponse<O>>;
export function callHost<O extends OpName, R>(op: O, payload: OpRequest<O>, map: (response: OpResponse<O>) => R): Promise<R>;
export function callHost<O extends OpName, R>(op: O, payload: OpRequest<O>, map?: (response: OpResponse<O>) => R): Promise<R | OpResponse<O>> {
  let request: WireMessage;
  try {
    request = encodeMessage(payload);
  } catch (error) {
    return Promise.reject(error);
  }
  return callHostEncoded(op, request.json, request.buffers, map);
}

/**
 * `callHost` with the request already encoded (`json` must be `encodeMessage(payload).json` for a
 * payload of `op`'s request type): for hot calls whose JSON the SDK builds without a generic walk.
 */
export function callHostEncoded<O extends OpName, R = OpResponse<O>>(op: O, json: string, buffers: ArrayBuffer[], map?: (response: OpResponse<O>) => R): Promise<R> {
  const call = bindings().__sdx_call;
  if (typeof call !== "function") return Promise.reject(missing("__sdx_call"));
  const decode = map === undefined ? (unwrap as (reply: WireMessage) => R) : (reply: WireMessage) => map(unwrap<OpResponse<O>>(reply));
  // A host whose binding decodes (`length` 4) settles the call's own promise with the value.
  return call.length >= 4 ? call(op, json, buffers, decode) : call(op, json, buffers).then(decode);
}

/** Runs a synchronous host operation (only the cheap ones listed in `SYNC_OPS`). */
export function callHostSync<O extends SyncOpName>(op: O, payload: OpRequest<O>): OpResponse<O> {
  const call = bindings().__sdx_call_sync;
  if (typeof call !== "function") throw missing("__sdx_call_sync");
  const request = encodeMessage(payload);
  return unwrap<OpResponse<O>>(call(op, request.json, request.buffers));
}

/** True when the host bindings are present (false when the runtime is merely imported). */
export function hostAvailable(): boolean {
  const b = bindings();
  return typeof b.__sdx_call === "function" && typeof b.__sdx_call_sync === "function";
}
