/**
 * Issue 3's real-world check: `sdx index` over ../shared/fixtures/exif (real cameras, GPS, broken
 * EXIF, HEIC, orientation) through the real CLI; EXIF sidecars must match ExifTool's values in
 * expected_exif.json, the byte-identical pair must share one content identity, and broken files
 * must be recorded without stopping the run.
 */
import { describe, expect, it, beforeAll } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { FIXTURES } from "./fixtures.js";
import { sdxJson, tempDir } from "../helpers/cli.js";

interface Expected {
  path: string;
  sha256: string;
  make: string | null;
  model: string | null;
  dateTimeOriginal: string | null;
  gpsLatitude: number | null;
  gpsLongitude: number | null;
}

const expected = JSON.parse(readFileSync(join(FIXTURES, "exif", "expected_exif.json"), "utf8")) as Expected[];

describe("indexing the real EXIF fixtures", () => {
  const library = join(tempDir("sdx-rw-exif-"), "library");
  let db: Database.Database;
  const sidecarOf = new Map<string, Record<string, unknown> | null>();
  const contentOf = new Map<string, string>();

  beforeAll(async () => {
    const result = await sdxJson(["index", join(FIXTURES, "exif"), "--library", library]);
    expect(result.status, result.stderr).toBe(0);
    db = new Database(join(library, "library.db"), { readonly: true });
    const rows = db.prepare(`SELECT e.relative_path AS path, hex(e.content_identity_uuid) AS content, s.data AS exif
      FROM entries e LEFT JOIN sidecars s ON s.content_uuid = e.content_identity_uuid AND s.kind = 'exif' WHERE e.is_dir = 0`).all() as Array<{ path: string; content: string; exif: string | null }>;
    for (const row of rows) {
      const key = `exif/${row.path}`;
      sidecarOf.set(key, row.exif ? (JSON.parse(row.exif) as Record<string, unknown>) : null);
      contentOf.set(key, row.content);
    }
  });

  it("indexes every fixture file", async () => {
    for (const file of expected) expect(contentOf.has(file.path), file.path).toBe(true);
  });

  it.each(expected.filter((e) => e.make || e.dateTimeOriginal || e.gpsLatitude !== null))("$path: camera, time and GPS match ExifTool", (file) => {
    const exif = sidecarOf.get(file.path);
    expect(exif, `no exif sidecar for ${file.path}`).toBeTruthy();
    if (file.make) expect(String(exif!.Make).trim()).toBe(file.make);
    if (file.model) expect(String(exif!.Model).trim()).toBe(file.model);
    if (file.dateTimeOriginal) expect(String(exif!.DateTimeOriginal)).toContain(file.dateTimeOriginal);
    if (file.gpsLatitude !== null) expect(exif!.latitude as number).toBeCloseTo(file.gpsLatitude, 5);
    if (file.gpsLongitude !== null) expect(exif!.longitude as number).toBeCloseTo(file.gpsLongitude!, 5);
  });

  it("gives byte-identical files one content identity and different bytes different ones", async () => {
    const bySha = new Map<string, string[]>();
    for (const file of expected) bySha.set(file.sha256, [...(bySha.get(file.sha256) ?? []), file.path]);
    const pairs = [...bySha.values()].filter((paths) => paths.length > 1);
    expect(pairs.length).toBe(1); // Kodak_CX7530.jpg and issue-exifr-36.jpg
    for (const paths of pairs) expect(new Set(paths.map((p) => contentOf.get(p))).size).toBe(1);
    const distinctContents = new Set(expected.map((e) => contentOf.get(e.path)));
    expect(distinctContents.size).toBe(bySha.size);
    // Same pixels, different bytes (EXIF stripped): a content hash is of the bytes, so they differ.
    expect(contentOf.get("exif/camera/img_1771.jpg")).not.toBe(contentOf.get("exif/camera/img_1771_no_exif.jpg"));
  });

  it("records per-entry errors instead of failing on broken files", async () => {
    const errors = db.prepare("SELECT relative_path, error FROM entries WHERE error IS NOT NULL").all() as Array<{ relative_path: string; error: string }>;
    // The run went on past every broken file (all files are indexed, above). Only broken or
    // undecodable files carry an error, and each names the step that failed (e.g. "thumbnail: …"
    // for a HEIC that sharp's prebuilt libvips cannot decode).
    for (const row of errors) {
      expect(row.relative_path, row.error).toMatch(/^(bad|formats)\//);
      expect(row.error).toMatch(/^(exif|thumbnail|ocr|read|hash)\b/);
    }
    const fine = expected.filter((e) => e.path.startsWith("exif/gps/") || e.path.startsWith("exif/camera/"));
    for (const file of fine) expect(errors.some((r) => `exif/${r.relative_path}` === file.path), file.path).toBe(false);
  });
});
