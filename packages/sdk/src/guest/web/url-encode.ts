/**
 * Percent-encoding for the URL parser (WHATWG URL §1.3): the encode sets, UTF-8 percent-encoding
 * of strings, and percent-decoding back to text.
 */
import { GuestTextDecoder, GuestTextEncoder } from "./text-codec.js";

export type EncodeSet = (c: number) => boolean;

/** A set as a 128-entry table for ASCII (every set contains all code points above U+007E). */
function encodeSet(base: Uint8Array | null, chars: string): EncodeSet & { table: Uint8Array } {
  const table = base ? base.slice() : new Uint8Array(128).fill(1, 0, 0x20).fill(1, 0x7f);
  for (const ch of chars) table[ch.charCodeAt(0)] = 1;
  return Object.assign((c: number) => c > 0x7e || table[c] === 1, { table });
}

export const C0_CONTROL = encodeSet(null, "");
export const FRAGMENT = encodeSet(C0_CONTROL.table, ' "<>`');
export const QUERY = encodeSet(C0_CONTROL.table, ' "#<>');
export const SPECIAL_QUERY = encodeSet(QUERY.table, "'");
export const PATH = encodeSet(QUERY.table, "?`{}");
export const USERINFO = encodeSet(PATH.table, "/:;=@[\\]^|");
export const COMPONENT = encodeSet(USERINFO.table, "$%&+,");
export const FORM = encodeSet(COMPONENT.table, "!'()~");

const encoder = new GuestTextEncoder();
const HEX = "0123456789ABCDEF";

/** UTF-8 percent-encodes every code point of `input` that is in `set`; `spaceAsPlus` is the form serializer's rule. */
export function percentEncode(input: string, set: EncodeSet, spaceAsPlus = false): string {
  let out = "";
  for (const ch of input) {
    const c = ch.codePointAt(0)!;
    if (spaceAsPlus && c === 0x20) out += "+";
    else if (!set(c)) out += ch;
    else for (const byte of encoder.encode(ch)) out += "%" + HEX[byte >> 4] + HEX[byte & 15];
  }
  return out;
}

const isHex = (c: number) => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);

/** Percent-decodes to bytes (invalid `%` sequences stay as they are). */
export function percentDecodeBytes(input: string): Uint8Array {
  const bytes = encoder.encode(input);
  const out = new Uint8Array(bytes.length);
  let w = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === 0x25 && i + 2 < bytes.length && isHex(bytes[i + 1]!) && isHex(bytes[i + 2]!)) {
      out[w++] = Number.parseInt(String.fromCharCode(bytes[i + 1]!, bytes[i + 2]!), 16);
      i += 2;
    } else out[w++] = b;
  }
  return out.subarray(0, w);
}

/** Percent-decodes and reads the bytes as UTF-8 (invalid sequences become U+FFFD). */
export function percentDecode(input: string): string {
  return new GuestTextDecoder("utf-8", { ignoreBOM: true }).decode(percentDecodeBytes(input));
}
