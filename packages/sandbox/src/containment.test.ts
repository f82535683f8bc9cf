/**
 * Sandbox containment at the instance level: every failure comes back as a WireResult with a clear
 * code, and the same instance runs the next invocation (on a fresh VM after a fatal error).
 *
 * Time limits stop only what spins: the cases about memory, stack and messages run with a slice
 * limit and deadline they cannot reach, so a busy machine cannot turn them into SDX3003.
 */
import { afterAll, describe, expect, it, vi } from "vitest";
import { QuickJSSandbox } from "./quickjs-sandbox.js";
import { guest, jobInvocation, recordingCalls } from "./testing.js";
import type { WireResult } from "@sdx/sdk/wire";

/** A time limit no case here reaches unless it spins (10 minutes; the test times out long before). */
const UNREACHABLE_MS = 10 * 60_000;
const sandbox = new QuickJSSandbox({ memoryBytes: 48 * 1024 * 1024, maxSliceMs: UNREACHABLE_MS, maxMessageBytes: 1024 * 1024 });
const calls = recordingCalls({ echo: (p) => p, big: () => "x".repeat(2 * 1024 * 1024), never: () => new Promise(() => undefined) });
// `never` returns a promise that the recording helper wraps in a value; make a real never-settling op:
let neverCalled = false;
calls.call = (op, payload) => {
  if (op !== "never") return Promise.resolve(calls.callSync(op, payload));
  neverCalled = true;
  return new Promise(() => undefined);
};

const GUEST = guest(`{
    ok(ctx, n) { return { fine: true, n }; },
    spin() { while (true) {} },
    spinCaught() { for (;;) { try { while (true) {} } catch (e) {} } },
    oom() { const keep = []; for (;;) keep.push(new Array(100000).fill(1.5)); },
    oomTyped() { const keep = []; for (;;) keep.push(new Float64Array(1000000)); },
    oomString() { const keep = []; for (;;) keep.push("x".repeat(1000000) + keep.length); },
    recurse() { const f = (n) => f(n + 1) + 1; return f(0); },
    nativeRecurse() { let o = {}; for (let i = 0; i < 100000; i++) o = { o }; return JSON.stringify(o).length; },
    rawThrowString() { throw "a string"; },
    rawThrowNumber() { throw 42; },
    rawThrowNull() { throw null; },
    rawThrowUndefined() { throw undefined; },
    rawThrowObject() { throw { weird: true }; },
    rawThrowProxy() { throw new Proxy({}, { get() { throw new Error("gotcha"); } }); },
    rawThrowError() { class MyError extends Error { constructor() { super("custom"); this.name = "MyError"; } } throw new MyError(); },
    hugeResult() { return "y".repeat(2 * 1024 * 1024); },
    async hugeRequest() { try { await call("echo", { s: "z".repeat(2 * 1024 * 1024) }); return "sent"; } catch (e) { return e.code; } },
    async hugeReply() { try { await call("big", {}); return "got"; } catch (e) { return e.code; } },
    async waitForever() { await call("never", {}); },
    probe() {
      const names = ["require", "process", "fetch", "WebAssembly", "setTimeout", "setInterval", "setImmediate", "queueMicrotask",
        "console", "global", "module", "exports", "Buffer", "std", "os", "print", "scriptArgs", "InternalError", "XMLHttpRequest", "Deno", "Bun"];
      const present = names.filter((n) => typeof globalThis[n] !== "undefined");
      const viaFunction = Function("return this")();
      const viaConstructor = ({}).constructor.constructor("return typeof process + typeof require")();
      let dynamicImport = "none";
      try { import("fs").then(() => { dynamicImport = "loaded"; }, () => { dynamicImport = "refused"; }); } catch (e) { dynamicImport = "threw"; }
      return { present, sameGlobal: viaFunction === globalThis, viaConstructor, globals: Object.getOwnPropertyNames(globalThis) };
    },
    runtimeEval() {
      const made = __sdx_eval_runtime("(function made() { return [typeof rawEvalRuntime, typeof made]; })");
      let stack = "";
      try { __sdx_eval_runtime("(function thrower() { throw new Error('inside'); })")(); } catch (e) { stack = e.stack; }
      const refused = [];
      for (const bad of ["(", 42]) { try { __sdx_eval_runtime(bad); } catch (e) { refused.push(e.name); } }
      return { result: made(), stack, refused };
    },
    setGlobal(ctx, v) { globalThis.shared = v; return v; },
    getGlobal() { return typeof globalThis.shared === "undefined" ? null : globalThis.shared; },
  }`);

