import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { INDEX_BATCH, indexLocation } from "./indexer.js";
import { detectKind } from "./kinds.js";
import { decodeName } from "./walk.js";
import { ContentHasher, SAMPLE_THRESHOLD } from "./hashing.js";
import { Library } from "../../store/library.js";
import { blobToUuid } from "../../store/uuid.js";
import { cleanupTempDirs, openLibrary, tempDir, writeTree } from "../../store/__tests__/fixture.js";

afterAll(cleanupTempDirs);

async function photo(options: { gps?: [number, number]; date?: string; color?: string; size?: number } = {}): Promise<Buffer> {
  const size = options.size ?? 64;
  let image = sharp({ create: { width: size, height: size, channels: 3, background: options.color ?? "#3080c0" } }).jpeg();
  if (options.gps || options.date) {
    const [lat, lon] = options.gps ?? [0, 0];
    const dms = (v: number) => { const a = Math.abs(v); const d = Math.floor(a); const m = Math.floor((a - d) * 60); const s = ((a - d) * 60 - m) * 60; return `${d}/1 ${m}/1 ${Math.round(s * 100)}/100`; };
    image = image.withExif({
      IFD0: { Make: "SdxCam", Model: "Test 1" },
      IFD2: options.date ? { DateTimeOriginal: options.date } : {},
      IFD3: options.gps ? { GPSLatitudeRef: lat >= 0 ? "N" : "S", GPSLatitude: dms(lat), GPSLongitudeRef: lon >= 0 ? "E" : "W", GPSLongitude: dms(lon) } : {},
    });
  }
  return image.toBuffer();
}

type Row = { uuid: Buffer; relative_path: string; kind: string; error: string | null; content_identity_uuid: Buffer | null; is_dir: number };
const rows = (library: Library): Map<string, Row> =>
  new Map((library.db.prepare("SELECT uuid, relative_path, kind, error, content_identity_uuid, is_dir FROM entries").all() as Row[]).map((r) => [r.relative_path, r]));

