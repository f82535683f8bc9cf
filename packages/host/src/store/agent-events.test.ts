import { afterEach, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { JobStore } from "./job-store.js";
import { newOwner, retireOwner } from "./owner.js";
import { wireError } from "../errors.js";
import { AgentEventStore } from "./agent-events.js";

const dirs: string[] = [];
const stores: JobStore[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function open(): { jobs: JobStore; events: AgentEventStore } {
  const dir = mkdtempSync(join(tmpdir(), "sdx-agent-events-"));
  dirs.push(dir);
  const jobs = JobStore.open(join(dir, "jobs.db"));
  stores.push(jobs);
  return { jobs, events: new AgentEventStore(jobs) };
}

function oneDelivery(events: AgentEventStore, key = "entry_indexed:e1"): string {
  const { id } = events.recordEvent({ key, type: "entry_indexed", sourceExtensionId: null, depth: 0, payload: { name: "a.txt" } });
  events.addDelivery(id, "org.example.a", "onNewEntry");
  return id;
}

describe("agent event store", () => {
  it("records an event once per key and a delivery once per hook", () => {
    const { events } = open();
    const first = events.recordEvent({ key: "model_created:m1", type: "model_created", sourceExtensionId: "x", depth: 0, payload: {} });
    const again = events.recordEvent({ key: "model_created:m1", type: "model_created", sourceExtensionId: "x", depth: 0, payload: {} });
    expect(first.inserted).toBe(true);
    expect(again).toEqual({ id: first.id, inserted: false });
    expect(events.addDelivery(first.id, "x", "onModelCreated")).toBe(true);
    expect(events.addDelivery(first.id, "x", "onModelCreated")).toBe(false);
    expect(events.list()).toHaveLength(1);
  });

  it("lets one live owner claim a delivery; a dead owner's claim is taken over with the same event id", () => {
    const { events } = open();
    const eventId = oneDelivery(events);
    const a = newOwner();
    const b = newOwner();
    const claimed = events.claimNext("org.example.a", a);
    expect(claimed).toMatchObject({ eventId, attempts: 1, payload: { name: "a.txt" } });
    expect(events.claimNext("org.example.a", b)).toBeNull(); // a is alive
    retireOwner(a); // as if its host died
    expect(events.claimNext("org.example.a", b)).toMatchObject({ eventId, attempts: 2 });
    events.delivered(claimed!, b, 3);
    expect(events.list()[0]).toMatchObject({ state: "delivered", attempts: 2, durationMs: 3 });
    retireOwner(b);
  });

  it("retries after the backoff, gives back untried deliveries, and ends failed", () => {
    const { events } = open();
    oneDelivery(events);
    const owner = newOwner();
    const first = events.claimNext("org.example.a", owner)!;
    events.release(first, owner);
    expect(events.list()[0]).toMatchObject({ state: "pending", attempts: 0 });
    const second = events.claimNext("org.example.a", owner)!;
    const retryAt = Date.now() + 60_000;
    events.attemptFailed(second, owner, wireError("SDX3006", "boom"), 1, retryAt);
    expect(events.claimNext("org.example.a", owner)).toBeNull();
    expect(events.nextDueAt()).toBe(retryAt);
    expect(events.claimNext("org.example.a", owner, retryAt)).toMatchObject({ attempts: 2 });
    events.attemptFailed({ ...second, attempts: 2 }, owner, wireError("SDX3006", "boom again"), 1, null);
    expect(events.list()[0]).toMatchObject({ state: "failed", attempts: 2, lastError: { code: "SDX3006", message: "boom again" }, nextAttemptAt: null });
    retireOwner(owner);
  });

  it("records job_completed in the statement that ends a job, with the depth of a hook-dispatched job", () => {
    const { jobs, events } = open();
    jobs.create({ id: "j1", extensionId: "org.example.a", name: "work", params: [] });
    events.setJobDepth("j1", 3);
    jobs.setState("j1", "running");
    expect(events.unfanned()).toEqual([]);
    jobs.setState("j1", "completed", { result: 1 });
    jobs.setState("j1", "completed", { result: 1 }); // no second event
    expect(events.unfanned()).toMatchObject([
      { type: "job_completed", sourceExtensionId: "org.example.a", depth: 3, payload: { jobId: "j1", extension: "org.example.a", name: "work", state: "completed" } },
    ]);
    const [event] = events.unfanned();
    expect(event!.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    events.settleFanOut(event!.id, 0); // nobody listens: the event is dropped
    expect(events.unfanned()).toEqual([]);
  });
});
