/**
 * Threads outliving their VMs: a disposed instance's idle worker runs the next VM (what makes a run
 * after an install of a new build start at once), with nothing of the old VM left in it; a worker
 * still busy, or killed, is never kept. Outcomes are gated on the calls themselves, never on time.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { MAX_IDLE_WORKERS, WorkerSandbox } from "./worker-sandbox.js";
import { guest, jobInvocation, recordingCalls } from "./testing.js";
import type { HostCalls } from "./types.js";

const GUEST = guest(`{
  remember(ctx, value) { globalThis.remembered = value; return typeof globalThis.remembered; },
  recall() { return typeof globalThis.remembered; },
  async hold() { return call("held", {}); },
  join() { return new Array(2 ** 32 - 1).join("").length; },
}`);

/** `held` calls wait until the test opens the gate; `arrived` resolves when the first one is in. */
function heldCalls(): { calls: HostCalls; arrived: Promise<void>; open: () => void } {
  let open!: () => void;
  let arrive!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const arrived = new Promise<void>((resolve) => (arrive = resolve));
  const base = recordingCalls();
  return {
    arrived,
    open,
    calls: {
      ...base,
      async call(op, payload) {
        if (op !== "held") return base.call(op, payload);
        arrive();
        await gate;
        return { ok: true, value: "released" };
      },
    },
  };
}

const sandboxes: WorkerSandbox[] = [];
function newSandbox(): WorkerSandbox {
  const sandbox = new WorkerSandbox();
  sandboxes.push(sandbox);
  return sandbox;
}

afterEach(async () => {
  await Promise.all(sandboxes.splice(0).map((s) => s.close()));
});

describe("worker threads kept for the next VM", () => {
  it("runs the next VM in a disposed instance's idle thread, with nothing of the old VM in it", async () => {
    const sandbox = newSandbox();
    const first = sandbox.createInstance({ name: "first", guestJs: GUEST, calls: recordingCalls() });
    expect(await first.invoke(jobInvocation("remember", ["secret"]))).toEqual({ ok: true, value: "string" });
    first.dispose();
    expect(sandbox.idleThreads).toBe(1);

    const next = sandbox.createInstance({ name: "next", guestJs: GUEST, calls: recordingCalls() });
    expect(await next.invoke(jobInvocation("recall"))).toEqual({ ok: true, value: "undefined" });
    expect(sandbox.stats.threadsReused).toBe(1);
    expect(sandbox.idleThreads).toBe(0);
    // The disposed instance stays disposed.
    expect(await first.invoke(jobInvocation("recall"))).toMatchObject({ ok: false, error: { code: "SDX3020" } });
  });

  it("terminates a thread whose VM is still waiting on a host call: the call's invocation fails, nothing is kept", async () => {
    const sandbox = newSandbox();
    const held = heldCalls();
    const busy = sandbox.createInstance({ name: "busy", guestJs: GUEST, calls: held.calls });
    const running = busy.invoke(jobInvocation("hold"));
    await held.arrived;
    busy.dispose();
    held.open();
    expect(await running).toMatchObject({ ok: false, error: { code: "SDX3020" } });
    expect(sandbox.idleThreads).toBe(0);

    const next = sandbox.createInstance({ name: "next", guestJs: GUEST, calls: recordingCalls() });
    expect(await next.invoke(jobInvocation("recall"))).toEqual({ ok: true, value: "undefined" });
    expect(sandbox.stats.threadsReused).toBe(0);
  });

  it("never keeps a thread that was killed (stuck in a native loop the interrupt cannot reach)", async () => {
    const sandbox = new WorkerSandbox({ maxSliceMs: 500 }, { graceMs: 500 });
    sandboxes.push(sandbox);
    const stuck = sandbox.createInstance({ name: "stuck", guestJs: GUEST, calls: recordingCalls() });
    expect(await stuck.invoke(jobInvocation("join"))).toMatchObject({ ok: false, error: { code: "SDX3003" } });
    stuck.dispose();
    expect(sandbox.idleThreads).toBe(0);
    const next = sandbox.createInstance({ name: "next", guestJs: GUEST, calls: recordingCalls() });
    expect(await next.invoke(jobInvocation("recall"))).toEqual({ ok: true, value: "undefined" });
    expect(sandbox.stats.threadsReused).toBe(0);
  });

  it(`keeps at most ${MAX_IDLE_WORKERS} threads, and none once the sandbox is closed`, async () => {
    const sandbox = newSandbox();
    const instances = Array.from({ length: MAX_IDLE_WORKERS + 2 }, (_, i) => sandbox.createInstance({ name: `vm-${i}`, guestJs: GUEST, calls: recordingCalls() }));
    for (const instance of instances) expect(await instance.invoke(jobInvocation("recall"))).toEqual({ ok: true, value: "undefined" });
    for (const instance of instances) instance.dispose();
    expect(sandbox.idleThreads).toBe(MAX_IDLE_WORKERS);

    const again = Array.from({ length: MAX_IDLE_WORKERS + 2 }, (_, i) => sandbox.createInstance({ name: `again-${i}`, guestJs: GUEST, calls: recordingCalls() }));
    for (const instance of again) expect(await instance.invoke(jobInvocation("recall"))).toEqual({ ok: true, value: "undefined" });
    expect(sandbox.stats.threadsReused).toBe(MAX_IDLE_WORKERS);

    for (const instance of again) instance.dispose();
    await sandbox.close();
    expect(sandbox.idleThreads).toBe(0);
  });

  it("terminates a kept thread nobody took within the idle time", async () => {
    const sandbox = newSandbox();
    const first = sandbox.createInstance({ name: "first", guestJs: GUEST, calls: recordingCalls() });
    expect(await first.invoke(jobInvocation("recall"))).toEqual({ ok: true, value: "undefined" });
    // Only the timers the disposal sets are fake: the idle time, and the grace for the release.
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      first.dispose();
      expect(sandbox.idleThreads).toBe(1);
      vi.runOnlyPendingTimers();
      expect(sandbox.idleThreads).toBe(0);
    } finally {
      vi.useRealTimers();
    }
    const next = sandbox.createInstance({ name: "next", guestJs: GUEST, calls: recordingCalls() });
    expect(await next.invoke(jobInvocation("recall"))).toEqual({ ok: true, value: "undefined" });
    expect(sandbox.stats.threadsReused).toBe(0);
  });
});
