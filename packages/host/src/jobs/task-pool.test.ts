import { describe, expect, it, vi } from "vitest";
import { QuickJSSandbox, type SandboxInstance } from "@sdx/sandbox";
import { guest, jobInvocation, recordingCalls } from "@sdx/sandbox/testing";
import { TaskPool } from "./task-pool.js";

const GUEST = guest(`{ async add(ctx, a, b) { return a + b; } }`);

/** A pool of real in-thread VMs, each instance's `warm` watched. */
function pool(capacity: number) {
  const sandbox = new QuickJSSandbox();
  const made: SandboxInstance[] = [];
  const warms: Array<ReturnType<typeof vi.spyOn>> = [];
  const tasks = new TaskPool(() => {
    const instance = sandbox.createInstance({ name: `task-${made.length}`, guestJs: GUEST, calls: recordingCalls() });
    warms.push(vi.spyOn(instance, "warm"));
    made.push(instance);
    return instance;
  }, capacity);
  return { pool: tasks, made, warms };
}

describe("TaskPool.prewarm", () => {
  it("starts one VM ahead of need, and the first task runs in it", async () => {
    const { pool: tasks, made, warms } = pool(2);
    tasks.prewarm();
    expect(made).toHaveLength(1);
    // Its VM is started now, before any task asks for it.
    expect(warms[0]).toHaveBeenCalledTimes(1);
    const used = await tasks.use(async (instance) => {
      const result = await instance.invoke(jobInvocation("add", [2, 3]));
      return { instance, result };
    });
    expect(used.instance).toBe(made[0]);
    expect(used.result).toEqual({ ok: true, value: 5 });
    expect(made[0]!.stats.invocations).toBe(1);
    tasks.dispose();
  });

  it("does nothing when the pool already has an instance, or may have none", async () => {
    const { pool: tasks, made } = pool(1);
    await tasks.use(async () => undefined);
    tasks.prewarm();
    expect(made).toHaveLength(1);
    tasks.dispose();

    const empty = pool(0);
    empty.pool.prewarm();
    expect(empty.made).toHaveLength(0);
  });
});
