/**
 * `entries.read` checks the file it opens, not the path it indexed (issue 13): every way of
 * putting another file where an indexed one was is tried, each refused with its code and audited
 * as `access_denied`, and the host never follows, hangs on or leaks what it found there.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { indexLocation } from "../core/indexer/indexer.js";
import { readAudit } from "../store/audit.js";
import type { Library } from "../store/library.js";
import { blobToUuid } from "../store/uuid.js";
import type { OpContext } from "./context.js";
import { call, cleanupTempDirs, hostError, installTest, openLibrary, tempDir, writeTree } from "../store/__tests__/fixture.js";
import { SYNC_READ_BYTES } from "./entry-file.js";

afterAll(cleanupTempDirs);

let library: Library;
let root: string;
let outside: string;
let ctx: OpContext;
const uuids: Record<string, string> = {};
const large = Buffer.alloc(SYNC_READ_BYTES + 123_457, "0123456789abcdef");

beforeAll(async () => {
  library = openLibrary();
  root = tempDir("sdx-swap-");
  outside = tempDir("sdx-elsewhere-");
  writeTree(root, {
    "swap.txt": "harmless notes", "key.pem": "-----BEGIN PRIVATE KEY-----", "other.txt": "other notes", "edited.txt": "first draft",
    "hard.txt": "will be a hard link", "fifo.txt": "will be a fifo", "sub/deep.txt": "deep notes", "kept.txt": "never touched",
    "empty.txt": "",
  });
  // Past the blocking-read limit: read asynchronously, in pieces.
  fs.writeFileSync(path.join(root, "large.txt"), large);
  writeTree(outside, { "deep.txt": "outside the location" });
  await indexLocation(library, root, { media: false });
  ctx = await installTest(library, [{ kind: "read_entries", glob: "**/*.txt" }], { id: "org.example.reader" });
  const rows = library.db.prepare("SELECT uuid, relative_path FROM entries WHERE is_dir = 0").all() as Array<{ uuid: Buffer; relative_path: string }>;
  for (const r of rows) uuids[r.relative_path] = blobToUuid(r.uuid);
});

const read = (rel: string) => call(ctx, "entries.read", { entryUuid: uuids[rel]! });
const lastDenial = () => readAudit(library, { who: ctx.extensionId, result: "denied" }).at(-1);
const replace = (rel: string, make: (file: string) => void) => {
  fs.rmSync(path.join(root, rel), { recursive: true });
  make(path.join(root, rel));
};

describe("entries.read reads what it opens", () => {
  it("refuses swap.txt replaced by a symlink to key.pem beside it (the glob is checked on what is opened)", async () => {
    expect(Buffer.from((await read("swap.txt")).bytes).toString()).toBe("harmless notes");
    replace("swap.txt", (file) => fs.symlinkSync(path.join(root, "key.pem"), file));
    const error = await hostError(() => read("swap.txt"));
    expect(error.code).toBe("SDX3001");
    expect(error.name).toBe("PermissionDenied");
    expect(error.message).toMatch(/does not match the read_entries glob \(\*\*\/\*\.txt\)/);
    expect(error.message).not.toContain("key.pem");
    expect(lastDenial()).toMatchObject({ op: "entries.read", target: path.join(root, "key.pem"), detail: { code: "SDX3001", permission: "read_entries" } });
  });

  it("refuses a symlink even to a file it could read: the entry changed since it was indexed (SDX3032)", async () => {
    replace("swap.txt", (file) => fs.symlinkSync(path.join(root, "other.txt"), file));
    const error = await hostError(() => read("swap.txt"));
    expect(error.code).toBe("SDX3032");
    expect(error.name).toBe("PermissionDenied");
    expect(error.message).toMatch(/replaced by a symbolic link since it was indexed; index its location again/);
    expect(lastDenial()).toMatchObject({ op: "entries.read", target: path.join(root, "other.txt"), detail: { code: "SDX3032", reason: "changed" } });
  });

  it("refuses a file modified since indexing, and reads it again once it is re-indexed", async () => {
    fs.writeFileSync(path.join(root, "edited.txt"), "second draft, longer");
    expect((await hostError(() => read("edited.txt"))).message).toMatch(/its file was modified since it was indexed/);
    await indexLocation(library, root, { media: false });
    expect(Buffer.from((await read("edited.txt")).bytes).toString()).toBe("second draft, longer");
  });

  it("refuses a hard link to key.pem put in place of a .txt (same path and glob, another inode)", async () => {
    replace("hard.txt", (file) => fs.linkSync(path.join(root, "key.pem"), file));
    const error = await hostError(() => read("hard.txt"));
    expect(error.code).toBe("SDX3032");
    expect(error.message).toMatch(/replaced by another file/);
  });

  it("does not hang on a FIFO put in place of a file", async () => {
    replace("fifo.txt", (file) => execFileSync("mkfifo", [file]));
    const error = await hostError(() => read("fifo.txt"));
    expect(error.code).toBe("SDX3032");
    expect(error.message).toMatch(/not a regular file/);
  });

  it("refuses a directory of the path swapped for a symlink out of the location", async () => {
    replace("sub", (dir) => fs.symlinkSync(outside, dir));
    const error = await hostError(() => read("sub/deep.txt"));
    expect(error.code).toBe("SDX3001");
    expect(error.message).toMatch(/resolves outside its location/);
    expect(error.message).not.toContain(outside);
    expect(lastDenial()?.target).toBe(path.join(outside, "deep.txt"));
  });

  it("still reads an untouched file", async () => {
    expect(Buffer.from((await read("kept.txt")).bytes).toString()).toBe("never touched");
  });

  it("reads an empty file, and a file past the blocking-read limit whole", async () => {
    expect((await read("empty.txt")).bytes.byteLength).toBe(0);
    const bytes = (await read("large.txt")).bytes;
    expect(bytes.byteLength).toBe(large.length);
    expect(Buffer.from(bytes).equals(large)).toBe(true);
  });

  it("refuses a large file that grew since indexing", async () => {
    fs.appendFileSync(path.join(root, "large.txt"), "more");
    const error = await hostError(() => read("large.txt"));
    expect(error.code).toBe("SDX3032");
    expect(error.message).toMatch(/its file was modified/);
  });
});
