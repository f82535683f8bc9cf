/** Named queries end to end: declared with @query(), run from a job with ctx.query() and from `sdx query`. */
import { beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sdx, sdxJsonAsync, tempDir } from "./helpers/cli.js";

interface Row { kind: string; title: string; data: Record<string, unknown> }

// Setup (init, build, runs) is in beforeAll and each check spawns a few `sdx` processes, without
// blocking the test worker (a worker blocked for a minute loses vitest's RPC on a busy machine).
describe("named queries", () => {
  const id = "org.example.counter";
  let library = "";
  let reportResult: unknown;

  beforeAll(async () => {
    const work = tempDir("sdx-query-");
    const project = join(work, "counter");
    expect(sdx(["init", project]).status).toBe(0);
    const file = join(project, "src", "index.ts");
    writeFileSync(file, readFileSync(file, "utf8")
      .replace("import { extension,", "import { query, type Query, extension,")
      .replace("export class Counter {\n", `export class Counter {
  @query({ label: "Long notes" })
  longNotes(q: Query, min?: number) {
    return q.models(Note).where("words", ">=", min).orderBy("words", "desc").show({ title: "title" });
  }

  @query()
  counted(q: Query) {
    return q.entries().withTag("#counted").orderBy("name");
  }

  @job()
  async report(ctx: JobContext): Promise<string[]> {
    const titles: string[] = [];
    for await (const row of ctx.queryAll("longNotes", { min: 3 })) titles.push(row.title);
    return titles;
  }
`));
    const notes = join(work, "notes");
    mkdirSync(notes);
    writeFileSync(join(notes, "a.txt"), "one two three");
    writeFileSync(join(notes, "b.txt"), "four five");
    writeFileSync(join(notes, "c.txt"), "six seven eight nine");
    const build = await sdxJsonAsync<{ bundlePath: string }>(["build", project]);
    expect(build.status, build.stderr).toBe(0);
    library = join(work, "library");
    expect((await sdxJsonAsync(["run", build.json.bundlePath, "countAll", "--library", library, "--param", `location=${notes}`])).status).toBe(0);
    const report = await sdxJsonAsync<{ result: unknown }>(["run", id, "report", "--library", library]);
    expect(report.status, report.stderr).toBe(0);
    reportResult = report.json.result;
  });

  it("run from a job with ctx.queryAll", async () => {
    expect(reportResult).toEqual(["c.txt", "a.txt"]);
  });

  it("run from the CLI, paged by cursor, with bound parameters", async () => {
    const all = await sdxJsonAsync<{ rows: Row[]; nextCursor: string | null }>(["query", `${id}.longNotes`, "--library", library]);
    expect(all.json.rows.map((r) => [r.title, r.data.words])).toEqual([["c.txt", 4], ["a.txt", 3], ["b.txt", 2]]);
    const first = await sdxJsonAsync<{ rows: Row[]; nextCursor: string }>(["query", `${id}.longNotes`, "--library", library, "--limit", "2"]);
    expect(first.json.rows).toHaveLength(2);
    const rest = await sdxJsonAsync<{ rows: Row[]; nextCursor: string | null }>(["query", `${id}.longNotes`, "--library", library, "--limit", "2", "--cursor", first.json.nextCursor]);
    expect(rest.json.rows.map((r) => r.title)).toEqual(["b.txt"]);
    expect((await sdxJsonAsync<{ rows: Row[] }>(["query", `${id}.longNotes`, "--library", library, "--param", "min=4"])).json.rows.map((r) => r.title)).toEqual(["c.txt"]);
  });

  it("run over entries, named or in the filter language", async () => {
    expect((await sdxJsonAsync<{ rows: Row[] }>(["query", `${id}.counted`, "--library", library])).json.rows.map((r) => [r.kind, r.title])).toEqual([["entry", "a.txt"], ["entry", "b.txt"], ["entry", "c.txt"]]);
    expect((await sdxJsonAsync<{ rows: Row[] }>(["query", id, "--filter", "tags = '#counted' AND name LIKE 'b%'", "--library", library])).json.rows.map((r) => r.title)).toEqual(["b.txt"]);
  });

  it("refuse an injected parameter, an unknown query and filter text outside the language", async () => {
    const injected = await sdxJsonAsync<{ error: { code: string; message: string } }>(["query", `${id}.longNotes`, "--library", library, "--param", "min=1 OR 1=1"]);
    expect(injected.status).toBe(1);
    expect(injected.json.error).toMatchObject({ code: "SDX3055", message: expect.stringContaining('parameter "min" must be "number"') });
    const unknown = await sdxJsonAsync<{ error: { code: string } }>(["query", `${id}.nothing`, "--library", library]);
    expect(unknown.json.error.code).toBe("SDX3055");
    const outside = await sdxJsonAsync<{ error: { code: string; message: string } }>(["query", id, "--filter", "name = 'a.txt' OR name = 'b.txt'", "--library", library]);
    expect(outside.json.error).toMatchObject({ code: "SDX3055", message: expect.stringContaining("OR is not part of the filter language") });
  });
});
