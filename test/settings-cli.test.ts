/** `sdx settings` changes what an extension's code sees in `this.config` / `ctx.config()`. */
import { beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { sdx, sdxJson, tempDir } from "./helpers/cli.js";

describe("sdx settings", () => {
  const work = tempDir("sdx-settings-");
  const library = join(work, "library");
  const notes = join(work, "notes");
  const words = () => {
    const db = new Database(join(library, "library.db"), { readonly: true });
    const row = db.prepare("SELECT json_extract(data, '$.words') AS w FROM models WHERE model_type = 'Note'").get() as { w: number };
    db.close();
    return row.w;
  };

  // A project with a setting, built and run once with the default (a hook: a test's time bound is
  // for the settings themselves, not for init, build and a first run on a busy machine).
  beforeAll(async () => {
    const project = join(work, "counter");
    expect((await sdx(["init", project])).status).toBe(0);
    const file = join(project, "src", "index.ts");
    let source = readFileSync(file, "utf8");
    source = source
      .replace('import { extension,', 'import { setting, extension,')
      .replace("@extension({", `export class CounterConfig {\n  @setting({ label: "Count words twice", default: false })\n  double!: boolean;\n}\n\n@extension({`)
      .replace("export class Counter {\n", "export class Counter {\n  config!: CounterConfig;\n")
      .replace("note.words = await ctx.run(this.countWords, entry);", "note.words = (await ctx.run(this.countWords, entry)) * (this.config.double ? 2 : 1);");
    writeFileSync(file, source);
    mkdirSync(notes);
    writeFileSync(join(notes, "a.txt"), "one two three");
    const build = await sdxJson<{ bundlePath: string }>(["build", project]);
    expect(build.status, build.stderr).toBe(0);
    const first = await sdxJson(["run", build.json.bundlePath, "countAll", "--library", library, "--param", `location=${notes}`]);
    expect(first.status, JSON.stringify(first.json) + first.stderr).toBe(0);
    expect(words()).toBe(3);
  });

  it("stores validated values that the next job run receives", async () => {
    const id = "org.example.counter";
    expect((await sdxJson<{ values: Record<string, unknown> }>(["settings", id, "--library", library])).json.values).toEqual({ double: false });
    const refused = await sdxJson<{ error: { code: string; message: string } }>(["settings", id, "--library", library, "--set", "double=yes"]);
    expect(refused.status).toBe(1);
    expect(refused.json.error).toMatchObject({ code: "SDX3002" });
    expect((await sdxJson(["settings", id, "--library", library, "--set", "double=true"])).status).toBe(0);
    expect((await sdxJson(["run", id, "countAll", "--library", library, "--param", `location=${notes}`])).status).toBe(0);
    expect(words()).toBe(6); // content-scoped model updated in place with the new setting
  });
});
