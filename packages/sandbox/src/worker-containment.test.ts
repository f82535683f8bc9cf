/**
 * Containment of guests in worker threads: whatever a guest does (native loops inside built-ins,
 * microtask floods, hundreds of thousands of pending host calls, large replies, running out of
 * memory in the middle of a host call, a dying worker), its invocation fails with a clear code,
 * the host's thread keeps serving, and the same instance runs its next invocation. Every case has
 * its own instance (its own worker), so none can poison the next. Nothing here asserts speed.
 *
 * Time limits stop only what spins: a case about memory, the stack or call limits runs with a
 * slice limit it cannot reach (on a busy machine, the watchdog must not answer first), and a case
 * that needs a VM stuck while it looks elsewhere keeps it stuck until it disposes of it.
 */
import { afterAll, describe, expect, it } from "vitest";
import type { WireResult } from "@sdx/sdk/wire";
import { WorkerSandbox, MAX_CALLS_RUNNING, type WorkerSandboxOptions } from "./worker-sandbox.js";
import { guest, jobInvocation, recordingCalls } from "./testing.js";
import type { HostCalls, SandboxInstance, SandboxLimits } from "./types.js";

const EIGHT_MB = new Uint8Array(8 * 1024 * 1024);

const GUEST = guest(`{
  ok() { return "fine"; },
  join() { callSync("log", { level: "info", message: "entering join" }); return new Array(2 ** 32 - 1).join("").length; },
  sort() { const a = Array.from({ length: 1000 }, (_, i) => i); a.sort(() => { while (true) {} }); return a.length; },
  micro() { const loop = () => Promise.resolve().then(loop); loop(); return new Promise(() => {}); },
  fanOut() { const loop = () => { Promise.resolve().then(loop); Promise.resolve().then(loop); }; loop(); return new Promise(() => {}); },
  async pending(ctx, n) {
    // The raw ABI, so that 200k refusals do not become 200k Error objects in the guest.
    const all = [];
    for (let i = 0; i < n; i++) all.push(__sdx_call("echo", '{"i":' + i + '}', []));
    const codes = {};
    let ok = 0;
    for (const reply of await Promise.all(all)) {
      const result = JSON.parse(reply.json);
      if (result.ok) ok++;
      else codes[result.error.code] = (codes[result.error.code] || 0) + 1;
    }
    return { ok, codes };
  },
  async largeReads(ctx, n) {
    const replies = await Promise.all(Array.from({ length: n }, () => call("eightMb", {})));
    return replies.reduce((sum, r) => sum + r.bytes.length, 0);
  },
  async oomInCall() {
    const hog = new Uint8Array(30 * 1024 * 1024);
    hog[1] = 1;
    const reply = await call("bigReply", {});
    return reply.bytes.length + hog[1];
  },
  nested() { const depth = 2000000; return JSON.parse("[".repeat(depth) + "]".repeat(depth)).length; },
}`);

const logs: string[] = [];
function calls(): HostCalls {
  const base = recordingCalls({
    echo: (p) => p,
    eightMb: () => ({ bytes: EIGHT_MB }),
    bigReply: () => ({ bytes: new Uint8Array(24 * 1024 * 1024) }),
    log: (p) => void logs.push((p as { message: string }).message),
  });
  return base;
}

/** A slice limit no case reaches unless it spins (10 minutes; the test times out long before). */
const UNREACHABLE_MS = 10 * 60_000;

const sandboxes: WorkerSandbox[] = [];
function instance(limits: Partial<SandboxLimits> = {}, options: WorkerSandboxOptions = {}): SandboxInstance {
  const sandbox = new WorkerSandbox({ maxSliceMs: 500, ...limits }, { graceMs: 500, ...options });
  sandboxes.push(sandbox);
  return sandbox.createInstance({ name: "containment", calls: calls(), guestJs: GUEST });
}

afterAll(async () => {
  await Promise.all(sandboxes.map((s) => s.close()));
});

const codeOf = (result: WireResult) => (result.ok ? "ok" : result.error.code);

/** Counts turns of the host's event loop while `work` runs: they only happen if the thread is free. */
async function hostTurnsDuring<T>(work: Promise<T>): Promise<{ value: T; turns: number }> {
  let turns = 0;
  let running = true;
  const spin = async () => {
    while (running) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      turns++;
    }
  };
  const spinning = spin();
  const value = await work;
  running = false;
  await spinning;
  return { value, turns };
}

