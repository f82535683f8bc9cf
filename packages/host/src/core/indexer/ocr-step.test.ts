/**
 * The OCR pass in a real index run: a rendered page gets an "ocr" sidecar written by the core, a
 * photo does not; `ocr: true` / `false` override; an extension granted read_sidecars ["ocr"]
 * reads it through the sidecars op handler, one without that grant is denied.
 */
import path from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { indexLocation } from "./indexer.js";
import { looksLikePage } from "./ocr-step.js";
import { renderPage } from "../ocr/render-page.js";
import type { Library } from "../../store/library.js";
import { blobToUuid } from "../../store/uuid.js";
import { call, cleanupTempDirs, hostError, installTest, openLibrary, tempDir, writeTree } from "../../store/__tests__/fixture.js";

afterAll(cleanupTempDirs);

let library: Library;
let root: string;
let photo: Buffer;
let page: Awaited<ReturnType<typeof renderPage>>;

const contentOf = (rel: string): string =>
  blobToUuid((library.db.prepare("SELECT content_identity_uuid AS c FROM entries WHERE relative_path = ?").get(rel) as { c: Buffer }).c);
const sidecar = (rel: string): { data: string; written_by: string } | undefined =>
  library.db.prepare("SELECT s.data, s.written_by FROM sidecars s JOIN entries e ON e.content_identity_uuid = s.content_uuid WHERE e.relative_path = ? AND s.kind = 'ocr'").get(rel) as
    | { data: string; written_by: string }
    | undefined;

beforeAll(async () => {
  library = openLibrary();
  root = path.join(tempDir("sdx-ocr-index-"), "scans");
  page = await renderPage(800, 300, [
    { text: "Receipt 2026", x: 50, y: 90, size: 48 },
    { text: "Total 12.50 EUR", x: 50, y: 200, size: 48 },
  ]);
  // A photo-like image: colourful noise over a gradient, no page.
  const noise = Buffer.alloc(160 * 120 * 3);
  for (let i = 0; i < noise.length; i++) noise[i] = (i * 2654435761) % 251;
  photo = await sharp(noise, { raw: { width: 160, height: 120, channels: 3 } }).jpeg().toBuffer();
  writeTree(root, { "receipt.png": page.bytes, "copy/receipt-again.png": page.bytes, "holiday.jpg": photo, "note.txt": "plain text" });
});

describe("indexer OCR pass", () => {
  it("tells pages from photos", async () => {
    expect(await looksLikePage(page.bytes)).toBe(true);
    expect(await looksLikePage(photo)).toBe(false);
    expect(await looksLikePage(new TextEncoder().encode("not an image"))).toBe(false);
  });

  it("writes one core 'ocr' sidecar per page content, none for photos", async () => {
    const summary = await indexLocation(library, root);
    expect(summary.ocr).toBe(1); // two entries, one content
    expect(summary.errors).toBe(0);
    const row = sidecar("receipt.png");
    expect(row?.written_by).toBe("core");
    const data = JSON.parse(row!.data) as { text: string; engine: string; width: number; lines: Array<{ text: string; box: number[]; confidence: number }> };
    expect(data.engine).toBe("PP-OCRv4");
    expect(data.text).toBe("Receipt 2026\nTotal 12.50 EUR");
    expect(data.lines.map((l) => l.text)).toEqual(["Receipt 2026", "Total 12.50 EUR"]);
    expect(data.lines[0].box[1]).toBeLessThan(data.lines[1].box[1]);
    expect(data.width).toBe(800);
    expect(sidecar("holiday.jpg")).toBeUndefined();
    // A re-run reads nothing again.
    expect((await indexLocation(library, root)).ocr).toBe(0);
  });

  it("ocr: true reads every image, ocr: false none", async () => {
    const other = path.join(tempDir("sdx-ocr-all-"), "pics");
    writeTree(other, { "holiday-2.jpg": await sharp(photo).flip().jpeg().toBuffer() });
    expect((await indexLocation(library, other, { ocr: false })).ocr).toBe(0);
    writeTree(other, { "holiday-3.jpg": await sharp(photo).flop().jpeg().toBuffer() });
    const all = await indexLocation(library, other, { ocr: true });
    expect(all.ocr).toBe(1); // only the new content is read
    expect(JSON.parse(sidecar("holiday-3.jpg")!.data)).toMatchObject({ engine: "PP-OCRv4", lines: expect.any(Array) });
  });

  it("extensions read it with read_sidecars ['ocr'] and are denied without", async () => {
    const contentUuid = contentOf("receipt.png");
    const reader = await installTest(library, [{ kind: "read_entries", glob: "**/*" }, { kind: "read_sidecars", kinds: ["ocr"] }], { id: "org.example.reader" });
    const read = await call(reader, "sidecars.read", { contentUuid, kind: "ocr" });
    expect(read.data).toMatchObject({ text: "Receipt 2026\nTotal 12.50 EUR", engine: "PP-OCRv4" });
    const exifOnly = await installTest(library, [{ kind: "read_entries", glob: "**/*" }, { kind: "read_sidecars", kinds: ["exif"] }], { id: "org.example.exif" });
    const denied = await hostError(() => call(exifOnly, "sidecars.read", { contentUuid, kind: "ocr" }));
    expect(denied).toMatchObject({ code: "SDX3001", name: "PermissionDenied" });
    const none = await installTest(library, [{ kind: "read_entries", glob: "**/*" }], { id: "org.example.none" });
    expect((await hostError(() => call(none, "sidecars.read", { contentUuid, kind: "ocr" }))).code).toBe("SDX3001");
    // The core's sidecar cannot be overwritten by an extension that may write "ocr" sidecars.
    const writer = await installTest(library, [{ kind: "read_entries", glob: "**/*" }, { kind: "write_sidecars", kinds: ["ocr"] }], { id: "org.example.writer" });
    expect((await hostError(() => call(writer, "sidecars.write", { contentUuid, kind: "ocr", data: { text: "forged" } }))).code).toBe("SDX3001");
  });
});