describe("indexer", () => {
  let library: Library;
  let root: string;
  let outside: string;

  beforeAll(async () => {
    library = openLibrary();
    root = path.join(tempDir("sdx-tree-"), "photos");
    outside = tempDir("sdx-outside-");
    const good = await photo({ gps: [43.467, 11.885], date: "2008:10:22 16:38:20" });
    writeTree(root, {
      "notes/a.txt": "alpha words here",
      "notes/b.txt": "bravo",
      "notes/copy-of-a.txt": "alpha words here",
      "deep/x/y/z/dup.txt": "alpha words here",
      "code/main.ts": "export const x = 1;\n",
      "misnamed.txt": good, // JPEG bytes, .txt name: magic wins
      "img/trip.jpg": good,
      "img/plain.jpg": await photo({ color: "#ff0000" }),
      "img/truncated.jpg": good.subarray(0, Math.floor(good.length / 2)),
      "empty.dat": "",
      "doc.pdf": "%PDF-1.4\n%\xe2\xe3\n1 0 obj\n",
      "later/gone-soon.txt": "will be deleted during the run",
    });
    fs.writeFileSync(path.join(outside, "secret.txt"), "outside");
    fs.writeFileSync(Buffer.concat([Buffer.from(path.join(root, "notes") + "/"), Buffer.from([0x62, 0x61, 0x64, 0xff, 0xfe, 0x2e, 0x74, 0x78, 0x74])]), "latin-1 name");
    fs.symlinkSync("loop-b", path.join(root, "loop-a"));
    fs.symlinkSync("loop-a", path.join(root, "loop-b"));
    fs.symlinkSync(path.join(root, "nowhere"), path.join(root, "broken-link"));
    fs.symlinkSync(outside, path.join(root, "link-out"));
    fs.symlinkSync(root, path.join(root, "deep", "back-to-root"));
    execFileSync("mkfifo", [path.join(root, "pipe")]);
  }, 30_000);

  it("indexes a tree: kinds, shared content, and every bad file as a per-entry error", async () => {
    const progress: number[] = [];
    const summary = await indexLocation(library, root, {
      onProgress: (p) => {
        progress.push(p.done);
        // A file that disappears between the walk and its read: unreadable, recorded, run goes on.
        if (p.done === 1) fs.rmSync(path.join(root, "later/gone-soon.txt"), { force: true });
      },
    });
    expect(progress.at(-1)).toBe(13);
    expect(summary).toMatchObject({ added: 12, updated: 0, moved: 0, deleted: 0, unchanged: 0, skipped: 2 });
    const problems = Object.fromEntries(summary.problems.map((p) => [p.path, p.error]));
    expect(problems["empty.dat"]).toBeUndefined(); // an empty file is a valid file
    expect(problems["loop-a"]).toMatch(/symlink loop/);
    expect(problems["loop-b"]).toMatch(/symlink loop/);
    expect(problems["broken-link"]).toMatch(/broken symlink/);
    expect(problems["pipe"]).toMatch(/FIFO/);
    expect(problems["later/gone-soon.txt"]).toMatch(/unreadable: ENOENT/);
    expect(problems["notes/bad%FF%FE.txt"]).toMatch(/not valid UTF-8/);
    expect(problems["img/truncated.jpg"]).toMatch(/thumbnail/);
    expect(summary.errors).toBe(summary.problems.length);

    const r = rows(library);
    expect(r.get("misnamed.txt")?.kind).toBe("image");
    expect(r.get("code/main.ts")?.kind).toBe("code");
    expect(r.get("doc.pdf")?.kind).toBe("document");
    expect(r.get("notes/a.txt")?.kind).toBe("text");
    expect(r.get("deep/x/y")?.is_dir).toBe(1);
    expect(r.has("link-out")).toBe(false); // valid symlinks are not followed
    expect(r.has("link-out/secret.txt")).toBe(false);
    const a = r.get("notes/a.txt")!.content_identity_uuid!;
    expect(Buffer.compare(a, r.get("notes/copy-of-a.txt")!.content_identity_uuid!)).toBe(0);
    expect(Buffer.compare(a, r.get("deep/x/y/z/dup.txt")!.content_identity_uuid!)).toBe(0);
    expect(Buffer.compare(r.get("misnamed.txt")!.content_identity_uuid!, r.get("img/trip.jpg")!.content_identity_uuid!)).toBe(0);
    // A zero-byte file has a content identity: the BLAKE3 of no bytes, size 0.
    const empty = library.db.prepare("SELECT c.content_hash AS hash, c.size FROM entries e JOIN content_identities c ON c.uuid = e.content_identity_uuid WHERE e.relative_path = 'empty.dat'").get();
    expect(empty).toEqual({ hash: "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262", size: 0 });
    // 12 added files, 3 of them duplicates of others (copy-of-a, dup, trip = misnamed)
    expect(library.db.prepare("SELECT count(*) AS n FROM content_identities").get()).toEqual({ n: 9 });
    const raw = library.db.prepare("SELECT raw_path FROM entries WHERE relative_path = 'notes/bad%FF%FE.txt'").get() as { raw_path: Buffer };
    expect(raw.raw_path.includes(Buffer.from([0xff, 0xfe]))).toBe(true);
  });

  it("writes EXIF and thumbnail sidecars once per content", () => {
    const trip = rows(library).get("img/trip.jpg")!;
    const sidecars = library.db.prepare("SELECT kind, data, written_by FROM sidecars WHERE content_uuid = ? ORDER BY kind").all(trip.content_identity_uuid) as Array<{ kind: string; data: string; written_by: string }>;
    expect(sidecars.map((s) => s.kind)).toEqual(["exif", "thumbnail"]);
    const exif = JSON.parse(sidecars[0].data) as Record<string, unknown>;
    expect(exif).toMatchObject({ Make: "SdxCam", Model: "Test 1", DateTimeOriginal: "2008:10:22 16:38:20" });
    expect(exif.latitude as number).toBeCloseTo(43.467, 3);
    expect(exif.longitude as number).toBeCloseTo(11.885, 3);
    const thumb = JSON.parse(sidecars[1].data) as { path: string; width: number };
    expect(fs.existsSync(path.join(library.dir, thumb.path))).toBe(true);
    expect(thumb.width).toBe(64);
    expect(sidecars.every((s) => s.written_by === "core")).toBe(true);
    const plain = rows(library).get("img/plain.jpg")!;
    expect((library.db.prepare("SELECT kind FROM sidecars WHERE content_uuid = ?").all(plain.content_identity_uuid) as Array<{ kind: string }>).map((s) => s.kind)).toEqual(["thumbnail"]);
  });

  it("re-indexes: unchanged files are not re-hashed; changes, renames, copy-moves and deletions are found", async () => {
    const before = rows(library);
    const unchanged = await indexLocation(library, root);
    // the error entry of the file that vanished during the first run goes; nothing is re-hashed
    expect(unchanged).toMatchObject({ added: 0, updated: 0, moved: 0, deleted: 1, unchanged: 12, hashedBytes: 0 }); // empty.dat included

    fs.writeFileSync(path.join(root, "notes/b.txt"), "bravo changed");
    fs.renameSync(path.join(root, "code/main.ts"), path.join(root, "code/renamed.ts"));
    // copy-and-delete (a new inode): recognized by content
    fs.copyFileSync(path.join(root, "doc.pdf"), path.join(root, "notes/doc-moved.pdf"));
    fs.rmSync(path.join(root, "doc.pdf"));
    fs.rmSync(path.join(root, "deep/x/y/z/dup.txt"));
    fs.writeFileSync(path.join(root, "notes/new.txt"), "brand new");
    const summary = await indexLocation(library, root);
    expect(summary).toMatchObject({ added: 1, updated: 1, moved: 2, deleted: 1, unchanged: 8 });
    const after = rows(library);
    expect(Buffer.compare(after.get("code/renamed.ts")!.uuid, before.get("code/main.ts")!.uuid)).toBe(0);
    expect(Buffer.compare(after.get("notes/doc-moved.pdf")!.uuid, before.get("doc.pdf")!.uuid)).toBe(0);
    expect(after.has("deep/x/y/z/dup.txt")).toBe(false);
    expect(Buffer.compare(after.get("notes/b.txt")!.content_identity_uuid!, before.get("notes/b.txt")!.content_identity_uuid!)).not.toBe(0);
    // the old content identity stays (content outlives entries)
    expect(library.db.prepare("SELECT 1 AS ok FROM content_identities WHERE uuid = ?").get(before.get("notes/b.txt")!.content_identity_uuid)).toEqual({ ok: 1 });
  });

  it("indexes zero-byte files as valid empty files, and never takes a new one for an old one moved", async () => {
    const lib = openLibrary();
    const dir = tempDir("sdx-empty-");
    writeTree(dir, { "a/first.log": "", "a/other.txt": "text" });
    expect(await indexLocation(lib, dir, { media: false })).toMatchObject({ added: 2, errors: 0 });
    const first = rows(lib).get("a/first.log")!;
    expect(first.content_identity_uuid).not.toBeNull();
    fs.rmSync(path.join(dir, "a/first.log"));
    fs.writeFileSync(path.join(dir, "b.log"), "");
    expect(await indexLocation(lib, dir, { media: false })).toMatchObject({ added: 1, moved: 0, deleted: 1, errors: 0 });
    const second = rows(lib).get("b.log")!;
    expect(Buffer.compare(second.uuid, first.uuid)).not.toBe(0);
    expect(Buffer.compare(second.content_identity_uuid!, first.content_identity_uuid!)).toBe(0);
  });

  it("finds moves whose new path is walked before the old one, across write batches", async () => {
    const lib = openLibrary();
    const dir = tempDir("sdx-stream-");
    const tree: Record<string, string> = { "m/orig.txt": "original content" };
    for (let i = 0; i < INDEX_BATCH + 100; i++) tree[`z/f${i}.txt`] = `file ${i}`;
    writeTree(dir, tree);
    expect(await indexLocation(lib, dir, { media: false })).toMatchObject({ added: INDEX_BATCH + 101, errors: 0 });
    const before = rows(lib);
    // "a/" and "0copy.txt" sort before "m/" and "z/": when they are met, the old rows are not yet known to be gone
    fs.renameSync(path.join(dir, "z"), path.join(dir, "a"));
    fs.copyFileSync(path.join(dir, "m/orig.txt"), path.join(dir, "0copy.txt"));
    fs.copyFileSync(path.join(dir, "a/f5.txt"), path.join(dir, "0five.txt"));
    const summary = await indexLocation(lib, dir, { media: false });
    // a copy of a file that is still there, or of one renamed by inode, is new content for no one
    expect(summary).toMatchObject({ added: 2, moved: INDEX_BATCH + 100, deleted: 0, unchanged: 1, errors: 0 });
    const after = rows(lib);
    expect(Buffer.compare(after.get("a/f5.txt")!.uuid, before.get("z/f5.txt")!.uuid)).toBe(0);
    expect(Buffer.compare(after.get(`a/f${INDEX_BATCH + 99}.txt`)!.uuid, before.get(`z/f${INDEX_BATCH + 99}.txt`)!.uuid)).toBe(0);
    expect(Buffer.compare(after.get("m/orig.txt")!.uuid, before.get("m/orig.txt")!.uuid)).toBe(0);
    expect(after.has("z")).toBe(false);
    expect(after.get("a")!.is_dir).toBe(1);
    expect(after.size).toBe(INDEX_BATCH + 105); // 1,103 files, "a" and "m"
    lib.close();
  });

  it("refuses a path that is not a directory", async () => {
    await expect(indexLocation(library, path.join(root, "notes/a.txt"))).rejects.toThrow(/not a directory/);
  });
});

