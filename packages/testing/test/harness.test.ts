/**
 * @sdx/testing on a real extension (fixtures/clock-extension, built by the harness): the fake clock
 * drives an hourly scheduled trigger, a task's retry backoff, a task's deadline and an agent hook's
 * deadline without waiting for any of them; timers fire only when the test advances the clock.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fileURLToPath } from "node:url";
import { createTestHost, FakeClock, type TestHost } from "@sdx/testing";

const PROJECT = fileURLToPath(new URL("./fixtures/clock-extension/", import.meta.url));

describe("FakeClock", () => {
  it("runs timers only when advanced, in order, intervals as often as they fit", async () => {
    const clock = new FakeClock();
    const fired: string[] = [];
    clock.setTimeout(() => fired.push("b"), 2_000);
    clock.setTimeout(() => fired.push("a"), 1_000);
    const every = clock.setInterval(() => fired.push("tick"), 1_500);
    const start = clock.now();
    await clock.advance(999);
    expect(fired).toEqual([]);
    await clock.advance(3_001);
    expect(fired).toEqual(["a", "tick", "b", "tick"]);
    expect(clock.now() - start).toBeGreaterThanOrEqual(4_000);
    clock.clear(every);
    await clock.advance(10_000);
    expect(fired).toHaveLength(4);
    await expect(clock.advance(-1)).rejects.toThrow(RangeError);
  });

  it("tells a test what waits on it", async () => {
    const clock = new FakeClock();
    const waiting = clock.nextTimer("task-backoff");
    const slept = clock.sleep(250, "task-backoff").then(() => "woke");
    expect(await waiting).toEqual({ kind: "task-backoff", inMs: 250 });
    await clock.advance(250);
    expect(await slept).toBe("woke");
  });
});

describe("createTestHost with a fake clock", () => {
  let t: TestHost;
  beforeAll(async () => {
    t = await createTestHost({ project: PROJECT });
  });
  afterAll(() => t?.close());

  it("fires an hourly scheduled job when the clock passes the hour, not before", async () => {
    await t.clock!.advance(3_599_000);
    await t.idle();
    expect(t.models("Tick")).toHaveLength(0);
    await t.clock!.advance(1_000);
    await t.idle();
    expect(t.models("Tick").map((m) => m.data)).toEqual([{ label: "hourly" }]);
    // A tick while the last run is still queued adds none: each hour is run before the next.
    for (let hour = 0; hour < 2; hour++) {
      await t.clock!.advance(3_600_000);
      await t.idle();
    }
    expect(t.models("Tick")).toHaveLength(3);
  });

  it("waits out a task's retry backoff on the clock", async () => {
    const run = t.runJob("retrying");
    const backoff = await t.clock!.nextTimer("task-backoff");
    expect(backoff.inMs).toBe(60_000);
    await t.clock!.advance(backoff.inMs);
    const outcome = await run;
    expect(outcome).toMatchObject({ state: "completed", result: 2 });
    expect(t.host.jobEvents(outcome.jobId, ["task_attempt_failed"])).toHaveLength(1);
  });

  it("stops a task at its deadline on the clock", async () => {
    const run = t.runJob("stuck");
    const deadline = await t.clock!.nextTimer("task-timeout");
    expect(deadline.inMs).toBe(600_000);
    await t.clock!.advance(deadline.inMs);
    const outcome = await run;
    expect(outcome.state).toBe("failed");
    expect(outcome.error).toMatchObject({ name: "TaskFailed", data: { cause: { code: "SDX3003" } } });
    // The discarded VM is replaced: the next task runs.
    const again = t.runJob("retrying");
    expect(await t.clock!.skipWhile(again)).toMatchObject({ state: "completed", result: 2 });
  });
});

describe("an agent hook's deadline on the fake clock", () => {
  let t: TestHost;
  beforeAll(async () => {
    // A host of its own: advancing the clock past a deadline fails whatever hook is in flight at
    // that moment, so the stalling hook must be the only one.
    t = await createTestHost({ project: PROJECT });
  });
  afterAll(() => t?.close());

  it("stops the hook at its deadline and delivers the event again in a fresh VM", async () => {
    expect(await t.runJob("stall")).toMatchObject({ state: "completed" });
    const deadline = await t.clock!.nextTimer("hook-timeout");
    expect(deadline.inMs).toBe(30_000); // the host's hookTimeoutMs
    await t.clock!.advance(deadline.inMs);
    const backoff = await t.clock!.nextTimer("hook-retry");
    const [delivery] = t.host.agentEvents({ type: "job_completed" });
    expect(delivery).toMatchObject({ state: "pending", attempts: 1, lastError: { code: "SDX3003" } });
    // The retry runs in the VM that replaced the one thrown away, and stalls again at its own deadline.
    await t.clock!.advance(backoff.inMs);
    expect((await t.clock!.nextTimer("hook-timeout")).inMs).toBe(30_000);
    expect(t.host.agentEvents({ type: "job_completed" })).toMatchObject([{ state: "running", attempts: 2 }]);
  });
});
