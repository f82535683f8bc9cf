/**
 * `@job({ trigger: "on_event", event: "model_created" })`: a job starts for each model the
 * extension creates, gets the model's UUID, and its own models do not start it again.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { Host } from "@sdx/host";
import { FakeClock } from "../packages/testing/src/fake-clock.js";
import { sdx, sdxJson, tempDir } from "./helpers/cli.js";

let ticks: { library: string; bundle: string };
const work = tempDir("sdx-model-trigger-");
const notes = join(work, "notes");
let bundlePath = "";

describe("event and scheduled job triggers", () => {
  // The project, made and built in a hook (init and build are not what the tests time-bound).
  beforeAll(async () => {
    const project = join(work, "summarizer");
    expect((await sdx(["init", project])).status).toBe(0);
    const file = join(project, "src", "index.ts");
    const source = readFileSync(file, "utf8")
      .replace("@extension({", `@model({ version: "1.0.0", scope: "standalone", sync: "shared" })
export class Summary {
  id!: Uuid;
  note!: Uuid;
  words!: number;
}

@extension({`)
      .replace(/\n}\n$/, `
  @job({ trigger: "on_event", event: "model_created", kinds: ["Note"] })
  async summarize(ctx: JobContext, noteId: Uuid): Promise<void> {
    const note = await ctx.vdfs().getModel(Note, noteId);
    const summary = new Summary();
    summary.note = noteId;
    summary.words = note?.words ?? -1;
    await ctx.vdfs().createModel(summary); // a model of this job: must not start summarize again
  }

  @job({ trigger: "on_event", event: "job_completed" })
  async afterJob(ctx: JobContext, done: { jobId: string; name: string; state: string }): Promise<void> {
    console.log(\`after \${done.name} \${done.state}\`); // its own completions never start it again
  }

  @job({ trigger: "scheduled", everySeconds: 1 })
  async tick(ctx: JobContext): Promise<void> {
    console.log("tick");
  }
}
`);
    writeFileSync(file, source);
    mkdirSync(notes);
    writeFileSync(join(notes, "a.txt"), "one two three");
    writeFileSync(join(notes, "b.txt"), "four five");
    const build = await sdxJson<{ bundlePath: string }>(["build", project]);
    expect(build.status, build.stderr).toBe(0);
    bundlePath = build.json.bundlePath;
  });

  it("model_created runs once per created model with its uuid and never re-triggers itself", async () => {
    const library = join(work, "library");
    const run = await sdxJson<{ state: string }>(["run", bundlePath, "countAll", "--library", library, "--param", `location=${notes}`]);
    expect(run.json.state, run.stderr).toBe("completed");

    const jobs = (await sdxJson<{ jobs: Array<{ name: string; state: string }> } | Array<{ name: string; state: string }>>(["jobs", "list", "--library", library])).json;
    const list = Array.isArray(jobs) ? jobs : jobs.jobs;
    expect(list.filter((j) => j.name === "summarize").map((j) => j.state)).toEqual(["completed", "completed"]);
    const db = new Database(join(library, "library.db"), { readonly: true });
    const rows = db.prepare("SELECT json_extract(data, '$.words') AS words FROM models WHERE model_type = 'Summary' ORDER BY words").all() as Array<{ words: number }>;
    db.close();
    expect(rows.map((r) => r.words)).toEqual([2, 3]);

    // scheduled: queued every second while a host is open, never two at once.
    // (A Host in this process, as an app embedding sdx would keep one open.)
    ticks = { library, bundle: bundlePath };
  });

  it("scheduled jobs run every everySeconds while a host is open; job_completed follows every other job", async () => {
    const clock = new FakeClock();
    const host = await Host.open({ libraryDir: ticks.library, clock });
    try {
      // Two slots of the 1 s schedule: the clock jumps to each (and lets the tick it queues finish) instead of the test waiting.
      for (let slot = 0; slot < 2; slot++) {
        await clock.advance((await clock.nextTimer("schedule")).inMs);
        await host.idle();
      }
      // A tick may be starting right now: count the completed ones.
      const done = host.listJobs({ extensionId: "org.example.summarizer" }).filter((j) => j.name === "tick" && j.state === "completed");
      expect(done.length).toBeGreaterThanOrEqual(2);
      // job_completed: one afterJob per other job that ended (countAll, both summarize, the ticks), none for itself.
      const all = host.listJobs({ extensionId: "org.example.summarizer" });
      const after = all.filter((j) => j.name === "afterJob").map((j) => (j.params[0] as { name: string; jobId: string }));
      expect(after.every((d) => d.name !== "afterJob")).toBe(true);
      const earlier = all.filter((j) => j.name === "countAll" || j.name === "summarize").map((j) => j.id);
      expect(earlier).toHaveLength(3);
      for (const id of earlier) expect(after.filter((d) => d.jobId === id)).toHaveLength(1);
    } finally {
      await host.close();
    }
  });
});
