/**
 * The author's loop end to end through the real CLI: `sdx init` anywhere on disk → `sdx build` →
 * `sdx run` against a real SQLite library, plus validate/inspect (the init project's own test,
 * after npm install: init-anywhere.test.ts).
 */
import { describe, expect, it, beforeAll } from "vitest";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { sdx, sdxJson, tempDir } from "./helpers/cli.js";

describe("sdx init → build → run", () => {
  const work = tempDir("sdx-e2e-");
  const project = join(work, "word-counter");
  const notes = join(work, "notes");
  let bundlePath = "";

  beforeAll(async () => {
    mkdirSync(notes);
    writeFileSync(join(notes, "a.txt"), "the quick brown fox");
    writeFileSync(join(notes, "b.txt"), "jumps over\nthe lazy dog again");
    writeFileSync(join(notes, "copy-of-a.txt"), "the quick brown fox");
    writeFileSync(join(notes, "image.png"), "not text");
  });

  it("init creates a project that builds without installing anything", async () => {
    const init = await sdxJson<{ id: string; files: string[] }>(["init", project]);
    expect(init.status).toBe(0);
    expect(init.json.id).toBe("org.example.word-counter");
    expect(init.json.files).toEqual(expect.arrayContaining(["package.json", "tsconfig.json", "src/index.ts", "ui_manifest.json", "prompts/summary.jinja", "test/extension.test.ts"]));
    expect(existsSync(join(project, "node_modules"))).toBe(false);

    const build = await sdxJson<{ ok: boolean; bundlePath: string; bundleSize: number }>(["build", project]);
    expect(build.status, build.stderr).toBe(0);
    expect(build.json.ok).toBe(true);
    expect(build.json.bundlePath).toBe(join(project, "dist", "org.example.word-counter-0.1.0.sdx.wasm"));
    bundlePath = build.json.bundlePath;
  });

  it("rebuilding the same sources gives a byte-identical bundle", async () => {
    const first = readFileSync(bundlePath);
    expect((await sdx(["build", project])).status).toBe(0);
    expect(readFileSync(bundlePath).equals(first)).toBe(true);
  });

  it("run executes the job in the sandbox and writes models and tags to a real SQLite library", async () => {
    const library = join(work, "library");
    const run = await sdxJson<{ state: string; library: { models: number } }>(["run", bundlePath, "countAll", "--library", library, "--param", `location=${notes}`]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.json.state).toBe("completed");
    expect(run.stderr).toContain("counted 3 files"); // console.log is routed to the extension's log

    const db = new Database(join(library, "library.db"), { readonly: true });
    const rows = db.prepare("SELECT data, hex(content_identity_uuid) AS content FROM models WHERE extension_id = ? AND model_type = 'Note' ORDER BY json_extract(data, '$.words')").all("org.example.word-counter") as Array<{ data: string; content: string }>;
    // a.txt and copy-of-a.txt share one content identity, so one Note each for 2 contents.
    expect(rows.map((r) => JSON.parse(r.data).words)).toEqual([4, 6]);
    const tagged = db.prepare(`SELECT count(DISTINCT e.uuid) AS n FROM entries e JOIN user_metadata um ON um.content_identity_uuid = e.content_identity_uuid
      JOIN tag_links tl ON tl.metadata_id = um.id JOIN tags t ON t.id = tl.tag_id WHERE t.name = '#counted'`).get() as { n: number };
    expect(tagged.n).toBe(3); // every entry whose content was tagged sees the tag
    // The extension's schema.sql registered its model type and a view over the model's fields.
    const view = db.prepare("SELECT name FROM sqlite_master WHERE type = 'view' AND name LIKE 'ext_%Note'").get() as { name: string };
    const words = db.prepare(`SELECT words FROM "${view.name}" ORDER BY words`).all() as Array<{ words: number }>;
    expect(words.map((w) => w.words)).toEqual([4, 6]);
    db.close();
  });

  it("validate accepts the bundle and refuses it with one byte changed", async () => {
    expect((await sdxJson(["validate", bundlePath])).status).toBe(0);
    const tampered = join(work, "tampered.sdx.wasm");
    const bytes = readFileSync(bundlePath);
    bytes[Math.floor(bytes.length / 2)] ^= 0xff;
    writeFileSync(tampered, bytes);
    const result = await sdxJson<{ ok: boolean; issues: Array<{ pointer: string; code: string; message: string }> }>(["validate", tampered]);
    expect(result.status).toBe(1);
    expect(result.json.ok).toBe(false);
    expect(result.json.issues).toEqual([{ pointer: "", code: "SDX2005", message: expect.stringMatching(/was modified after it was built/) }]);
  });

  it("inspect shows the manifest", async () => {
    const result = await sdxJson<{ manifest: { jobs: Array<{ name: string; params: Array<{ sdkType?: string }> }> } }>(["inspect", bundlePath]);
    expect(result.status).toBe(0);
    expect(result.json.manifest.jobs[0]).toMatchObject({ name: "countAll", params: [{ sdkType: "SdPath" }] });
  });

  it("a type error fails the build with file:line:col, a code and a hint", async () => {
    const broken = join(work, "broken");
    expect((await sdx(["init", broken])).status).toBe(0);
    const file = join(broken, "src", "index.ts");
    writeFileSync(file, readFileSync(file, "utf8").replace('version: "0.1.0",\n  description', 'version: "one",\n  description'));
    const result = await sdx(["build", broken]);
    expect(result.status).toBe(1);
    expect(result.stdout + result.stderr).toMatch(/src\/index\.ts:\d+:\d+ - error SDX1004/);
    expect(result.stdout + result.stderr).toMatch(/hint/);
    expect(existsSync(join(broken, "dist"))).toBe(false);
  });

  it("usage errors exit 2", async () => {
    expect((await sdx(["run"])).status).toBe(2);
  });
});
