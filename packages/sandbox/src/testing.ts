/**
 * Hand-written guests for the sandbox tests: a tiny runtime that follows the ABI in
 * `@sdx/sdk/protocol` (defines `globalThis.__sdx_guest`, calls `__sdx_call`/`__sdx_call_sync`,
 * typed arrays as binary attachments), with handlers given as JS source. Handlers whose name
 * starts with `raw` let their exceptions escape `invoke`, to test what the host does with them.
 */
import type { HostCalls } from "./types.js";
import type { WireResult } from "@sdx/sdk/wire";

const PRELUDE = String.raw`
const TA = { Uint8Array, Int8Array, Uint16Array, Int16Array, Uint32Array, Int32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array, Uint8ClampedArray };
function encode(value) {
  const buffers = [];
  const json = JSON.stringify(value, function (key, v) {
    if (v instanceof ArrayBuffer) { buffers.push(v.slice(0)); return { $bin: buffers.length - 1, type: "ArrayBuffer" }; }
    if (ArrayBuffer.isView(v)) { buffers.push(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength)); return { $bin: buffers.length - 1, type: v.constructor.name }; }
    return v;
  });
  return { json: json === undefined ? "null" : json, buffers };
}
function decode(json, buffers) {
  return JSON.parse(json, (key, v) => (v && typeof v === "object" && typeof v.$bin === "number")
    ? (v.type === "ArrayBuffer" ? buffers[v.$bin] : new TA[v.type](buffers[v.$bin])) : v);
}
function unwrap(reply) {
  const result = decode(reply.json, reply.buffers);
  if (!result.ok) { const e = new Error(result.error.message); e.code = result.error.code; e.name = result.error.name; e.data = result.error.data; throw e; }
  return result.value;
}
async function call(op, payload) { const m = encode(payload); return unwrap(await __sdx_call(op, m.json, m.buffers)); }
function callSync(op, payload) { const m = encode(payload); return unwrap(__sdx_call_sync(op, m.json, m.buffers)); }
`;

export function guest(handlers: string): string {
  return `(() => {
${PRELUDE}
const handlers = ${handlers};
globalThis.__sdx_guest = {
  protocolVersion: 1,
  async invoke(json, buffers) {
    const inv = decode(json, buffers);
    const fn = handlers[inv.name];
    if (inv.name.startsWith("raw")) return encode({ ok: true, value: await fn(inv.context, ...inv.args) });
    try {
      return encode({ ok: true, value: await fn(inv.context, ...inv.args) });
    } catch (e) {
      return encode({ ok: false, error: { code: e && e.code || "GUEST", name: e && e.name || "Error", message: String(e && e.message || e) } });
    }
  },
};
})();`;
}

/** Host calls answered by plain functions, recording what the guest asked for. */
export function recordingCalls(handlers: Record<string, (payload: unknown) => unknown> = {}): HostCalls & { log: Array<{ op: string; payload: unknown }> } {
  const log: Array<{ op: string; payload: unknown }> = [];
  const answer = (op: string, payload: unknown): WireResult => {
    log.push({ op, payload });
    const handler = handlers[op];
    if (!handler) return { ok: false, error: { code: "SDX3007", name: "SdxError", message: `no op ${op}` } };
    return { ok: true, value: handler(payload) ?? null };
  };
  return {
    log,
    call: async (op, payload) => answer(op, payload),
    callSync: (op, payload) => answer(op, payload),
  };
}

export function jobInvocation(name: string, args: unknown[] = []) {
  return { kind: "job" as const, name, args, context: { extensionId: "org.test.guest", config: {}, deviceUuid: "dev-1", jobId: "job-1", resumeState: null } };
}
