/**
 * Real-world OCR check (../shared/fixtures/docs, tesseract.js test assets; see SOURCES.md "docs/"):
 * the core's PP-OCRv4 pipeline reads scanned-looking pages. testocr.png is compared with its
 * transcription by character error rate after case/punctuation/space normalization (asserted
 * ≤ 5 %, printed); simple.png and its EXIF-rotated twin (Orientation 6) read "Tesseract.js";
 * the bank statement bill.png has its header and dated rows. Indexing docs/ and faces/ shows the
 * indexer's page detection picks every document and no photo.
 */
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FIXTURES } from "./fixtures.js";
import { recognize } from "../../packages/host/src/core/ocr/index.js";
import { characterErrorRate, normalizeText } from "../../packages/host/src/core/ocr/text-metrics.js";
import { indexLocation } from "../../packages/host/src/core/indexer/indexer.js";
import { closeAi } from "../../packages/host/src/core/ai/runtime.js";
import { cleanupTempDirs, openLibrary } from "../../packages/host/src/store/__tests__/fixture.js";

afterAll(async () => {
  await closeAi();
  cleanupTempDirs();
});

const doc = (name: string) => path.join(FIXTURES, "docs", name);
const squash = (s: string) => s.replace(/\s+/g, "");

const TESTOCR = [
  "This is a lot of 12 point text to test the",
  "ocr code and see if it works on all types",
  "of file format.",
  "The quick brown dog jumped over the",
  "lazy fox. The quick brown dog jumped",
  "over the lazy fox. The quick brown dog",
  "jumped over the lazy fox. The quick",
  "brown dog jumped over the lazy fox.",
].join("\n");

describe("OCR on the real document fixtures", () => {
  it("testocr.png: the paragraph, CER ≤ 5 % after normalization", async () => {
    const result = await recognize(doc("testocr.png"));
    const got = normalizeText(result.text);
    const cer = characterErrorRate(normalizeText(TESTOCR), got);
    console.log(`testocr.png CER ${(cer * 100).toFixed(2)} % (${result.lines.length} lines)`);
    expect(cer).toBeLessThanOrEqual(0.05);
    const near = (phrase: string) => got.includes(normalizeText(phrase));
    expect(near("This is a lot of 12 point text to test the")).toBe(true);
    expect(near("The quick brown dog jumped over the lazy fox")).toBe(true);
    // Lines come in reading order, top to bottom.
    const tops = result.lines.map((l) => l.box[1]);
    expect(tops).toEqual([...tops].sort((a, b) => a - b));
  });

  it("simple.png and the EXIF-rotated simple-90.jpg read the same word in the same place", async () => {
    const upright = await recognize(doc("simple.png"));
    const rotated = await recognize(doc("simple-90.jpg"));
    expect(upright.text).toBe("Tesseract.js");
    expect(rotated.text).toBe("Tesseract.js");
    expect(rotated).toMatchObject({ width: 320, height: 180 });
    rotated.lines[0].box.forEach((edge, i) => expect(Math.abs(edge - upright.lines[0].box[i])).toBeLessThanOrEqual(6));
  });

  it("bill.png: the header and the dated rows", async () => {
    const result = await recognize(doc("bill.png"));
    expect(squash(result.text)).toContain("FIRSTCHEQUING");
    expect(squash(result.text)).toContain("31Jul2018");
    const dated = result.text.split("\n").filter((row) => /^\d{2}(Jul|Aug)2018/.test(squash(row)));
    console.log(`bill.png: ${dated.length} of 12 table rows start with their date`);
    expect(dated.length).toBeGreaterThanOrEqual(10);
    expect(result.text).toMatch(/100,775\.12/);
  });

  it("indexing docs/ and faces/ reads every document and no photo", async () => {
    const library = openLibrary();
    const docs = await indexLocation(library, path.join(FIXTURES, "docs"));
    expect(docs.ocr).toBe(4);
    const faces = await indexLocation(library, path.join(FIXTURES, "faces"));
    expect(faces.ocr).toBe(0);
    const row = library.db.prepare("SELECT s.data FROM sidecars s JOIN entries e ON e.content_identity_uuid = s.content_uuid WHERE e.name = 'simple-90.jpg' AND s.kind = 'ocr'").get() as { data: string };
    expect(JSON.parse(row.data)).toMatchObject({ text: "Tesseract.js", engine: "PP-OCRv4" });
    library.close();
  });
});
