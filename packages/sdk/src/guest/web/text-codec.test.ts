import { describe, expect, it } from "vitest";
import { GuestTextDecoder, GuestTextEncoder } from "./text-codec.js";

const TRICKY = [
  "", "plain ascii", "héllo wörld", "日本語テキスト", "emoji 👍🏽 family 👨‍👩‍👧‍👦", "\u{10FFFF}\u{10000}",
  "lone high \ud800 end", "lone low \udc00 mid", "reversed \udc00\ud800", "trailing high \ud83d", "\0nul\u0080\u07ff\u0800\uffff",
  "\ufeffbom first", "x".repeat(20000) + "é".repeat(5000) + "😀".repeat(5000),
];

const BYTES: number[][] = [
  [0xc3], [0xe2, 0x82], [0xf0, 0x9f, 0x98], [0xff, 0xfe, 0x41], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80],
  [0xe0, 0x80, 0x41], [0x80, 0xbf], [0xf0, 0x9f, 0x41, 0x98, 0x80], [0xef, 0xbb, 0xbf, 0x41], [0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf],
  [0x61, 0xf1, 0x80, 0x80, 0xe1, 0x80, 0xc2, 0x62], [0xf5, 0xf8, 0xfc, 0xfe], [0xe1, 0x41],
];

describe("TextEncoder", () => {
  it("encodes like Node, lone surrogates as U+FFFD", () => {
    const ours = new GuestTextEncoder();
    const node = new TextEncoder();
    for (const s of TRICKY) expect(ours.encode(s)).toEqual(node.encode(s));
    expect(ours.encode()).toEqual(new Uint8Array(0));
    expect(ours.encode("é").buffer.byteLength).toBe(2);
  });

  it("encodeInto stops before a code point that does not fit", () => {
    const ours = new GuestTextEncoder();
    const node = new TextEncoder();
    for (const s of ["a😀b", "éé", "abc", "\ud800x"]) {
      for (let size = 0; size <= 6; size++) {
        const a = new Uint8Array(size), b = new Uint8Array(size);
        expect(ours.encodeInto(s, a)).toEqual(node.encodeInto(s, b));
        expect(a).toEqual(b);
      }
    }
  });
});

describe("TextDecoder", () => {
  it("decodes like Node, round-tripping tricky strings", () => {
    const ours = new GuestTextDecoder();
    const node = new TextDecoder();
    const encoder = new TextEncoder();
    for (const s of TRICKY) expect(ours.decode(encoder.encode(s))).toBe(node.decode(encoder.encode(s)));
  });

  it("replaces invalid sequences exactly as Node does (maximal subparts), BOM handling included", () => {
    for (const ignoreBOM of [false, true]) {
      const ours = new GuestTextDecoder("utf-8", { ignoreBOM });
      const node = new TextDecoder("utf-8", { ignoreBOM });
      for (const bytes of BYTES) expect(ours.decode(new Uint8Array(bytes))).toBe(node.decode(new Uint8Array(bytes)));
    }
  });

  it("throws with fatal on invalid bytes and accepts valid ones", () => {
    const ours = new GuestTextDecoder("utf8", { fatal: true });
    const node = new TextDecoder("utf8", { fatal: true });
    for (const bytes of BYTES) {
      let nodeResult: string | Error;
      try { nodeResult = node.decode(new Uint8Array(bytes)); } catch (e) { nodeResult = e as Error; }
      if (nodeResult instanceof Error) expect(() => ours.decode(new Uint8Array(bytes))).toThrow(TypeError);
      else expect(ours.decode(new Uint8Array(bytes))).toBe(nodeResult);
    }
    expect(ours.fatal).toBe(true);
    expect(ours.decode(new Uint8Array([0x68, 0x69]))).toBe("hi"); // state was reset after the throw
  });

  it("streams: a code point split across chunks is kept for the next call", () => {
    const bytes = new TextEncoder().encode("\ufeffa😀é日");
    for (let cut = 0; cut <= bytes.length; cut++) {
      const ours = new GuestTextDecoder();
      const node = new TextDecoder();
      const a = ours.decode(bytes.subarray(0, cut), { stream: true }) + ours.decode(bytes.subarray(cut));
      const b = node.decode(bytes.subarray(0, cut), { stream: true }) + node.decode(bytes.subarray(cut));
      expect(a).toBe(b);
    }
    const trailing = new GuestTextDecoder();
    expect(trailing.decode(new Uint8Array([0xf0, 0x9f]), { stream: true })).toBe("");
    expect(trailing.decode()).toBe("\ufffd");
  });

  it("accepts ArrayBuffer, DataView and offset views; refuses other encodings", () => {
    const buf = new TextEncoder().encode("xxhixx").buffer;
    const ours = new GuestTextDecoder();
    expect(ours.decode(buf)).toBe("xxhixx");
    expect(ours.decode(new DataView(buf, 2, 2))).toBe("hi");
    expect(ours.decode(new Uint8Array(buf, 1, 3))).toBe("xhi");
    expect(new GuestTextDecoder(" UTF-8 ").encoding).toBe("utf-8");
    expect(() => new GuestTextDecoder("latin1")).toThrow(RangeError);
  });
});
