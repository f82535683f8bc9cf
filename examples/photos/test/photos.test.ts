/**
 * The Photos extension's own tests, on @sdx/testing: the real sandbox, a real temporary library,
 * the shipped face models (real ONNX) and sample photos, a fake language model for captions
 * (a deterministic function behind a loopback server), the fake clock for retry backoff, a crash
 * in the middle of the analysis, and what the agent does when photos arrive.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createTestHost, type TestHost } from "@sdx/testing";

const PROJECT = fileURLToPath(new URL("../", import.meta.url));
const sample = (name: string) => readFileSync(new URL(`../samples/${name}`, import.meta.url));
const SAMPLES = { "biden.jpg": sample("biden.jpg"), "obama.jpg": sample("obama.jpg"), "obama2.jpg": sample("obama2.jpg"), "obama_small.jpg": sample("obama_small.jpg") };
/** The fake caption model: a function of the rendered prompt. */
const caption = (prompt: string) => `a photo (${prompt.length} characters of prompt)`;

let bundle = "";
const hosts: TestHost[] = [];
async function photosHost(options: Parameters<typeof createTestHost>[0] = {}): Promise<TestHost> {
  const t = await createTestHost({ bundle, ...options });
  hosts.push(t);
  return t;
}

beforeAll(async () => {
  // Built once (what `sdx build` makes), installed fresh in each test's library.
  const first = await createTestHost({ project: PROJECT, install: false });
  bundle = first.bundlePath;
  await first.close();
});
afterAll(async () => {
  for (const t of hosts) await t.close();
});

