/**
 * Pages with known text, for OCR tests and benchmarks: text runs drawn from SVG by sharp
 * (librsvg, DejaVu Sans), and where each run's ink actually landed (each run is drawn alone and
 * its dark pixels bounded), so a test can check boxes against the truth rather than a guess of
 * the font's metrics.
 */
import { loadSharp } from "../lazy-modules.js";

export interface TextRun {
  text: string;
  /** Left edge and baseline, px. */
  x: number;
  y: number;
  /** Font size, px. */
  size: number;
}

export interface RenderedPage {
  /** Encoded page (PNG unless `format: "jpeg"`). */
  bytes: Buffer;
  width: number;
  height: number;
  /** Ink bounds of each run, [x1, y1, x2, y2] (x2, y2 exclusive). */
  inkBoxes: Array<[number, number, number, number]>;
}

const escapeXml = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

function svg(width: number, height: number, runs: readonly TextRun[]): Buffer {
  const texts = runs
    .map((r) => `<text x="${r.x}" y="${r.y}" font-family="DejaVu Sans" font-size="${r.size}" fill="#111">${escapeXml(r.text)}</text>`)
    .join("");
  return Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="#fff"/>${texts}</svg>`);
}

async function inkBox(width: number, height: number, run: TextRun): Promise<[number, number, number, number]> {
  const sharp = await loadSharp();
  const { data } = await sharp(svg(width, height, [run])).greyscale().raw().toBuffer({ resolveWithObject: true });
  let x1 = width, y1 = height, x2 = 0, y2 = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (data[y * width + x] >= 128) continue;
      x1 = Math.min(x1, x);
      y1 = Math.min(y1, y);
      x2 = Math.max(x2, x + 1);
      y2 = Math.max(y2, y + 1);
    }
  }
  return [x1, y1, x2, y2];
}

export async function renderPage(width: number, height: number, runs: readonly TextRun[], format: "png" | "jpeg" = "png"): Promise<RenderedPage> {
  const sharp = await loadSharp();
  const page = sharp(svg(width, height, runs)).flatten({ background: "#ffffff" });
  const bytes = await (format === "png" ? page.png() : page.jpeg({ quality: 90 })).toBuffer();
  const inkBoxes = await Promise.all(runs.map((r) => inkBox(width, height, r)));
  return { bytes, width, height, inkBoxes };
}
