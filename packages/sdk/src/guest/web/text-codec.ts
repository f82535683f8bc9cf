/**
 * `TextEncoder` / `TextDecoder` for the sandbox (QuickJS has neither). UTF-8 only, as the WHATWG
 * Encoding Standard specifies it: lone surrogates encode as U+FFFD, invalid byte sequences decode
 * to one U+FFFD per maximal subpart (or throw with `fatal`), a leading BOM is dropped unless
 * `ignoreBOM`, and `{ stream: true }` keeps an incomplete sequence for the next call.
 * Small inputs are handled in JS; large one-shot ones go to the host's native codec when the
 * runtime installed it (a QuickJS loop costs ~0.5 µs a byte, a sync host call ~5 µs in all).
 */

const REPLACEMENT = 0xfffd;
const UTF8_LABELS = new Set(["unicode-1-1-utf-8", "unicode11utf8", "unicode20utf8", "utf-8", "utf8", "x-unicode20utf8"]);

export interface EncodeIntoResult { read: number; written: number }

/** Inputs at least this large go to the host's native codec when one is installed (QuickJS loops cost ~0.5 µs a byte). */
export const BULK_MIN = 1024;

/** A native UTF-8 codec (the host's `text.encode`/`text.decode` ops); it may throw, then the JS path runs. */
export interface BulkCodec {
  encode(text: string): Uint8Array;
  decode(bytes: Uint8Array, fatal: boolean): string;
}
let bulk: BulkCodec | undefined;

/** Installs (or removes) the native codec used for large, one-shot inputs. */
export function useBulkCodec(codec: BulkCodec | undefined): void {
  bulk = codec;
}

/** Encodes `s` into `out` until it is full; a code point is never split. */
function encodeRange(s: string, out: Uint8Array): EncodeIntoResult {
  const n = s.length;
  const cap = out.length;
  let i = 0;
  let w = 0;
  while (i < n) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      if (w >= cap) break;
      out[w++] = c;
      i++;
      continue;
    }
    let units = 1;
    if (c >= 0xd800 && c <= 0xdfff) {
      const next = i + 1 < n ? s.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
        units = 2;
      } else {
        c = REPLACEMENT; // lone surrogate
      }
    }
    if (c < 0x800) {
      if (w + 2 > cap) break;
      out[w++] = 0xc0 | (c >> 6);
    } else if (c < 0x10000) {
      if (w + 3 > cap) break;
      out[w++] = 0xe0 | (c >> 12);
      out[w++] = 0x80 | ((c >> 6) & 0x3f);
    } else {
      if (w + 4 > cap) break;
      out[w++] = 0xf0 | (c >> 18);
      out[w++] = 0x80 | ((c >> 12) & 0x3f);
      out[w++] = 0x80 | ((c >> 6) & 0x3f);
    }
    out[w++] = 0x80 | (c & 0x3f);
    i += units;
  }
  return { read: i, written: w };
}

/** Exact UTF-8 length, so `encode` allocates once and `.buffer` holds only the result. */
function utf8Length(s: string): number {
  const n = s.length;
  let size = n;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) size += 1;
    else if (c <= 0xdbff && c >= 0xd800 && i + 1 < n && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      size += 2; // 4 bytes for 2 units
      i++;
    } else size += 2;
  }
  return size;
}

export class GuestTextEncoder {
  get encoding(): "utf-8" {
    return "utf-8";
  }

  encode(input: string = ""): Uint8Array {
    const s = String(input);
    if (bulk && s.length >= BULK_MIN) {
      try {
        return bulk.encode(s);
      } catch {
        // The host refused (or has no such op): encode in JS.
      }
    }
    const out = new Uint8Array(utf8Length(s));
    encodeRange(s, out);
    return out;
  }

  encodeInto(source: string, destination: Uint8Array): EncodeIntoResult {
    return encodeRange(String(source), destination);
  }
}

function toBytes(input: unknown): Uint8Array {
  if (input === undefined || input === null) return new Uint8Array(0);
  if (input instanceof ArrayBuffer) return new Uint8Array(input);
  if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  if (typeof SharedArrayBuffer !== "undefined" && input instanceof SharedArrayBuffer) return new Uint8Array(input);
  throw new TypeError('The "input" argument must be an ArrayBuffer or an ArrayBufferView');
}

const CHUNK = 8192;
const isBom = (b: Uint8Array, at: number) => b[at] === 0xef && b[at + 1] === 0xbb && b[at + 2] === 0xbf;
const fromUnits = (units: Uint16Array | Uint8Array) => String.fromCharCode.apply(null, units as unknown as number[]);

export class GuestTextDecoder {
  readonly #fatal: boolean;
  readonly #ignoreBOM: boolean;
  // Decoder state carried across `stream` calls (WHATWG "UTF-8 decoder").
  #needed = 0;
  #seen = 0;
  #cp = 0;
  #lower = 0x80;
  #upper = 0xbf;
  #bomChecked = false;

