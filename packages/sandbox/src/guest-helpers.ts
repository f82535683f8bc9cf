/**
 * Code the host evaluates inside each VM before the guest bundle. It defines the host bindings
 * (`__sdx_call`, `__sdx_call_sync`, `__sdx_eval_runtime`) and returns private helpers the host keeps
 * as handles; nothing else reaches the guest's global. It captures the intrinsics it uses (`Reflect.apply`, the real
 * `ArrayBuffer.prototype.byteLength` getter, `Promise`, `String.prototype.split`, …) before any guest
 * code runs, so a guest that later replaces them can only break itself, never the host.
 *
 * Why `__sdx_call` is written in JS rather than as a host function returning `context.newPromise()`:
 * each call from QuickJS into a host function costs ~4 µs in quickjs-emscripten (its callback
 * machinery), and the newPromise/resolve path alone tops out near 90k calls/s on the reference
 * machine. Here a call only creates a real QuickJS promise and queues the request in an outbox; the
 * host drains the outbox once per pump and delivers every settled reply in one call, so the cost
 * per call is a few guest operations plus the host's JSON work. Fields in the outbox and reply
 * batches are separated by U+001F (a control character JSON text never contains raw; op names are
 * checked). Not U+0000: strings leave QuickJS as C strings, which end at the first NUL.
 */
