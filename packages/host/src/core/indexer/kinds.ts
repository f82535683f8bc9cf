/**
 * What a file is, from its first bytes (magic numbers) and its extension. Magic wins: a JPEG
 * named `.txt` is an image. Without a known signature the extension decides; without a known
 * extension, a head that is valid UTF-8 without NUL bytes is text.
 */
import type { EntryKind } from "@sdx/sdk";

interface Signature {
  kind: EntryKind;
  offset: number;
  bytes: number[];
  /** Extra check on bytes elsewhere (e.g. RIFF subtype, ftyp brand). */
  also?: (head: Uint8Array) => boolean;
}

const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));
const at = (head: Uint8Array, offset: number, text: string): boolean => ascii(text).every((b, i) => head[offset + i] === b);

const IMAGE_BRANDS = ["heic", "heix", "hevc", "heim", "heis", "mif1", "msf1", "avif", "avis"];

const SIGNATURES: Signature[] = [
  { kind: "image", offset: 0, bytes: [0xff, 0xd8, 0xff] },
  { kind: "image", offset: 0, bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] },
  { kind: "image", offset: 0, bytes: ascii("GIF8") },
  { kind: "image", offset: 0, bytes: ascii("RIFF"), also: (h) => at(h, 8, "WEBP") },
  { kind: "image", offset: 0, bytes: [0x49, 0x49, 0x2a, 0x00] },
  { kind: "image", offset: 0, bytes: [0x4d, 0x4d, 0x00, 0x2a] },
  { kind: "image", offset: 0, bytes: ascii("BM") , also: (h) => h.length >= 14 },
  { kind: "image", offset: 4, bytes: ascii("ftyp"), also: (h) => IMAGE_BRANDS.some((b) => at(h, 8, b)) },
  { kind: "video", offset: 4, bytes: ascii("ftyp") },
  { kind: "video", offset: 0, bytes: [0x1a, 0x45, 0xdf, 0xa3] },
  { kind: "video", offset: 0, bytes: ascii("RIFF"), also: (h) => at(h, 8, "AVI ") },
  { kind: "audio", offset: 0, bytes: ascii("RIFF"), also: (h) => at(h, 8, "WAVE") },
  { kind: "audio", offset: 0, bytes: ascii("ID3") },
  { kind: "audio", offset: 0, bytes: ascii("fLaC") },
  { kind: "audio", offset: 0, bytes: ascii("OggS") },
  { kind: "document", offset: 0, bytes: ascii("%PDF-") },
  { kind: "archive", offset: 0, bytes: [0x50, 0x4b, 0x03, 0x04] },
  { kind: "archive", offset: 0, bytes: [0x1f, 0x8b] },
  { kind: "archive", offset: 0, bytes: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c] },
  { kind: "archive", offset: 0, bytes: ascii("Rar!\x1a\x07") },
  { kind: "archive", offset: 0, bytes: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00] },
  { kind: "archive", offset: 0, bytes: [0x28, 0xb5, 0x2f, 0xfd] },
];

const BY_EXTENSION: Record<string, EntryKind> = {};
const add = (kind: EntryKind, list: string): void => {
  for (const ext of list.split(" ")) BY_EXTENSION[ext] = kind;
};
add("image", "jpg jpeg png gif webp heic heif avif tif tiff bmp svg ico raw cr2 nef arw dng");
add("video", "mp4 m4v mov mkv webm avi wmv flv mpg mpeg 3gp");
add("audio", "mp3 wav flac ogg oga opus m4a aac wma aiff");
add("document", "pdf doc docx odt rtf xls xlsx ods ppt pptx odp epub pages numbers key");
add("archive", "zip tar gz tgz bz2 xz zst 7z rar");
add("code", "ts tsx js jsx mjs cjs rs py go java c h cc cpp hpp cs rb php swift kt scala sh bash zsh sql lua");
add("text", "txt md markdown csv tsv log json yaml yml toml ini xml html htm css rst tex");

/** Office formats are zip files; their extension says more than the zip magic. */
const ZIP_DOCUMENTS = new Set(["docx", "xlsx", "pptx", "odt", "ods", "odp", "epub", "pages", "numbers", "key"]);

function looksLikeText(head: Uint8Array): boolean {
  if (head.includes(0)) return false;
  try {
    // A multi-byte character cut at the end of the head is fine: drop up to 3 trailing bytes.
    new TextDecoder("utf-8", { fatal: true }).decode(head.subarray(0, Math.max(0, head.length - 3)));
    return true;
  } catch {
    return false;
  }
}

export function extensionOf(name: string): string | null {
  const dot = name.lastIndexOf(".");
  if (dot <= 0 || dot === name.length - 1) return null;
  return name.slice(dot + 1).toLowerCase();
}

/** The kind of a file from its head (the first few KiB) and its extension. */
export function detectKind(head: Uint8Array, extension: string | null): EntryKind {
  for (const s of SIGNATURES) {
    if (head.length < s.offset + s.bytes.length) continue;
    if (s.bytes.every((b, i) => head[s.offset + i] === b) && (!s.also || s.also(head))) {
      if (s.kind === "archive" && extension && ZIP_DOCUMENTS.has(extension)) return "document";
      return s.kind;
    }
  }
  const byExtension = extension ? BY_EXTENSION[extension] : undefined;
  if (byExtension) {
    // Binary media must carry their magic; a ".jpg" that is plain text is text.
    if ((byExtension === "image" || byExtension === "video" || byExtension === "audio") && looksLikeText(head) && extension !== "svg") return "text";
    return byExtension;
  }
  return looksLikeText(head) ? "text" : "unknown";
}

/** Kind by extension only (for entries whose bytes could not be read). */
export function kindFromExtension(extension: string | null): EntryKind {
  return (extension && BY_EXTENSION[extension]) || "unknown";
}