describe("guests in workers", () => {
  it("stop a native loop inside a built-in (a 4-billion-element join) with SDX3003, the host's thread free meanwhile", async () => {
    const vm = instance();
    const stuck = vm.invoke(jobInvocation("join"));
    const { value, turns } = await hostTurnsDuring(stuck);
    expect(codeOf(value)).toBe("SDX3003");
    expect(logs).toContain("entering join");
    expect(turns).toBeGreaterThan(1);
    expect(await vm.invoke(jobInvocation("ok"))).toEqual({ ok: true, value: "fine" });
    vm.dispose();
  });

  it("serve another VM, host calls included, while one is stuck in native code", async () => {
    // No reachable slice limit: the stuck VM stays stuck until this test disposes of it.
    const stuckVm = instance({ maxSliceMs: UNREACHABLE_MS });
    const other = instance();
    logs.length = 0;
    const stuck = stuckVm.invoke(jobInvocation("join"));
    let stuckDone = false;
    void stuck.then(() => (stuckDone = true));
    // Wait until the guest is inside the join (its log line arrived before it started joining).
    while (!logs.includes("entering join")) await new Promise((resolve) => setImmediate(resolve));
    expect(await other.invoke(jobInvocation("pending", [3]))).toEqual({ ok: true, value: { ok: 3, codes: {} } });
    expect(stuckDone).toBe(false);
    stuckVm.dispose(); // terminates its worker mid-join
    expect(codeOf(await stuck)).toBe("SDX3020");
    other.dispose();
  });

  it("stop a sort comparator that spins (SDX3003)", async () => {
    const vm = instance();
    expect(codeOf(await vm.invoke(jobInvocation("sort")))).toBe("SDX3003");
    expect(codeOf(await vm.invoke(jobInvocation("ok")))).toBe("ok");
    vm.dispose();
  });

  it("stop an endless microtask loop and a microtask fan-out (SDX3003)", async () => {
    const vm = instance();
    expect(codeOf(await vm.invoke(jobInvocation("micro")))).toBe("SDX3003");
    expect(codeOf(await vm.invoke(jobInvocation("ok")))).toBe("ok");
    expect(codeOf(await vm.invoke(jobInvocation("fanOut")))).toBe("SDX3003");
    expect(codeOf(await vm.invoke(jobInvocation("ok")))).toBe("ok");
    vm.dispose();
  });

  it("refuse host calls past the waiting limit (SDX3027) when a guest starts 20× that many without awaiting", async () => {
    // The limit lowered from 10,000 to 100: the same refusal with 2,000 calls instead of 200,000.
    const waiting = 100;
    const calls = 20 * waiting;
    const vm = instance({ maxSliceMs: UNREACHABLE_MS }, { maxCallsWaiting: waiting });
    const result = await vm.invoke(jobInvocation("pending", [calls]));
    expect(result.ok).toBe(true);
    const { ok, codes } = (result as { value: { ok: number; codes: Record<string, number> } }).value;
    expect(ok).toBeGreaterThanOrEqual(waiting);
    expect(ok).toBeLessThanOrEqual(waiting + MAX_CALLS_RUNNING);
    expect(codes).toEqual({ SDX3027: calls - ok });
    expect(codeOf(await vm.invoke(jobInvocation("ok")))).toBe("ok");
    vm.dispose();
  });

  it("contain concurrent large reads that do not fit the guest's memory (SDX3004)", async () => {
    const vm = instance({ memoryBytes: 48 * 1024 * 1024, maxSliceMs: UNREACHABLE_MS });
    expect(await vm.invoke(jobInvocation("largeReads", [2]))).toEqual({ ok: true, value: 16 * 1024 * 1024 });
    // Ten 8 MiB replies at once: 80 MiB for a 48 MiB guest.
    expect(codeOf(await vm.invoke(jobInvocation("largeReads", [10])))).toBe("SDX3004");
    expect(codeOf(await vm.invoke(jobInvocation("ok")))).toBe("ok");
    vm.dispose();
  });

  it("contain running out of memory while a host call's reply is delivered (SDX3004)", async () => {
    const vm = instance({ memoryBytes: 32 * 1024 * 1024, maxSliceMs: UNREACHABLE_MS });
    expect(codeOf(await vm.invoke(jobInvocation("oomInCall")))).toBe("SDX3004");
    expect(codeOf(await vm.invoke(jobInvocation("ok")))).toBe("ok");
    vm.dispose();
  });

  it("discard a VM whose stack overflowed inside a built-in (deeply nested JSON), and start a new one for the next invocation", async () => {
    const vm = instance({ maxSliceMs: UNREACHABLE_MS });
    const bystander = instance();
    expect(codeOf(await bystander.invoke(jobInvocation("ok")))).toBe("ok");
    expect(codeOf(await vm.invoke(jobInvocation("nested")))).toBe("SDX3005");
    expect(codeOf(await bystander.invoke(jobInvocation("ok")))).toBe("ok");
    expect(codeOf(await vm.invoke(jobInvocation("ok")))).toBe("ok");
    expect(vm.stats.recycled).toBeGreaterThanOrEqual(1);
    vm.dispose();
    bystander.dispose();
  });
});

describe("closing a worker sandbox", () => {
  it("ends a spare worker that is still warming up, and starts no new one afterwards", async () => {
    const sandbox = new WorkerSandbox();
    sandbox.prestart(); // a spare begins to warm up…
    await sandbox.close(); // …and is terminated without waiting for it (a rejection here would fail the run)
    sandbox.prestart();
    const late = sandbox.createInstance({ name: "late", guestJs: GUEST, calls: recordingCalls({}) });
    const result = await late.invoke(jobInvocation("ok", [])).catch((error: Error) => ({ ok: false, thrown: error.message }));
    expect(result).toMatchObject({ ok: false });
    late.dispose();
  });
});