  constructor(label: string = "utf-8", options: { fatal?: boolean; ignoreBOM?: boolean } = {}) {
    const normalized = String(label).replace(/^[\t\n\f\r ]+|[\t\n\f\r ]+$/g, "").toLowerCase();
    if (!UTF8_LABELS.has(normalized)) {
      throw new RangeError(`The "${String(label)}" encoding is not supported (the sdx guest decodes UTF-8 only)`);
    }
    this.#fatal = Boolean(options?.fatal);
    this.#ignoreBOM = Boolean(options?.ignoreBOM);
  }

  get encoding(): string {
    return "utf-8";
  }
  get fatal(): boolean {
    return this.#fatal;
  }
  get ignoreBOM(): boolean {
    return this.#ignoreBOM;
  }

  decode(input?: ArrayBuffer | ArrayBufferView, options?: { stream?: boolean }): string {
    const bytes = toBytes(input);
    const stream = Boolean(options?.stream);
    if (!stream && bulk && bytes.length >= BULK_MIN && this.#needed === 0 && !this.#bomChecked) {
      // The BOM is handled here so the result does not depend on how the host treats it.
      const start = isBom(bytes, 0) ? 3 : 0;
      if (!isBom(bytes, start)) {
        try {
          return (start && this.#ignoreBOM ? "\ufeff" : "") + bulk.decode(bytes.subarray(start), this.#fatal);
        } catch {
          // Fall through: the JS decoder gives the standard error (or result) itself.
        }
      }
    }
    return this.#decodeJs(bytes, stream);
  }

  #decodeJs(bytes: Uint8Array, stream: boolean): string {
    const parts: string[] = [];
    const units = new Uint16Array(CHUNK + 2);
    let u = 0;
    let needed = this.#needed, seen = this.#seen, cp = this.#cp, lower = this.#lower, upper = this.#upper;
    let bomChecked = this.#bomChecked;
    const flush = () => {
      if (u > 0) parts.push(fromUnits(units.subarray(0, u)));
      u = 0;
    };
    const emit = (c: number) => {
      if (!bomChecked) {
        bomChecked = true;
        if (c === 0xfeff && !this.#ignoreBOM) return;
      }
      if (c > 0xffff) {
        c -= 0x10000;
        units[u++] = 0xd800 + (c >> 10);
        units[u++] = 0xdc00 + (c & 0x3ff);
      } else units[u++] = c;
      if (u >= CHUNK) flush();
    };
    const fail = () => {
      if (this.#fatal) {
        this.#reset();
        throw new TypeError("The encoded data was not valid for encoding utf-8");
      }
      emit(REPLACEMENT);
    };

    const n = bytes.length;
    for (let i = 0; i < n; i++) {
      const b = bytes[i]!;
      if (needed === 0) {
        if (b < 0x80) {
          // ASCII run: converted natively, a chunk at a time.
          let j = i + 1;
          while (j < n && bytes[j]! < 0x80) j++;
          bomChecked = true;
          if (j - i > 32) {
            flush();
            for (let k = i; k < j; k += CHUNK) parts.push(fromUnits(bytes.subarray(k, Math.min(j, k + CHUNK))));
          } else {
            for (let k = i; k < j; k++) units[u++] = bytes[k]!;
            if (u >= CHUNK) flush();
          }
          i = j - 1;
        } else if (b >= 0xc2 && b <= 0xdf) {
          needed = 1;
          cp = b & 0x1f;
        } else if (b >= 0xe0 && b <= 0xef) {
          if (b === 0xe0) lower = 0xa0;
          if (b === 0xed) upper = 0x9f;
          needed = 2;
          cp = b & 0x0f;
        } else if (b >= 0xf0 && b <= 0xf4) {
          if (b === 0xf0) lower = 0x90;
          if (b === 0xf4) upper = 0x8f;
          needed = 3;
          cp = b & 0x07;
        } else {
          fail();
        }
        continue;
      }
      if (b < lower || b > upper) {
        // The sequence so far is one error; the byte starts over (maximal-subpart replacement).
        needed = seen = cp = 0;
        lower = 0x80;
        upper = 0xbf;
        fail();
        i--;
        continue;
      }
      lower = 0x80;
      upper = 0xbf;
      cp = (cp << 6) | (b & 0x3f);
      if (++seen === needed) {
        const done = cp;
        needed = seen = cp = 0;
        emit(done);
      }
    }
    if (!stream) {
      const pending = needed !== 0;
      needed = seen = cp = 0;
      lower = 0x80;
      upper = 0xbf;
      if (pending) fail();
      bomChecked = false;
    }
    this.#needed = needed;
    this.#seen = seen;
    this.#cp = cp;
    this.#lower = lower;
    this.#upper = upper;
    this.#bomChecked = bomChecked;
    flush();
    return parts.length === 1 ? parts[0]! : parts.join("");
  }

  #reset(): void {
    this.#needed = this.#seen = this.#cp = 0;
    this.#lower = 0x80;
    this.#upper = 0xbf;
    this.#bomChecked = false;
  }
}
