/**
 * The file steps on real files: a move never replaces a file, and each reversal (after a failed
 * apply, a crash between the two halves of a move, an undo, an undo made again) ends with every
 * file at one place and no file lost.
 */
import { afterAll, describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { moveNoClobber, redoStep, removeCreated, reverseStep, undoneCopyOf, undoStep, writeNoClobber } from "./file-steps.js";
import type { FileStep } from "../../store/file-journal.js";

const root = fs.mkdtempSync(path.join(os.tmpdir(), "sdx-file-steps-"));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

let n = 0;
function dir(): string {
  const d = path.join(root, String(++n));
  fs.mkdirSync(d);
  return d;
}

const files = (d: string) => Object.fromEntries((fs.readdirSync(d, { recursive: true }) as string[]).sort().map((f) => [f, fs.statSync(path.join(d, f)).isFile() ? fs.readFileSync(path.join(d, f), "utf8") : "<dir>"]));

function moveStep(from: string, to: string): Extract<FileStep, { kind: "move" }> {
  const stat = fs.statSync(from);
  return { kind: "move", from, to, inode: stat.ino, size: stat.size };
}

describe("file steps", () => {
  it("moves without replacing: an existing destination is EEXIST and both files stay", () => {
    const d = dir();
    fs.writeFileSync(path.join(d, "a"), "A");
    fs.writeFileSync(path.join(d, "b"), "B");
    expect(() => moveNoClobber(path.join(d, "a"), path.join(d, "b"))).toThrow(expect.objectContaining({ code: "EEXIST" }));
    expect(files(d)).toEqual({ a: "A", b: "B" });
    moveNoClobber(path.join(d, "a"), path.join(d, "c"));
    expect(files(d)).toEqual({ b: "B", c: "A" });
  });

  it("reverses a finished move, and a move torn between its link and its unlink", () => {
    const d = dir();
    fs.writeFileSync(path.join(d, "a"), "A");
    fs.writeFileSync(path.join(d, "b"), "B");
    const done = moveStep(path.join(d, "a"), path.join(d, "x"));
    moveNoClobber(done.from, done.to);
    const torn = moveStep(path.join(d, "b"), path.join(d, "y"));
    fs.linkSync(torn.from, torn.to); // the crash: both names
    expect([reverseStep(torn), reverseStep(done)]).toEqual([null, null]);
    expect(files(d)).toEqual({ a: "A", b: "B" });
    // Nothing was moved: nothing to do.
    expect(reverseStep(moveStep(path.join(d, "a"), path.join(d, "z")))).toBeNull();
    expect(files(d)).toEqual({ a: "A", b: "B" });
  });

  it("keeps a file that took a moved file's place, and names it", () => {
    const d = dir();
    fs.writeFileSync(path.join(d, "a"), "A");
    const step = moveStep(path.join(d, "a"), path.join(d, "x"));
    moveNoClobber(step.from, step.to);
    fs.writeFileSync(step.from, "someone else's");
    expect(reverseStep(step)).toMatch(/both exist with different contents/);
    expect(files(d)).toEqual({ a: "someone else's", x: "A" });
  });

  it("undoes a write by setting it aside, makes it again, and removes it for good once the undo commits", () => {
    const d = dir();
    const to = path.join(d, "album.m3u");
    writeNoClobber(path.join(d, ".tmp"), to, new TextEncoder().encode("a.jpg\n"));
    const real: FileStep = { kind: "write", to, temp: path.join(d, ".tmp"), sha256: createHash("sha256").update("a.jpg\n").digest("hex") };
    const step: FileStep = { ...real, sha256: createHash("sha256").update("other bytes").digest("hex") };
    expect(undoStep(step, "act")).toMatch(/changed since the action wrote it/); // not the bytes it wrote: kept
    expect(undoStep(real, "act")).toBeNull();
    expect(files(d)).toEqual({ [path.basename(undoneCopyOf(real, "act"))]: "a.jpg\n" });
    expect(redoStep(real, "act")).toBeNull();
    expect(files(d)).toEqual({ "album.m3u": "a.jpg\n" });
    expect(undoStep(real, "act")).toBeNull();
    removeCreated(real, "act");
    expect(files(d)).toEqual({});
  });

  it("removes created folders only while empty", () => {
    const d = dir();
    const step: FileStep = { kind: "mkdir", created: [path.join(d, "Albums"), path.join(d, "Albums", "2024")] };
    for (const c of step.created) fs.mkdirSync(c);
    fs.writeFileSync(path.join(d, "Albums", "2024", "keep.jpg"), "K");
    expect(reverseStep(step)).toMatch(/is not empty; it is kept/);
    expect(files(d)).toEqual({ Albums: "<dir>", "Albums/2024": "<dir>", "Albums/2024/keep.jpg": "K" });
    fs.rmSync(path.join(d, "Albums", "2024", "keep.jpg"));
    expect(reverseStep(step)).toBeNull();
    expect(files(d)).toEqual({});
  });
});
