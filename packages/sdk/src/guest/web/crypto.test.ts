import { describe, expect, it } from "vitest";
import { createCrypto } from "./crypto.js";

describe("crypto without a host", () => {
  it("draws from the byte source it was given, pooling UUIDs", () => {
    const asked: number[] = [];
    const crypto = createCrypto((length) => {
      asked.push(length);
      return new Uint8Array(length).fill(0xff);
    });
    expect(crypto.getRandomValues(new Uint16Array(2))).toEqual(new Uint16Array([0xffff, 0xffff]));
    // Version 4 and the RFC 4122 variant are forced onto the source's bytes.
    expect(crypto.randomUUID()).toBe("ffffffff-ffff-4fff-bfff-ffffffffffff");
    crypto.randomUUID();
    expect(asked).toEqual([4, 2048]);
  });
});
