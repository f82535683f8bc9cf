/**
 * Actions that move and write files, through the Host over a real library and real files: the
 * preview shows every move with source and destination and changes nothing; execute moves the
 * files and their entry rows (UUID, content and tags stay), so indexing again finds nothing moved;
 * undo puts everything back. Each failure (a collision, a destination outside the grant, a file
 * changed since the preview, a read-only target, a call outside an action) applies nothing and
 * loses no file: the files on disk and the library are exactly as before. (A host killed in the
 * middle of a batch: file-actions-crash.test.ts.)
 */
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { Host } from "@sdx/host";
import { writeBundle } from "@sdx/bundle-format";
import { guest } from "@sdx/sandbox/testing";
import { exactDump } from "../packages/host/src/jobs/__tests__/library-dump.js";
import { tempDir } from "./helpers/cli.js";
import { listing } from "./helpers/files.js";
import { EXTENSION, GUEST_HANDLERS, MANIFEST } from "./fixtures/file-actions/extension.mjs";

/** Makes `dir` read-only for this process: mode 0555, or the immutable flag for root (who ignores modes). */
function readOnly(dir: string): () => void {
  if (process.getuid?.() !== 0) {
    fs.chmodSync(dir, 0o555);
    return () => fs.chmodSync(dir, 0o755);
  }
  execFileSync("chattr", ["+i", dir]);
  return () => execFileSync("chattr", ["-i", dir]);
}

const roots: string[] = [];
let host: Host;
let photos: string;
let outside: string;

beforeEach(async () => {
  const root = fs.realpathSync(tempDir("sdx-files-"));
  roots.push(root);
  photos = path.join(root, "photos");
  outside = path.join(root, "elsewhere");
  fs.mkdirSync(path.join(photos, "trip"), { recursive: true });
  fs.mkdirSync(outside);
  // Distinct bytes per file (content identities), one camera-style upper-case name.
  for (const [name, i] of [["trip/a.jpg", 1], ["trip/IMG_0002.JPG", 2], ["c.jpg", 3], ["notes.txt", 4]] as const) {
    fs.writeFileSync(path.join(photos, name), Buffer.alloc(256 + i, i));
  }
  host = await Host.open({ libraryDir: path.join(root, "library"), recover: false });
  const bundle = await writeBundle({ manifestJson: JSON.stringify(MANIFEST), guestJs: guest(GUEST_HANDLERS), schemaSql: "", uiManifestJson: null, prompts: {}, assets: {}, kernels: null });
  await host.install(bundle, { grants: MANIFEST.permissions.map((_, permission) => ({ permission, scope: [photos] })) });
  await host.index(photos, { media: false });
});

afterEach(async () => {
  await host.close();
});

afterAll(() => {
  for (const root of roots) fs.rmSync(root, { recursive: true, force: true });
});

const entryRows = () => host.library.db.prepare("SELECT hex(uuid) AS uuid, relative_path AS path, hex(content_identity_uuid) AS content FROM entries WHERE is_dir = 0 ORDER BY uuid").all() as Array<{ uuid: string; path: string; content: string }>;

describe("actions that move files", () => {
  it("previews moves with source and destination, applies them with the entries, and undo puts everything back", async () => {
    expect((await host.runJob(EXTENSION, "tagAll", { tag: "#kept" })).state).toBe("completed");
    const files = listing(photos);
    const dump = exactDump(host.library.db);
    const rows = entryRows();
    const target = path.join(photos, "gathered");

    const previewed = await host.previewAction(EXTENSION, "gather", { target });
    expect(previewed.state).toBe("previewed");
    expect(previewed.preview!.changes.map((c) => c.type)).toEqual(["create_directory", "move_file", "move_file", "move_file", "write_file"]);
    // The camera's upper-case IMG_0002.JPG is readable through "**/*.jpg": globs ignore case.
    expect(previewed.preview!.changes.filter((c) => c.type === "move_file").map((c) => c.type === "move_file" && [c.from.path, c.to.path])).toEqual([
      [path.join(photos, "c.jpg"), path.join(target, "c.jpg")],
      [path.join(photos, "trip/IMG_0002.JPG"), path.join(target, "IMG_0002.JPG")],
      [path.join(photos, "trip/a.jpg"), path.join(target, "a.jpg")],
    ]);
    expect(listing(photos)).toEqual(files);
    expect(exactDump(host.library.db)).toBe(dump);

    expect(await host.executeAction(previewed.actionId)).toMatchObject({ state: "executed" });
    expect(Object.keys(listing(photos)).sort()).toEqual(["gathered/IMG_0002.JPG", "gathered/a.jpg", "gathered/c.jpg", "gathered/gathered.m3u", "notes.txt"]);
    expect(fs.readFileSync(path.join(target, "gathered.m3u"), "utf8")).toBe("c.jpg\nIMG_0002.JPG\na.jpg\n");
    // Same entries (UUID, content), new paths; the tag on their content is still theirs.
    const moved = entryRows();
    expect(moved.filter((r) => rows.some((o) => o.uuid === r.uuid)).map((r) => [r.uuid, r.content])).toEqual(rows.map((r) => [r.uuid, r.content]));
    expect(moved.map((r) => r.path).sort()).toEqual(["gathered/IMG_0002.JPG", "gathered/a.jpg", "gathered/c.jpg", "gathered/gathered.m3u", "notes.txt"]);
    expect((await host.previewAction(EXTENSION, "gather", { target: path.join(photos, "again") })).preview!.changes).toHaveLength(5);
    expect(host.library.db.prepare("SELECT count(*) AS n FROM audit_log WHERE who = ? AND op = 'files.move' AND result = 'ok'").get(EXTENSION)).toEqual({ n: 3 });

    const undone = await host.undoAction(previewed.actionId);
    expect({ state: undone.state, error: undone.error?.message }).toEqual({ state: "undone", error: undefined });
    expect(listing(photos)).toEqual(files);
    expect(fs.existsSync(target)).toBe(false);
    expect(exactDump(host.library.db)).toBe(dump);
  });

  it("keeps the index consistent: indexing again after the moves finds nothing moved, added or deleted", async () => {
    const previewed = await host.previewAction(EXTENSION, "gather", { target: path.join(photos, "gathered") });
    expect((await host.executeAction(previewed.actionId)).state).toBe("executed");
    expect(await host.index(photos, { media: false })).toMatchObject({ added: 0, updated: 0, moved: 0, deleted: 0, unchanged: 5, errors: 0 });
  });
});

