/**
 * The indexer's OCR pass: text of document images into an "ocr" sidecar, once per content,
 * written by the core (extensions read it with `ReadSidecars({ kinds: ["ocr"] })`):
 * `{ text, lines: [{ text, box: [x1, y1, x2, y2], confidence }], engine: "PP-OCRv4", width, height }`
 * (boxes in pixels of the EXIF-oriented image, whose size `width`/`height` give).
 *
 * Which images: `IndexOptions.ocr` — `true`: every still image sharp decodes (PNG, JPEG, WebP,
 * TIFF, GIF's first frame, …); `false`: none; unset: only *page-like* images (below). The default
 * is by pixels, not by EXIF: scans and screenshots mostly carry no EXIF, and a phone shot of a
 * receipt carries a camera's, so EXIF does not tell a page from a photo. A page is mostly light,
 * almost colourless background with some dark ink (measured on a ≤ 256 px reduction: ≥ 60 %
 * light pixels, 0.1–35 % dark ones, mean chroma < 15). On the shared fixtures this picks every
 * document scan and none of the 36 photos. A page-like image with no text gets a sidecar with
 * empty text, so it is not read again.
 */
import fs from "node:fs";
import { loadSharp } from "../lazy-modules.js";
import { appendEntryError } from "../../store/entries-store.js";
import type { Library } from "../../store/library.js";
import { hasSidecar, insertCoreSidecar } from "../../store/sidecars-store.js";
import { uuidToBlob } from "../../store/uuid.js";
import { OCR_ENGINE, recognize } from "../ocr/index.js";
import type { MediaJob } from "./media.js";

export type OcrMode = boolean | "documents";

/** Share of light pixels, dark pixels and mean chroma of a page-like image; see the header. */
const PAGE = { minLight: 0.6, minInk: 0.001, maxInk: 0.35, maxChroma: 15 };

/** Whether `bytes` look like a page of text (see the header); `false` for anything undecodable. */
export async function looksLikePage(bytes: Uint8Array): Promise<boolean> {
  try {
    const sharp = await loadSharp();
    const { data, info } = await sharp(bytes, { failOn: "truncated" })
      .rotate()
      .flatten({ background: "#ffffff" })
      .resize(256, 256, { fit: "inside", withoutEnlargement: true })
      .toColourspace("srgb")
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) return false;
    const n = info.width * info.height;
    let light = 0, ink = 0, chroma = 0;
    for (let i = 0; i < n * 3; i += 3) {
      const r = data[i], g = data[i + 1], b = data[i + 2];
      const luma = 0.299 * r + 0.587 * g + 0.114 * b;
      if (luma >= 200) light += 1;
      else if (luma < 120) ink += 1;
      chroma += Math.max(r, g, b) - Math.min(r, g, b);
    }
    return light / n >= PAGE.minLight && ink / n >= PAGE.minInk && ink / n <= PAGE.maxInk && chroma / n < PAGE.maxChroma;
  } catch {
    // Undecodable images are reported by the thumbnail step; OCR just leaves them alone.
    return false;
  }
}

/** OCR of the indexed images `mode` selects (once per content; `done` is kept across calls); returns the number of "ocr" sidecars written. */
export async function ocrImages(
  library: Library,
  jobs: readonly MediaJob[],
  mode: OcrMode,
  problem: (item: { rel: string }, error: string) => void,
  done = new Set<string>(),
): Promise<number> {
  if (mode === false) return 0;
  let written = 0;
  for (const job of jobs) {
    if (done.has(job.contentUuid)) continue;
    done.add(job.contentUuid);
    const content = uuidToBlob(job.contentUuid);
    if (hasSidecar(library, content, "ocr")) continue;
    let bytes: Buffer;
    try {
      bytes = await fs.promises.readFile(job.item.abs);
    } catch {
      continue; // reported by the media step
    }
    if (mode === "documents" && !(await looksLikePage(bytes))) continue;
    try {
      const result = await recognize(bytes);
      const now = new Date().toISOString();
      const data = { text: result.text, lines: result.lines, engine: OCR_ENGINE, width: result.width, height: result.height };
      insertCoreSidecar(library, content, "ocr", JSON.stringify(data), now);
      written += 1;
    } catch (error) {
      // With `ocr: true` a non-image or odd format lands here; it is an entry error like EXIF's.
      const message = `ocr: ${(error as Error).message}`;
      appendEntryError(library, job.entryUuid, message);
      problem(job.item, message);
    }
  }
  return written;
}
