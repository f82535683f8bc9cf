/**
 * `@job({ trigger: "on_event", event: "model_created" })`: a job starts for each model the
 * extension creates, gets the model's UUID, and its own models do not start it again.
 */
import { describe, expect, it } from "vitest";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { sdx, sdxJson, tempDir } from "./helpers/cli.js";

describe("model_created job trigger", () => {
  it("runs once per created model, with its uuid, without re-triggering itself", () => {
    const work = tempDir("sdx-model-trigger-");
    const project = join(work, "summarizer");
    expect(sdx(["init", project]).status).toBe(0);
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
}
`);
    writeFileSync(file, source);
    const notes = join(work, "notes");
    mkdirSync(notes);
    writeFileSync(join(notes, "a.txt"), "one two three");
    writeFileSync(join(notes, "b.txt"), "four five");
    const build = sdxJson<{ bundlePath: string }>(["build", project]);
    expect(build.status, build.stderr).toBe(0);
    const library = join(work, "library");
    const run = sdxJson<{ state: string }>(["run", build.json.bundlePath, "countAll", "--library", library, "--param", `location=${notes}`]);
    expect(run.json.state, run.stderr).toBe("completed");

    const jobs = sdxJson<{ jobs: Array<{ name: string; state: string }> } | Array<{ name: string; state: string }>>(["jobs", "list", "--library", library]).json;
    const list = Array.isArray(jobs) ? jobs : jobs.jobs;
    expect(list.filter((j) => j.name === "summarize").map((j) => j.state)).toEqual(["completed", "completed"]);
    const db = new Database(join(library, "library.db"), { readonly: true });
    const rows = db.prepare("SELECT json_extract(data, '$.words') AS words FROM models WHERE model_type = 'Summary' ORDER BY words").all() as Array<{ words: number }>;
    db.close();
    expect(rows.map((r) => r.words)).toEqual([2, 3]);
  });
});
