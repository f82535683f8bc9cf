/** Host calls across the sandbox boundary: real promises, concurrency, binary attachments, sync ops. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QuickJSSandbox } from "./quickjs-sandbox.js";
import { MAX_CALLS_RUNNING, WorkerSandbox } from "./worker-sandbox.js";
import { guest, jobInvocation } from "./testing.js";
import type { HostCalls, Sandbox, SandboxInstance } from "./types.js";
import type { WireResult } from "@sdx/sdk/wire";

const received: Array<{ op: string; payload: unknown }> = [];
let inFlight = 0;
let maxInFlight = 0;
/**
 * `slowEcho` calls wait until `opensAt` of them are in flight (a gate the calls open themselves,
 * not a timer): every call the sandbox lets run at once is then in flight together.
 */
let opensAt = Infinity;
let gate: { open: Promise<void>; release: () => void } = newGate();
function newGate(): { open: Promise<void>; release: () => void } {
  let release!: () => void;
  const open = new Promise<void>((resolve) => (release = resolve));
  return { open, release };
}
const calls: HostCalls = {
  async call(op, payload): Promise<WireResult> {
    received.push({ op, payload });
    if (op === "slowEcho") {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      if (inFlight >= opensAt) gate.release();
      await gate.open;
      inFlight--;
      return { ok: true, value: payload };
    }
    if (op === "scale") {
      const { data, by } = payload as { data: Float32Array; by: number };
      return { ok: true, value: { data: data.map((v) => v * by), isFloat32: data instanceof Float32Array } };
    }
    if (op === "fail") return { ok: false, error: { code: "SDX3001", name: "PermissionDenied", message: "no", data: { permission: "write_tags" } } };
    if (op === "crash") throw new Error("host bug with /secret/path");
    return { ok: true, value: payload };
  },
  callSync(op, payload) {
    received.push({ op, payload });
    // The host decides which ops are synchronous (the protocol's table); this one allows "log".
    if (op !== "log") return { ok: false, error: { code: "SDX3007", name: "SandboxError", message: `${op} cannot be called synchronously` } };
    return { ok: true, value: { sync: op, payload } };
  },
};

const GUEST = guest(`{
    async concurrent(ctx, n) {
      const replies = await Promise.all(Array.from({ length: n }, (_, i) => call("slowEcho", { i })));
      return replies.every((r, i) => r.i === i) ? n : -1;
    },
    async binary() {
      const data = new Float32Array([1.5, -2.25, 3.125, 1e-3]);
      const reply = await call("scale", { data, by: 2 });
      return { isFloat32: reply.isFloat32, back: reply.data instanceof Float32Array, values: Array.from(reply.data) };
    },
    async rawAbi() {
      // The ABI itself: JSON text plus ArrayBuffers, the numbers never in the JSON.
      const bytes = new Float32Array([0.5, 0.25]).buffer;
      const reply = await __sdx_call("scale", '{"data":{"$bin":0,"type":"Float32Array"},"by":4}', [bytes]);
      return { json: reply.json, buffers: reply.buffers.length, isArrayBuffer: reply.buffers[0] instanceof ArrayBuffer, bytes: reply.buffers[0].byteLength,
               values: Array.from(new Float32Array(reply.buffers[0])) };
    },
    async errors() {
      const out = {};
      try { await call("fail", {}); } catch (e) { out.fail = [e.code, e.name, e.data.permission]; }
      try { await call("crash", {}); } catch (e) { out.crash = [e.code, e.message]; }
      try { await __sdx_call(42, "{}", []); } catch (e) { out.misuse = e instanceof TypeError; }
      try { await __sdx_call("echo", "{}", [new Uint8Array(2)]); } catch (e) { out.notBuffer = e instanceof TypeError; }
      const bad = await __sdx_call("echo", "{not json", []);
      out.badJson = JSON.parse(bad.json).error.code;
      return out;
    },
    async decoding() {
      // The optional decode argument: the call's own promise settles with what it returns, or
      // rejects with what it throws; the host marks a reply with nothing to revive as plain.
      const out = { arity: __sdx_call.length };
      out.value = await __sdx_call("echo", '{"a":1}', [], (reply) => [JSON.parse(reply.json).value.a, reply.plain === true, reply.buffers.length]);
      out.marked = await __sdx_call("echo", '{"$bigint":"5"}', [], (reply) => reply.plain === true);
      out.binary = await __sdx_call("scale", '{"data":{"$bin":0,"type":"Float32Array"},"by":4}', [new Float32Array([1]).buffer], (reply) => [reply.plain === true, reply.buffers.length]);
      try { await __sdx_call("echo", "{}", [], () => { throw new RangeError("bad reply"); }); } catch (e) { out.thrown = e instanceof RangeError && e.message; }
      try { await __sdx_call("echo", "{}", [], 42); } catch (e) { out.notFunction = e instanceof TypeError; }
      out.refused = await __sdx_call("echo", "a\u001fb", [], (reply) => JSON.parse(reply.json).error.code);
      return out;
    },
    sync() {
      const r = callSync("log", { level: "info", message: "hi" });
      let notSync;
      try { callSync("models.create", {}); } catch (e) { notSync = e.code; }
      return { r, notSync };
    },
  }`);

