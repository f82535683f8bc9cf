/**
 * Issue 13 through the real CLI: crashes that became clear errors (exit 1 with a fix, never exit 3),
 * and `sdx run <bundle file>` no longer widening an installed extension's grants behind the user's
 * back. One project from `sdx init`, with a job that returns what only the protocol can carry.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHash, randomBytes } from "node:crypto";
import { closeSync, cpSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { sdx, sdxJson, tempDir } from "./helpers/cli.js";

const work = tempDir("sdx-crash-");
afterAll(() => rmSync(work, { recursive: true, force: true }));
const project = join(work, "counter");
const notesA = join(work, "notes-a");
const notesB = join(work, "notes-b");
let bundle = "";

const sha = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

beforeAll(async () => {
  expect((await sdx(["init", project])).status).toBe(0);
  const source = join(project, "src", "index.ts");
  // A job whose result holds a BigInt and a typed array: values the guest-host protocol carries and JSON has no type for.
  writeFileSync(source, readFileSync(source, "utf8").replace("  @task(", `  @job({ trigger: "user_initiated" })\n  async big(ctx: JobContext): Promise<unknown> {\n    return { huge: 2n ** 70n, bytes: new Uint8Array([1, 2, 3]) };\n  }\n\n  @task(`));
  const built = await sdxJson<{ bundlePath: string }>(["build", project]);
  expect(built.status, built.stderr).toBe(0);
  bundle = built.json.bundlePath;
  for (const [dir, text] of [[notesA, "alpha beta"], [notesB, "gamma delta epsilon"]] as const) {
    mkdirSync(dir);
    writeFileSync(join(dir, "note.txt"), text);
  }
}, 120_000);

describe("values that crossed the sandbox boundary serialize", () => {
  it("sdx run --json and sdx jobs show --json print a job's BigInt (as a decimal string) and typed array", async () => {
    const library = join(work, "big-library");
    const run = await sdxJson<{ state: string; jobId: string; result: unknown }>(["run", bundle, "big", "--library", library]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.json.result).toEqual({ huge: "1180591620717411303424", bytes: [1, 2, 3] });
    const shown = await sdxJson<{ result: unknown }>(["jobs", "show", run.json.jobId, "--library", library]);
    expect(shown.status, shown.stderr).toBe(0);
    expect(shown.json.result).toEqual({ huge: "1180591620717411303424", bytes: [1, 2, 3] });
    expect((await sdx(["jobs", "show", run.json.jobId, "--library", library])).stdout).toContain('"huge": "1180591620717411303424"');
  });
});

describe("a damaged library.db is a clear error that changes nothing", () => {
  let healthy = "";

  beforeAll(async () => {
    healthy = join(work, "healthy");
    // Enough entries that the entries table spans several pages.
    const many = join(work, "many");
    mkdirSync(many);
    for (let i = 0; i < 300; i++) writeFileSync(join(many, `file-${i}.txt`), `file number ${i}`);
    expect((await sdx(["index", many, "--library", healthy])).status).toBe(0);
    const db = new Database(join(healthy, "library.db"));
    db.pragma("wal_checkpoint(TRUNCATE)");
    db.close();
  });

  it("library.db of random bytes: exit 1 with SDX3034 and the way to recover; the file is untouched", async () => {
    const library = join(work, "random");
    mkdirSync(library);
    const file = join(library, "library.db");
    writeFileSync(file, randomBytes(64 * 1024));
    const before = sha(file);
    for (const args of [["jobs", "list"], ["grants"], ["index", notesA]]) {
      const result = await sdxJson<{ error: { code: string; message: string } }>([...args, "--library", library]);
      expect(result.status, args.join(" ")).toBe(1);
      expect(result.json.error.code).toBe("SDX3034");
      expect(result.json.error.message).toMatch(/is not a readable SQLite database.*Nothing was changed.*sdx library check.*library\.db-wal/);
    }
    expect(sha(file)).toBe(before);
    expect(existsSync(`${file}-wal`)).toBe(false);
    const check = await sdxJson<{ ok: boolean; problems: string[]; advice: string[] }>(["library", "check", "--library", library]);
    expect(check.status).toBe(1);
    expect(check.json.ok).toBe(false);
    expect(check.json.problems).toEqual([expect.stringMatching(/not a readable SQLite database/)]);
    expect(check.json.advice.join(" ")).toMatch(/backup/);
    expect(sha(file)).toBe(before);
  });

  it("library.db with one zeroed page of its entries: exit 1 with SDX3034 where it is read; sdx library check finds it", async () => {
    const library = join(work, "zeroed");
    cpSync(healthy, library, { recursive: true });
    const file = join(library, "library.db");
    const db = new Database(file, { readonly: true });
    const pageSize = db.pragma("page_size", { simple: true }) as number;
    const pages = db.prepare("SELECT pageno FROM dbstat WHERE name = 'entries' AND pagetype = 'leaf' ORDER BY pageno").all() as Array<{ pageno: number }>;
    db.close();
    expect(pages.length).toBeGreaterThan(2);
    const page = pages[Math.floor(pages.length / 2)]!.pageno;
    const fd = openSync(file, "r+");
    writeSync(fd, Buffer.alloc(pageSize), 0, pageSize, (page - 1) * pageSize);
    closeSync(fd);
    const before = sha(file);
    const index = await sdxJson<{ error: { code: string; message: string } }>(["index", join(work, "many"), "--library", library]);
    expect(index.status).toBe(1);
    expect(index.json.error.code).toBe("SDX3034");
    expect(sha(file)).toBe(before);
    const check = await sdxJson<{ ok: boolean; problems: string[] }>(["library", "check", "--library", library]);
    expect(check.status).toBe(1);
    expect(check.json.problems.length).toBeGreaterThan(0);
    expect((await sdx(["library", "check", "--library", library])).stdout).toMatch(/damaged[\s\S]*To recover[\s\S]*\.recover/);
    expect(sha(file)).toBe(before);
  });

  it("sdx library check says an intact library is intact", async () => {
    const check = await sdxJson<{ ok: boolean; problems: string[]; schemaVersion: number }>(["library", "check", "--library", healthy]);
    expect(check.status).toBe(0);
    expect(check.json).toMatchObject({ ok: true, problems: [] });
  });
});

describe("sdx run <bundle file> and the grants of an installed extension", () => {
  const library = join(work, "run-library");
  const grantsOf = async () => (await sdxJson<{ grants: Array<{ index: number; scope: string[] }> }>(["grants", "org.example.counter", "--library", library])).json.grants;

  it("a first run installs with what the bundle requests in the folder passed, and says so", async () => {
    const run = await sdxJson<{ state: string; grantChanges: Array<{ permission: number; from: unknown; to: string[] }> }>(["run", bundle, "countAll", "--library", library, "--param", `location=${notesA}`]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.json.grantChanges).toEqual([
      { permission: 0, sentence: "read files matching **/*.txt", from: null, to: [notesA] },
      { permission: 1, sentence: "add and remove tags", from: null, to: [notesA] },
    ]);
  });

  it("the same folder again changes nothing and asks nothing", async () => {
    const run = await sdxJson<{ grantChanges: unknown[] }>(["run", bundle, "countAll", "--library", library, "--param", `location=${notesA}`]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.json.grantChanges).toEqual([]);
  });

  it("another folder would widen the grants: refused without a terminal (SDX3033), nothing installed or run", async () => {
    const before = await grantsOf();
    const run = await sdxJson<{ error: { code: string; message: string } }>(["run", bundle, "countAll", "--library", library, "--param", `location=${notesB}`]);
    expect(run.status).toBe(1);
    expect(run.json.error.code).toBe("SDX3033");
    expect(run.json.error.message).toContain(`[0] read files matching **/*.txt: ${notesA} → ${notesA}, ${notesB}`);
    expect(run.json.error.message).toMatch(/Pass --yes to accept, or --grant <path>/);
    expect(await grantsOf()).toEqual(before);
  });

  it("--yes accepts the widening and prints what changed; --grant states the grants outright", async () => {
    const yes = await sdx(["run", bundle, "countAll", "--library", library, "--param", `location=${notesB}`, "--yes"]);
    expect(yes.status, yes.stderr).toBe(0);
    expect(yes.stderr).toContain(`[0] read files matching **/*.txt: ${notesA} → ${notesA}, ${notesB}`);
    expect((await grantsOf()).map((g) => g.scope)).toEqual([[notesA, notesB].sort(), [notesA, notesB].sort()]);
    const stated = await sdxJson<{ grantChanges: Array<{ from: string[]; to: string[] }> }>(["run", bundle, "countAll", "--library", library, "--param", `location=${notesB}`, "--grant", notesB]);
    expect(stated.status, stated.stderr).toBe(0);
    expect(stated.json.grantChanges.map((c) => c.to)).toEqual([[notesB], [notesB]]);
    expect((await grantsOf()).map((g) => g.scope)).toEqual([[notesB], [notesB]]);
  });

  it("a permission the user revoked is not granted again behind their back", async () => {
    expect((await sdx(["grants", "org.example.counter", "--library", library, "--revoke", "1"])).status).toBe(0);
    const run = await sdxJson<{ error: { code: string; message: string } }>(["run", bundle, "countAll", "--library", library, "--param", `location=${notesB}`]);
    expect(run.status).toBe(1);
    expect(run.json.error.message).toContain("[1] add and remove tags: not granted →");
  });
});