describe("indexer parts", () => {
  it("detects kinds from magic bytes before extensions", () => {
    expect(detectKind(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), "txt")).toBe("image");
    expect(detectKind(new TextEncoder().encode("\0\0\0\x18ftypheic"), null)).toBe("image");
    expect(detectKind(new TextEncoder().encode("\0\0\0\x18ftypisom"), "mp4")).toBe("video");
    expect(detectKind(new Uint8Array([0x50, 0x4b, 3, 4]), "docx")).toBe("document");
    expect(detectKind(new Uint8Array([0x50, 0x4b, 3, 4]), "zip")).toBe("archive");
    expect(detectKind(new TextEncoder().encode("plain text"), "jpg")).toBe("text");
    expect(detectKind(new Uint8Array([1, 2, 0, 3]), null)).toBe("unknown");
    expect(detectKind(new TextEncoder().encode("héllo"), null)).toBe("text");
  });

  it("decodes names with invalid UTF-8 as %XX", () => {
    expect(decodeName(Buffer.from("héllo"))).toEqual({ text: "héllo", valid: true });
    expect(decodeName(Buffer.from([0x61, 0xe9, 0x62]))).toEqual({ text: "a%E9b", valid: false });
  });

  it("samples files over 10 MiB and hashes smaller files whole", async () => {
    const dir = tempDir();
    const big = Buffer.alloc(SAMPLE_THRESHOLD + 1024 * 1024, 7);
    fs.writeFileSync(path.join(dir, "big"), big);
    const hasher = await ContentHasher.create();
    const sampled = await hasher.hashFile(path.join(dir, "big"), big.length);
    expect(sampled.hashKind).toBe("blake3-sampled-v1");
    expect(sampled.bytesRead).toBe(18 * 64 * 1024);
    // the size is part of a sampled identity: one more byte is other content
    fs.writeFileSync(path.join(dir, "big2"), Buffer.concat([big, Buffer.from([1])]));
    expect((await hasher.hashFile(path.join(dir, "big2"), big.length + 1)).hash).not.toBe(sampled.hash);
    const full = await hasher.hashFile(path.join(dir, "big"), big.length, { sampled: false });
    expect(full).toMatchObject({ hashKind: "blake3", bytesRead: big.length });
  });
});

describe("indexer on 500 files", () => {
  it("indexes and re-indexes quickly", async () => {
    const library = openLibrary();
    const root = tempDir("sdx-many-");
    const files: Record<string, string> = {};
    for (let i = 0; i < 500; i++) files[`d${i % 10}/f${i}.txt`] = `file number ${i % 400}`;
    writeTree(root, files);
    const first = await indexLocation(library, root, { media: false });
    const second = await indexLocation(library, root, { media: false });
    console.log(`indexed 500 files in ${first.durationMs} ms (${Math.round(500 / (first.durationMs / 1000))} files/s); re-index ${second.durationMs} ms`);
    expect(first.added).toBe(500);
    expect(library.db.prepare("SELECT count(*) AS n FROM content_identities").get()).toEqual({ n: 400 });
    expect(second).toMatchObject({ unchanged: 500, hashedBytes: 0 });
    expect(blobToUuid((library.db.prepare("SELECT uuid FROM locations").get() as { uuid: Buffer }).uuid)).toBe(first.locationUuid);
    library.close();
  });
});