// The same guest in both sandboxes: in the host's thread, and in a worker (the host's default),
// where calls are forwarded as messages and at most MAX_CALLS_RUNNING of one VM run at once.
describe.each([
  { where: "in the host's thread", make: (): Sandbox => new QuickJSSandbox(), running: 200 },
  { where: "in a worker", make: (): Sandbox => new WorkerSandbox(), running: MAX_CALLS_RUNNING },
])("host calls $where", ({ make, running }) => {
  let sandbox: Sandbox;
  let instance: SandboxInstance;
  beforeAll(() => {
    sandbox = make();
    instance = sandbox.createInstance({ name: "calls", calls, guestJs: GUEST });
  });
  afterAll(async () => {
    instance.dispose();
    await sandbox.close();
  });

  it("lets the guest await many host calls concurrently", async () => {
    maxInFlight = 0;
    opensAt = running;
    gate = newGate();
    expect(await instance.invoke(jobInvocation("concurrent", [200]))).toEqual({ ok: true, value: 200 });
    expect(maxInFlight).toBe(running);
  });

  it("round-trips a Float32Array as binary, both ways", async () => {
    expect(await instance.invoke(jobInvocation("binary"))).toEqual({ ok: true, value: { isFloat32: true, back: true, values: [3, -4.5, 6.25, 0.0020000000949949026] } });
    const result = await instance.invoke(jobInvocation("rawAbi"));
    expect(result.ok).toBe(true);
    const value = (result as { value: { json: string; buffers: number; isArrayBuffer: boolean; bytes: number; values: number[] } }).value;
    expect(value).toMatchObject({ buffers: 1, isArrayBuffer: true, bytes: 8, values: [2, 1] });
    expect(value.json).toContain('"$bin":0');
    expect(value.json).not.toMatch(/[^$a-z"]\s*2\s*,\s*1/);
    expect(received.find((r) => r.op === "scale")!.payload).toMatchObject({ by: 2 });
  });

  it("turns host failures into guest errors with their code, and refuses misuse", async () => {
    expect(await instance.invoke(jobInvocation("errors"))).toEqual({
      ok: true,
      value: {
        fail: ["SDX3001", "PermissionDenied", "write_tags"],
        crash: ["SDX3020", "host bug with /secret/path"],
        misuse: true,
        notBuffer: true,
        badJson: "SDX3002",
      },
    });
  });

  it("settles a call with its decode callback's value or error", async () => {
    expect(await instance.invoke(jobInvocation("decoding"))).toEqual({
      ok: true,
      value: { arity: 4, value: [1, true, 0], marked: false, binary: [false, 1], thrown: "bad reply", notFunction: true, refused: "SDX3002" },
    });
  });

  it("answers sync ops synchronously and refuses async ones there", async () => {
    expect(await instance.invoke(jobInvocation("sync"))).toEqual({ ok: true, value: { r: { sync: "log", payload: { level: "info", message: "hi" } }, notSync: "SDX3007" } });
  });
});
