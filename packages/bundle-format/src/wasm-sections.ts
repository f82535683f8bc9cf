/**
 * Minimal WebAssembly binary reading/writing: the module header, section framing and custom
 * sections. Input: bytes. Output: a list of sections with their byte ranges. It does not decode
 * non-custom sections (WebAssembly.compile does that); it only needs their extent.
 */

export const WASM_HEADER = Uint8Array.of(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00);
const CUSTOM_SECTION_ID = 0;

export interface WasmSection {
  id: number;
  /** Custom sections only. */
  name?: string;
  /** Payload (after the name, for custom sections). */
  payload: Uint8Array;
  /** Offset of the section id byte in the module. */
  start: number;
  /** Offset just past the section. */
  end: number;
}

export function encodeU32(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

function decodeU32(bytes: Uint8Array, offset: number): { value: number; next: number } {
  let result = 0;
  let shift = 0;
  for (let i = offset; i < bytes.length && i < offset + 5; i++) {
    const byte = bytes[i]!;
    result |= (byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return { value: result >>> 0, next: i + 1 };
    shift += 7;
  }
  throw new RangeError(`malformed LEB128 at byte ${offset}`);
}

/** Encodes one custom section: id 0, size, name (length-prefixed UTF-8), payload. */
export function encodeCustomSection(name: string, payload: Uint8Array): Uint8Array {
  const nameBytes = new TextEncoder().encode(name);
  const body = [...encodeU32(nameBytes.length)];
  const size = body.length + nameBytes.length + payload.length;
  const head = [CUSTOM_SECTION_ID, ...encodeU32(size), ...body];
  const out = new Uint8Array(head.length + nameBytes.length + payload.length);
  out.set(head, 0);
  out.set(nameBytes, head.length);
  out.set(payload, head.length + nameBytes.length);
  return out;
}

/** Splits a module into its sections. Throws a RangeError describing the first structural problem. */
export function readSections(bytes: Uint8Array): WasmSection[] {
  if (bytes.length < 8 || !WASM_HEADER.every((b, i) => bytes[i] === b)) {
    throw new RangeError("not a WebAssembly module (bad magic or version)");
  }
  const sections: WasmSection[] = [];
  let offset = 8;
  const decoder = new TextDecoder("utf-8", { fatal: true });
  while (offset < bytes.length) {
    const start = offset;
    const id = bytes[offset]!;
    const size = decodeU32(bytes, offset + 1);
    const payloadStart = size.next;
    const end = payloadStart + size.value;
    if (end > bytes.length) throw new RangeError(`section at byte ${start} runs past the end of the file`);
    if (id === CUSTOM_SECTION_ID) {
      const nameLen = decodeU32(bytes, payloadStart);
      const nameEnd = nameLen.next + nameLen.value;
      if (nameEnd > end) throw new RangeError(`custom section name at byte ${start} is malformed`);
      const name = decoder.decode(bytes.subarray(nameLen.next, nameEnd));
      sections.push({ id, name, payload: bytes.subarray(nameEnd, end), start, end });
    } else {
      sections.push({ id, payload: bytes.subarray(payloadStart, end), start, end });
    }
    offset = end;
  }
  return sections;
}