export const GUEST_HELPERS_SOURCE = String.raw`((rawCallSync, rawEvalRuntime, limit) => {
  "use strict";
  const apply = Reflect.apply;
  const byteLengthGetter = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, "byteLength").get;
  const isArray = Array.isArray;
  const join = Array.prototype.join;
  const split = String.prototype.split;
  const includes = String.prototype.includes;
  const slice = String.prototype.slice;
  const toString = String;
  const stringify = JSON.stringify;
  const PromiseCtor = Promise;
  const promiseResolve = Promise.resolve;
  const then = Promise.prototype.then;
  const TypeErrorCtor = TypeError;
  const defineProperty = Object.defineProperty;
  const createObject = Object.create;
  const SEP = "\u001f";
  /** The argument list of every apply with SEP, made once (an array per call costs the guest). */
  const SEP_ARGS = [SEP];

  let outbox = [];
  let outBuffers = [];
  let nextId = 1;
  const resolvers = createObject(null);

  const byteLength = (buffer) => apply(byteLengthGetter, buffer, []);
  const errorReply = (code, message) => ({ json: stringify({ ok: false, error: { code, name: "SdxError", message } }), buffers: [] });

  /** Validates a call's arguments; returns the attachments as a fresh array, or an error reply. */
  const check = (binding, op, json, buffers) => {
    if (typeof op !== "string" || apply(includes, op, SEP_ARGS)) throw new TypeErrorCtor(binding + ": op must be an operation name");
    if (typeof json !== "string") throw new TypeErrorCtor(binding + ": json must be a string");
    const list = [];
    let size = json.length;
    if (buffers !== undefined) {
      if (!isArray(buffers)) throw new TypeErrorCtor(binding + ": buffers must be an array of ArrayBuffers");
      const count = buffers.length;
      for (let i = 0; i < count; i++) {
        const buffer = buffers[i];
        let bytes;
        try { bytes = byteLength(buffer); } catch { throw new TypeErrorCtor(binding + ": buffers[" + i + "] is not an ArrayBuffer"); }
        size += bytes;
        list[i] = buffer;
      }
    }
    if (size > limit) return errorReply("SDX3014", "the request to " + op + " is " + size + " bytes, over the sandbox limit of " + limit + " bytes");
    if (apply(includes, json, SEP_ARGS)) return errorReply("SDX3002", "malformed request to " + op + ": not JSON text");
    return list;
  };

  const settled = (value) => apply(promiseResolve, PromiseCtor, [value]);

  /** A resolver that settles with decode(reply), or rejects with what decode threw. */
  const decoding = (resolve, reject, decode) => (reply) => {
    let value;
    try { value = decode(reply); } catch (error) { reject(error); return; }
    resolve(value);
  };

  // decode (optional): the caller's reply decoder, run when the reply arrives, so the promise this
  // returns settles with the decoded value: one promise and one job per call fewer than a .then().
  defineProperty(globalThis, "__sdx_call", { configurable: true, writable: false, enumerable: false, value: function __sdx_call(op, json, buffers, decode) {
    let list;
    try {
      if (decode !== undefined && typeof decode !== "function") throw new TypeErrorCtor("__sdx_call: decode must be a function");
      list = check("__sdx_call", op, json, buffers);
    } catch (error) { return new PromiseCtor((resolve, reject) => reject(error)); }
    if (!isArray(list)) return decode === undefined ? settled(list) : new PromiseCtor((resolve, reject) => decoding(resolve, reject, decode)(list));
    const id = nextId++;
    const count = list.length;
    outbox[outbox.length] = id + SEP + op + SEP + count + SEP + json;
    for (let i = 0; i < count; i++) outBuffers[outBuffers.length] = list[i];
    return new PromiseCtor(decode === undefined ? (resolve) => { resolvers[id] = resolve; } : (resolve, reject) => { resolvers[id] = decoding(resolve, reject, decode); });
  } });

  defineProperty(globalThis, "__sdx_call_sync", { configurable: true, writable: false, enumerable: false, value: function __sdx_call_sync(op, json, buffers) {
    const list = check("__sdx_call_sync", op, json, buffers);
    if (!isArray(list)) return list;
    const args = [op, json];
    for (let i = 0; i < list.length; i++) args[i + 2] = list[i];
    const reply = apply(rawCallSync, undefined, args);
    return typeof reply === "string" ? { json: reply, buffers: [] } : reply;
  } });

  // Evaluates code the SDK carries as a string (its Web APIs, compiled on first use) like eval, but
  // named sdx:runtime in stack traces (RUNTIME_FILE), so the host shows its frames as the runtime's.
  defineProperty(globalThis, "__sdx_eval_runtime", { configurable: true, writable: false, enumerable: false, value: function __sdx_eval_runtime(source) {
    if (typeof source !== "string") throw new TypeErrorCtor("__sdx_eval_runtime: source must be a string");
    return apply(rawEvalRuntime, undefined, [source]);
  } });

  const clip = (value, max) => {
    try {
      const text = toString(value);
      return text.length > max ? apply(slice, text, [0, max]) + "…" : text;
    } catch {
      return "";
    }
  };

  return {
    /** Queued async requests as "id␟op␟bufferCount␟json" joined by ␟ (U+001F) ("" when none). */
    drain() {
      if (outbox.length === 0) return "";
      const text = apply(join, outbox, SEP_ARGS);
      outbox = [];
      return text;
    },
    /** The attachments of the last drained batch, in order. */
    drainBuffers() {
      const list = outBuffers;
      outBuffers = [];
      return list;
    },
    /**
     * Resolves pending calls from "id␟bufferCount␟json" items joined by ␟; attachments follow. A
     * count of "p" means no attachments and no "$b in the JSON (checked by the host, where it is cheap).
     */
    deliver(batch, ...buffers) {
      const fields = apply(split, batch, SEP_ARGS);
      let next = 0;
      for (let i = 0; i + 2 < fields.length; i += 3) {
        const id = fields[i];
        const resolve = resolvers[id];
        if (fields[i + 1] === "p") {
          if (resolve === undefined) continue;
          delete resolvers[id];
          resolve({ json: fields[i + 2], buffers: [], plain: true });
          continue;
        }
        const count = +fields[i + 1];
        const list = [];
        for (let j = 0; j < count; j++) list[j] = buffers[next++];
        if (resolve === undefined) continue;
        delete resolvers[id];
        resolve({ json: fields[i + 2], buffers: list });
      }
    },
    /** The real byte length of an ArrayBuffer; throws a TypeError for anything else. */
    byteLength,
    /** Builds a WireMessage object from its parts (own data properties, no setters involved). */
    message(json, ...buffers) {
      return { json, buffers };
    },
    /** Splits a WireMessage returned by the guest into [json, buffers], checking its shape. */
    unpack(message) {
      if (message === null || typeof message !== "object") throw new TypeErrorCtor("__sdx_guest.invoke must resolve to { json, buffers }");
      const json = message.json;
      const buffers = message.buffers;
      if (typeof json !== "string" || !isArray(buffers)) throw new TypeErrorCtor("__sdx_guest.invoke must resolve to { json: string, buffers: ArrayBuffer[] }");
      return [json, buffers];
    },
    /** Calls ok(value) or err(reason) once a value or promise settles. */
    settle(value, ok, err) {
      apply(then, settled(value), [ok, err]);
    },
    /** Describes a thrown value as JSON [kind, name, message, stack], without trusting it. */
    describe(thrown) {
      if (thrown !== null && (typeof thrown === "object" || typeof thrown === "function")) {
        let name = "", message = "", stack = "";
        try { if (thrown.name !== undefined) name = clip(thrown.name, 200); } catch {}
        try { if (thrown.message !== undefined) message = clip(thrown.message, 8192); } catch {}
        try { if (thrown.stack !== undefined) stack = clip(thrown.stack, 4096); } catch {}
        return stringify(["object", name, message, stack]);
      }
      return stringify([thrown === null ? "null" : typeof thrown, "", clip(thrown, 8192), ""]);
    },
  };
})`;

/** The file name of code evaluated by `__sdx_eval_runtime`, as stack traces show it. */
export const RUNTIME_FILE = "sdx:runtime";

/** Names of the helper functions, as properties of the object the source returns. */
export type GuestHelperName = "drain" | "drainBuffers" | "deliver" | "byteLength" | "message" | "unpack" | "settle" | "describe";
export const GUEST_HELPER_NAMES: readonly GuestHelperName[] = ["drain", "drainBuffers", "deliver", "byteLength", "message", "unpack", "settle", "describe"];

/** Separator of fields in outbox and delivery batches. */
export const SEP = "\u001f";

/**
 * Global names QuickJS defines that are not ECMAScript (removed before the guest runs). Everything
 * else on a fresh QuickJS global is standard ES2023+ (Annex B's escape/unescape included).
 */
export const NON_ES_GLOBALS: readonly string[] = ["InternalError"];
