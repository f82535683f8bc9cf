/**
 * The real PP-OCRv4 models on pages this test renders (sharp from SVG, DejaVu Sans): the text,
 * the boxes against where the ink landed, EXIF orientation, upside-down text, blank and broken
 * input. Clear words must match exactly; for the two-line paragraph a small edit distance is
 * allowed (≤ 2 characters per line), because a recognizer may legitimately confuse a glyph pair.
 */
import { SdxError } from "@sdx/sdk/errors";
import sharp from "sharp";
import { afterAll, describe, expect, it } from "vitest";
import { OnnxSessions } from "../ai/onnx.js";
import { recognize, type OcrLine } from "./ocr.js";
import { renderPage } from "./render-page.js";
import { editDistance } from "./text-metrics.js";

const sessions = new OnnxSessions({ idleMs: 5_000 });
afterAll(() => sessions.close());

/**
 * Each edge of the detected box lies within 15% of the font size + 2 detector-map pixels of the
 * drawn ink's edge (`mapPixel`: image pixels per map pixel, > 1 when the page is wider than 960).
 */
function expectBoxAround(line: OcrLine, ink: [number, number, number, number], size: number, mapPixel = 1): void {
  const tolerance = 0.15 * size + 2 * mapPixel;
  line.box.forEach((edge, i) => expect(Math.abs(edge - ink[i]), `edge ${i}: box ${line.box.join(",")} vs ink ${ink.join(",")}`).toBeLessThanOrEqual(tolerance));
}

describe("recognize", () => {
  it("reads a clear line exactly and boxes it where it was drawn", async () => {
    const page = await renderPage(720, 200, [{ text: "Hello sdx 2026", x: 60, y: 120, size: 64 }]);
    const result = await recognize(page.bytes, { sessions });
    expect(result.text).toBe("Hello sdx 2026");
    expect(result.lines).toHaveLength(1);
    expect(result.lines[0].confidence).toBeGreaterThan(0.9);
    expect(result).toMatchObject({ width: 720, height: 200 });
    expectBoxAround(result.lines[0], page.inkBoxes[0], 64);
  });

  it("reads a two-line paragraph in order, within 2 edits per line", async () => {
    const lines = ["The quick brown fox jumps over the lazy dog.", "Pack my box with five dozen liquor jugs."];
    const page = await renderPage(900, 220, lines.map((text, i) => ({ text, x: 40, y: 80 + i * 70, size: 36 })));
    const result = await recognize(page.bytes, { sessions });
    const got = result.text.split("\n");
    expect(got).toHaveLength(2);
    got.forEach((text, i) => expect(editDistance(lines[i], text)).toBeLessThanOrEqual(2));
    result.lines.forEach((line, i) => expectBoxAround(line, page.inkBoxes[i], 36));
  });

  it("applies EXIF orientation first (a page stored turned, Orientation 6)", async () => {
    const page = await renderPage(640, 180, [{ text: "Invoice 4711", x: 40, y: 110, size: 56 }]);
    // Stored pixels turned 90° counter-clockwise; Orientation 6 tells viewers to turn them back.
    const stored = await sharp(page.bytes).rotate(270).jpeg({ quality: 92 }).withMetadata({ orientation: 6 }).toBuffer();
    expect((await sharp(stored).metadata()).orientation).toBe(6);
    const result = await recognize(stored, { sessions });
    expect(result.text).toBe("Invoice 4711");
    expect(result).toMatchObject({ width: 640, height: 180 });
    expectBoxAround(result.lines[0], page.inkBoxes[0], 56);
  });

  it("turns upside-down lines with the direction classifier", async () => {
    const page = await renderPage(640, 160, [{ text: "Upside down 42", x: 40, y: 100, size: 56 }]);
    const flipped = await sharp(page.bytes).rotate(180).png().toBuffer();
    expect((await recognize(flipped, { sessions })).text).toBe("Upside down 42");
    expect((await recognize(flipped, { sessions, classifyDirection: false })).text).not.toBe("Upside down 42");
  });

  it("reads a page over 4096 px downscaled and reports boxes in full-size pixels", async () => {
    const page = await renderPage(5200, 900, [{ text: "Wide scan 300 dpi", x: 400, y: 500, size: 160 }]);
    const result = await recognize(page.bytes, { sessions });
    expect(result.text).toBe("Wide scan 300 dpi");
    expect(result).toMatchObject({ width: 5200, height: 900 });
    expectBoxAround(result.lines[0], page.inkBoxes[0], 160, 5200 / 960);
  });

  it("finds nothing on a blank page and refuses bytes that are not an image", async () => {
    const blank = await sharp({ create: { width: 300, height: 200, channels: 3, background: "#ffffff" } }).png().toBuffer();
    expect(await recognize(blank, { sessions })).toEqual({ text: "", lines: [], width: 300, height: 200 });
    const error = await recognize(new TextEncoder().encode("not an image"), { sessions }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SdxError);
    expect((error as SdxError).code).toBe("SDX3002");
  });
});
