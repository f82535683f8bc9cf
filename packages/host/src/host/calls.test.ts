/**
 * The call pipeline decides by the op table's effects alone: an op added to the table is keyed,
 * gated and filtered by its effect without touching any other file.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { ops, type WireResult } from "@sdx/sdk/protocol";
import { createDispatcher } from "../ops/dispatch.js";
import { EventBus } from "../ops/events.js";
import type { OpContext, OpHandlers } from "../ops/context.js";
import { WriteGate } from "../actions/write-gate.js";
import { ExecuteRecorder } from "../actions/execute-recorder.js";
import { ReadSet } from "../actions/read-set.js";
import { WriteScope } from "../jobs/write-keys.js";
import { guestCalls, type CallDeps } from "./calls.js";

const table = ops as unknown as Record<string, unknown>;
const seen: Array<{ op: string; writeUuid: string | undefined }> = [];

beforeAll(() => {
  // Two ops that exist nowhere else: one that writes, one that reads.
  table["test.fakeWrite"] = { request: z.object({ n: z.number() }).strict(), response: z.null(), effect: "write", sync: false, library: false };
  table["test.fakeRead"] = { request: z.object({ n: z.number() }).strict(), response: z.null(), effect: "read", sync: false, library: false };
});
afterAll(() => {
  delete table["test.fakeWrite"];
  delete table["test.fakeRead"];
});

const handlers = {
  "test.fakeWrite": (ctx: OpContext) => void seen.push({ op: "test.fakeWrite", writeUuid: ctx.writeUuid }),
  "test.fakeRead": (ctx: OpContext) => void seen.push({ op: "test.fakeRead", writeUuid: ctx.writeUuid }),
} as unknown as OpHandlers;

const ctx = { extensionId: "org.example.test", manifest: null, jobId: null, phase: "normal", origin: { kind: "other" }, events: new EventBus() } as unknown as OpContext;

function deps(gate = new WriteGate()): CallDeps {
  return { dispatch: createDispatcher(handlers), gate, events: new EventBus(), stopReason: () => null };
}

describe("the call pipeline, driven by the op table", () => {
  it("gives a write op added to the table a write key inside a job, the same key on a replay, none to a read", async () => {
    seen.length = 0;
    const job = () => guestCalls(deps(), ctx, { kind: "job", jobId: "job-1", writes: WriteScope.job("job-1") });
    const first = job();
    expect(await first.call("test.fakeWrite", { n: 1 })).toEqual({ ok: true, value: null });
    await first.call("test.fakeWrite", { n: 1 }); // the same request again: its next occurrence
    await first.call("test.fakeRead", { n: 1 });
    await job().call("test.fakeWrite", { n: 1 }); // a resumed run repeats the first write
    const [a, b, read, replay] = seen;
    expect(a!.writeUuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(b!.writeUuid).not.toBe(a!.writeUuid);
    expect(read!.writeUuid).toBeUndefined();
    expect(replay!.writeUuid).toBe(a!.writeUuid);
  });

  it("makes the new write op wait for an action's apply at the write gate", async () => {
    seen.length = 0;
    const gate = new WriteGate();
    const calls = guestCalls(deps(gate), ctx, { kind: "other" });
    let release!: () => void;
    const applying = gate.exclusive(() => new Promise<void>((resolve) => (release = resolve)));
    const write = calls.call("test.fakeWrite", { n: 2 });
    const read = await calls.call("test.fakeRead", { n: 2 }); // reads do not wait
    expect(read.ok).toBe(true);
    expect(seen.map((s) => s.op)).toEqual(["test.fakeRead"]);
    release();
    await applying;
    await write;
    expect(seen.map((s) => s.op)).toEqual(["test.fakeRead", "test.fakeWrite"]);
  });

  it("refuses the new write op in an action's preview and records it in the execute step", async () => {
    seen.length = 0;
    const refused: string[] = [];
    const preview = guestCalls(deps(), ctx, { kind: "preview", action: "tidy", actionId: "a-1", reads: new ReadSet(), refused });
    const answer = (await preview.call("test.fakeWrite", { n: 3 })) as Extract<WireResult, { ok: false }>;
    expect(answer.error.code).toBe("SDX3015");
    expect(refused).toEqual(["test.fakeWrite"]);
    expect((await preview.call("test.fakeRead", { n: 3 })).ok).toBe(true);

    const recorder = new ExecuteRecorder([]);
    const execute = guestCalls(deps(), ctx, { kind: "execute", recorder });
    const recorded = (await execute.call("test.fakeWrite", { n: 3 })) as Extract<WireResult, { ok: false }>;
    expect(recorded.error.code).toBe("SDX3015"); // it has no ActionChange form: never applied
    expect(recorder.problem).toMatch(/test\.fakeWrite/);
    expect(seen.map((s) => s.op)).toEqual(["test.fakeRead"]);
  });

  it("stops a job's calls once the job must stop, but keeps answering jobs.status", async () => {
    const stopping: CallDeps = { ...deps(), stopReason: () => ({ code: "SDX3019", name: "JobCancelled", message: "the job was cancelled" }) };
    const calls = guestCalls(stopping, ctx, { kind: "task", jobId: "job-2", writes: WriteScope.job("job-2") });
    expect(await calls.call("test.fakeRead", { n: 4 })).toMatchObject({ ok: false, error: { code: "SDX3019" } });
    expect(await calls.call("jobs.status", { jobId: "job-2" })).toMatchObject({ ok: false, error: { code: "SDX3007" } }); // reached dispatch
  });
});