const instance = sandbox.createInstance({ name: "containment", calls, guestJs: GUEST });
/** The same guest with a short slice limit (still far above what its other handlers need): for the loops that never yield. */
const sliced = sandbox.createInstance({ name: "sliced", calls, guestJs: GUEST, limits: { maxSliceMs: 1_000 } });

afterAll(() => {
  instance.dispose();
  sliced.dispose();
});

async function run(name: string, args: unknown[] = [], on = instance): Promise<WireResult> {
  return on.invoke(jobInvocation(name, args));
}

async function expectContained(name: string, code: string, on = instance): Promise<WireResult> {
  const result = await run(name, [], on);
  expect(result.ok).toBe(false);
  if (!result.ok) expect(result.error.code).toBe(code);
  const next = await run("ok", [1], on);
  expect(next).toEqual({ ok: true, value: { fine: true, n: 1 } });
  return result;
}

describe("sandbox containment", () => {
  it("interrupts an infinite loop (SDX3003), even one that catches, and recovers", async () => {
    const before = sliced.stats.recycled;
    const result = await expectContained("spin", "SDX3003", sliced);
    if (!result.ok) expect(result.error.message).toMatch(/without yielding/);
    await expectContained("spinCaught", "SDX3003", sliced);
    expect(sliced.stats.recycled).toBe(before + 2);
  });

  it("stops a guest that exceeds its memory limit (SDX3004)", async () => {
    await expectContained("oom", "SDX3004");
    await expectContained("oomTyped", "SDX3004");
    await expectContained("oomString", "SDX3004");
  });

  it("stops deep recursion (SDX3005), in guest code and in the engine's own recursion", async () => {
    await expectContained("recurse", "SDX3005");
    await expectContained("nativeRecurse", "SDX3005");
  });

  it("reports non-Error throws with their value (SDX3006)", async () => {
    const cases: Array<[string, RegExp]> = [
      ["rawThrowString", /\(string\): a string/],
      ["rawThrowNumber", /\(number\): 42/],
      ["rawThrowNull", /\(null\): null/],
      ["rawThrowUndefined", /\(undefined\): undefined/],
      ["rawThrowObject", /without a message/],
      ["rawThrowProxy", /without a message/],
    ];
    for (const [name, message] of cases) {
      const result = await expectContained(name, "SDX3006");
      if (!result.ok) expect(result.error.message).toMatch(message);
    }
    const custom = await expectContained("rawThrowError", "SDX3006");
    if (!custom.ok) expect(custom.error).toMatchObject({ name: "MyError", message: "custom" });
  });

  it("refuses oversized messages both ways (SDX3014) without killing the VM", async () => {
    await expectContained("hugeResult", "SDX3014");
    expect(await run("hugeRequest")).toEqual({ ok: true, value: "SDX3014" });
    expect(await run("hugeReply")).toEqual({ ok: true, value: "SDX3014" });
  });

  it("ends an invocation idle past its deadline (SDX3003), at the deadline", async () => {
    // A fake clock for the deadline's timer: the guest waits on a host call that never answers,
    // and the invocation ends when (and only when) 150 ms have passed on that clock.
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      neverCalled = false;
      let result: WireResult | null = null;
      const pending = instance.invoke(jobInvocation("waitForever"), { deadlineMs: 150 }).then((r) => (result = r));
      while (!neverCalled) await new Promise((resolve) => setImmediate(resolve));
      vi.advanceTimersByTime(149);
      await new Promise((resolve) => setImmediate(resolve));
      expect(result).toBeNull();
      vi.advanceTimersByTime(2);
      await pending;
      expect(result).toMatchObject({ ok: false, error: { code: "SDX3003" } });
    } finally {
      vi.useRealTimers();
    }
    expect(await run("ok", [2])).toEqual({ ok: true, value: { fine: true, n: 2 } });
  });

  it("evaluates the SDK's own strings at global scope under the runtime's file name, errors thrown as errors", async () => {
    expect(await run("runtimeEval")).toEqual({
      ok: true,
      value: { result: ["undefined", "function"], stack: expect.stringMatching(/at thrower \(sdx:runtime:1:\d+\)/), refused: ["SyntaxError", "TypeError"] },
    });
    expect(await run("ok", [3])).toEqual({ ok: true, value: { fine: true, n: 3 } });
  });

  it("gives the guest nothing of the host: no require/process/fetch/WebAssembly/timers, only ES globals", async () => {
    const result = await run("probe");
    expect(result.ok).toBe(true);
    const value = (result as { value: { present: string[]; sameGlobal: boolean; viaConstructor: string; globals: string[] } }).value;
    expect(value.present).toEqual([]);
    expect(value.sameGlobal).toBe(true);
    expect(value.viaConstructor).toBe("undefinedundefined");
    const es = new Set(["Object", "Function", "Array", "Number", "parseFloat", "parseInt", "Infinity", "NaN", "undefined", "Boolean", "String", "Symbol",
      "Date", "Promise", "RegExp", "Error", "AggregateError", "EvalError", "RangeError", "ReferenceError", "SyntaxError", "TypeError", "URIError",
      "globalThis", "JSON", "Math", "ArrayBuffer", "Atomics", "Uint8Array", "Int8Array", "Uint16Array", "Int16Array", "Uint32Array", "Int32Array",
      "Float16Array", "Float32Array", "Float64Array", "Uint8ClampedArray", "BigUint64Array", "BigInt64Array", "DataView", "Map", "BigInt", "Set",
      "WeakMap", "WeakSet", "Proxy", "Reflect", "FinalizationRegistry", "WeakRef", "decodeURI", "decodeURIComponent", "encodeURI",
      "encodeURIComponent", "escape", "unescape", "eval", "isFinite", "isNaN", "Iterator", "SharedArrayBuffer",
      "__sdx_call", "__sdx_call_sync", "__sdx_eval_runtime", "__sdx_guest"]);
    expect(value.globals.filter((name) => !es.has(name))).toEqual([]);
  });

  it("contains prototype pollution in the guest's realm", async () => {
    // Its own instance: the guest below breaks its own runtime on purpose.
    const polluter = sandbox.createInstance({
      name: "polluter",
      calls,
      guestJs: guest(`{
        pollute() {
          Object.prototype.polluted = "yes";
          Array.isArray = () => false;
          Promise.prototype.then = function () { throw new Error("then is broken"); };
          Object.defineProperty(Object.prototype, "json", { set() { throw new Error("setter hit"); }, configurable: true });
          return "polluted";
        },
        async afterPollution() { return (await call("echo", { a: 1 })).a; },
      }`),
    });
    expect(await polluter.invoke(jobInvocation("pollute"))).toEqual({ ok: true, value: "polluted" });
    expect((({}) as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype.hasOwnProperty.call(Object.prototype, "json")).toBe(false);
    // The guest broke its own promises; the host's bindings captured their intrinsics first, so
    // the call still reaches the host, and the invocation still ends with a clear result.
    const after = await polluter.invoke(jobInvocation("afterPollution"), { deadlineMs: 1_000 });
    expect(calls.log.at(-1)).toEqual({ op: "echo", payload: { a: 1 } });
    expect(after.ok === true || ["SDX3006", "SDX3003"].includes(after.error.code)).toBe(true);
    polluter.dispose();
  });

  it("isolates instances from each other", async () => {
    const other = sandbox.createInstance({ name: "other", calls, guestJs: guest(`{ getGlobal() { return typeof globalThis.shared === "undefined" ? null : globalThis.shared; } }`) });
    expect(await run("setGlobal", ["mine"])).toEqual({ ok: true, value: "mine" });
    expect(await other.invoke(jobInvocation("getGlobal"))).toEqual({ ok: true, value: null });
    other.dispose();
  });

  it("reports a bundle that fails to evaluate or defines no guest", async () => {
    const broken = sandbox.createInstance({ name: "broken", calls, guestJs: "throw new TypeError('bad bundle')" });
    expect(await broken.invoke(jobInvocation("x"))).toMatchObject({ ok: false, error: { code: "SDX3006", name: "TypeError", message: "bad bundle" } });
    const empty = sandbox.createInstance({ name: "empty", calls, guestJs: "1 + 1" });
    expect(await empty.invoke(jobInvocation("x"))).toMatchObject({ ok: false, error: { code: "SDX3024" } });
    const old = sandbox.createInstance({ name: "old", calls, guestJs: "globalThis.__sdx_guest = { protocolVersion: 99, async invoke() {} }" });
    expect(await old.invoke(jobInvocation("x"))).toMatchObject({ ok: false, error: { code: "SDX3009" } });
    for (const i of [broken, empty, old]) i.dispose();
  });
});