describe("undo of file operations", () => {
  it("is refused, changing nothing, when a file now sits where a moved one was", async () => {
    const previewed = await host.previewAction(EXTENSION, "gather", { target: path.join(photos, "gathered") });
    expect((await host.executeAction(previewed.actionId)).state).toBe("executed");
    fs.writeFileSync(path.join(photos, "c.jpg"), "a new photo with the old name");
    const files = listing(photos);
    const dump = exactDump(host.library.db);
    const outcome = await host.undoAction(previewed.actionId);
    expect({ state: outcome.state, code: outcome.error?.code }).toEqual({ state: "executed", code: "SDX3016" });
    expect(outcome.error!.message).toContain(`a file now exists at ${path.join(photos, "c.jpg")}`);
    expect(listing(photos)).toEqual(files);
    expect(exactDump(host.library.db)).toBe(dump);
  });
});

describe("file operations that fail apply nothing and lose no file", () => {
  async function expectNothingApplied(prepare: (target: string) => void | (() => void), code: string, target = path.join(photos, "gathered")) {
    const previewed = await host.previewAction(EXTENSION, "gather", { target });
    expect(previewed.state).toBe("previewed");
    const restore = prepare(target);
    const files = listing(photos);
    const dump = exactDump(host.library.db);
    try {
      const outcome = await host.executeAction(previewed.actionId);
      expect({ state: outcome.state, code: outcome.error?.code }).toEqual({ state: code === "SDX3016" ? "stale" : "failed", code });
      expect(listing(photos)).toEqual(files);
      expect(exactDump(host.library.db)).toBe(dump);
      return outcome;
    } finally {
      if (typeof restore === "function") restore();
    }
  }

  it("a collision: a file appeared at a destination after the preview (the moves before it are reversed)", async () => {
    const outcome = await expectNothingApplied((target) => {
      fs.mkdirSync(target);
      fs.writeFileSync(path.join(target, "IMG_0002.JPG"), "someone else's photo");
    }, "SDX3036");
    expect(outcome.error!.message).toContain("IMG_0002.JPG already exists");
    expect(fs.readFileSync(path.join(photos, "gathered/IMG_0002.JPG"), "utf8")).toBe("someone else's photo");
  });

  it("a destination outside the grant", async () => {
    const outcome = await expectNothingApplied(() => undefined, "SDX3001", path.join(outside, "gathered"));
    expect(fs.readdirSync(outside)).toEqual([]);
    expect(outcome.error!.message).toMatch(/outside/);
  });

  it("a file changed since the preview (same path and size, other bytes)", async () => {
    await expectNothingApplied(() => {
      const file = path.join(photos, "trip/a.jpg");
      const size = fs.statSync(file).size;
      fs.writeFileSync(file, Buffer.alloc(size, 9));
      fs.utimesSync(file, new Date(), new Date(Date.now() + 5_000));
    }, "SDX3016");
  });

  it("a read-only target folder", async () => {
    fs.mkdirSync(path.join(photos, "gathered"));
    const outcome = await expectNothingApplied((target) => readOnly(target), "SDX3037");
    expect(outcome.error!.message).toMatch(/EACCES|EPERM/);
  });

  it("a file operation outside an action (a job) is refused", async () => {
    const before = listing(photos);
    const outcome = await host.runJob(EXTENSION, "moveInJob", { target: path.join(photos) });
    expect({ state: outcome.state, code: outcome.error?.code }).toEqual({ state: "failed", code: "SDX3035" });
    expect(listing(photos)).toEqual(before);
  });
});