describe("Photos", () => {
  it("finds 4 faces of 2 people in the samples with the shipped models, and captions each photo", async () => {
    // Without dispatch_jobs the agent cannot start analyses by itself: this test runs the job.
    const t = await photosHost({ deny: ["dispatch_jobs"] });
    await t.addModelFile("face_detection", fileURLToPath(new URL("../models/version-RFB-320.onnx", import.meta.url)));
    await t.addModelFile("face_embedding", fileURLToPath(new URL("../models/MobileFaceNet.onnx", import.meta.url)));
    await t.fakeModel("caption", { category: "llm", generate: caption });
    const { path } = await t.addFiles(SAMPLES);

    const outcome = await t.runJob("analyzePhotos", { location: path });
    expect(outcome.state, JSON.stringify(outcome.error)).toBe("completed");
    expect(outcome.result).toMatchObject({ analyzed: 4, faces: 4, people: 2, detecting: true, grouping: true });

    const analyses = t.models("PhotoAnalysis");
    expect(analyses.map((m) => m.path).sort()).toEqual(["biden.jpg", "obama.jpg", "obama2.jpg", "obama_small.jpg"]);
    const prompts = t.modelCalls.filter((c) => c.op === "generate").map((c) => String(c.input));
    expect(prompts).toHaveLength(4);
    expect(analyses.map((m) => (m.data as { caption: string }).caption).sort()).toEqual(prompts.map(caption).sort());
    // One person tag on each photo; the three Obama photos share theirs.
    const people = t.tags().filter((l) => l.tag.startsWith("#person:"));
    expect(new Set(people.map((l) => l.tag)).size).toBe(2);
    expect(people.map((l) => l.path).sort()).toEqual(["biden.jpg", "obama.jpg", "obama2.jpg", "obama_small.jpg"]);
    expect(t.tags("#analyzed")).toHaveLength(4);
  });

  it("the agent's dispatch is refused and audited without the dispatch_jobs grant, and retried after its backoff on the fake clock", async () => {
    const t = await photosHost({ deny: ["dispatch_jobs"] });
    await t.addFiles({ "biden.jpg": SAMPLES["biden.jpg"] });
    await t.idle();
    expect(t.denials()).toEqual([expect.objectContaining({ op: "jobs.dispatch", result: "denied" })]);
    expect(t.host.agentEvents({ extensionId: t.extensionId })).toEqual([
      expect.objectContaining({ hook: "onNewPhoto", state: "pending", attempts: 1, lastError: expect.objectContaining({ code: "SDX3001" }) }),
    ]);
    expect(t.host.listJobs({ extensionId: t.extensionId })).toEqual([]);

    // The hook's retry waits on the clock: nothing happens until the test advances it.
    const retry = await t.clock!.nextTimer("hook-retry");
    await t.clock!.advance(retry.inMs);
    await t.idle();
    expect(t.host.agentEvents({ extensionId: t.extensionId })).toEqual([expect.objectContaining({ state: "pending", attempts: 2 })]);
    expect(t.denials()).toHaveLength(2);
  });

  it("analyzes new photos by itself: the hook dispatches the job, the plan empties when it ends", async () => {
    const t = await photosHost();
    await t.fakeModel("caption", { category: "llm", generate: caption });
    await t.addFiles(SAMPLES);
    await t.idle();
    // One job per folder while it is queued; photos indexed after it started get another.
    const jobs = t.host.listJobs({ extensionId: t.extensionId });
    expect(jobs.length).toBeGreaterThanOrEqual(1);
    expect(jobs.every((j) => j.name === "analyzePhotos" && j.state === "completed")).toBe(true);
    expect(t.models("PhotoAnalysis")).toHaveLength(4);
    expect(t.tags("#new-photo")).toHaveLength(4);
    const history = t.memory("history");
    expect(history.kind === "temporal" && history.events.map((e) => e.event)).toEqual(Array(4).fill(expect.objectContaining({ kind: "seen" })));
    expect(t.memory("plan")).toEqual({ kind: "working", value: { pending: [] } });
  });

  it("retries a caption the model failed once, after its backoff on the fake clock", async () => {
    const t = await photosHost({ deny: ["dispatch_jobs"] });
    const failed = new Set<string>();
    await t.fakeModel("caption", {
      category: "llm",
      generate: (prompt) => {
        if (!failed.has(prompt)) {
          failed.add(prompt);
          throw new Error("the model is busy");
        }
        return caption(prompt);
      },
    });
    const { path } = await t.addFiles({ "biden.jpg": SAMPLES["biden.jpg"], "obama.jpg": SAMPLES["obama.jpg"] });
    // Each caption task fails once and waits its backoff: the clock jumps to it instead of waiting.
    const outcome = await t.clock!.skipWhile(t.runJob("analyzePhotos", { location: path }));
    expect(outcome.state, JSON.stringify(outcome.error)).toBe("completed");
    expect(t.host.jobEvents(outcome.jobId, ["task_attempt_failed"])).toHaveLength(2);
    expect(t.models("PhotoAnalysis").map((m) => (m.data as { caption?: string }).caption)).toEqual([expect.stringMatching(/^a photo/), expect.stringMatching(/^a photo/)]);
  });

  it("finishes an analysis killed at its 12th host call with the same library as an uninterrupted one", async () => {
    const t = await photosHost({ deny: ["dispatch_jobs"] });
    await t.fakeModel("caption", { category: "llm", generate: caption });
    const { path } = await t.addFiles(SAMPLES);
    const crash = await t.crashJob("analyzePhotos", { location: path }, { atCall: 12 });
    expect(crash).toMatchObject({ crashed: true, state: "running" });
    // Some work was done before the kill, not all of it.
    expect(t.models("PhotoAnalysis").length).toBeLessThan(4);

    const resumed = await t.resumeJob(crash.jobId);
    expect(resumed.state, JSON.stringify(resumed.error)).toBe("completed");
    const after = t.models("PhotoAnalysis").map((m) => ({ path: m.path, data: m.data, tags: m.tags })).sort((a, b) => a.path!.localeCompare(b.path!));

    const reference = await photosHost({ deny: ["dispatch_jobs"] });
    await reference.fakeModel("caption", { category: "llm", generate: caption });
    const ref = await reference.addFiles(SAMPLES);
    expect((await reference.runJob("analyzePhotos", { location: ref.path })).state).toBe("completed");
    const expected = reference.models("PhotoAnalysis").map((m) => ({ path: m.path, data: m.data, tags: m.tags })).sort((a, b) => a.path!.localeCompare(b.path!));
    expect(after).toEqual(expected);
    expect(t.tags("#analyzed")).toHaveLength(4);
  }, 180_000); // two analyses and a child host process
});
