import { describe, expect, it } from "vitest";
import { decodeMessage, encodeMessage } from "./codec.js";

describe("protocol codec", () => {
  it("round-trips typed arrays as binary attachments, not JSON number lists", () => {
    const backing = new Float32Array([9, 1.5, -2, 3.25, 9]);
    const value = {
      floats: backing.subarray(1, 4), bytes: new Uint8Array([0, 255, 7]), ints: new Int32Array([-1, 2 ** 31 - 1]),
      big: new BigInt64Array([-5n, 2n ** 62n]), buffer: new Uint8Array([1, 2, 3]).buffer, n: 12n, nested: [{ f64: new Float64Array([Math.PI]) }],
      text: "héllo", nil: null,
    };
    const message = encodeMessage(value);
    expect(message.json).not.toContain("1.5");
    expect(message.buffers).toHaveLength(6);
    expect(message.buffers[0]!.byteLength).toBe(12); // only the viewed part of the Float32Array
    const back = decodeMessage<typeof value>(message);
    expect(back.floats).toBeInstanceOf(Float32Array);
    expect([...back.floats]).toEqual([1.5, -2, 3.25]);
    expect(back.bytes).toEqual(value.bytes);
    expect(back.ints).toEqual(value.ints);
    expect(back.big).toEqual(value.big);
    expect(new Uint8Array(back.buffer)).toEqual(new Uint8Array([1, 2, 3]));
    expect(back.n).toBe(12n);
    expect(back.nested[0]!.f64[0]).toBe(Math.PI);
    expect(back.text).toBe("héllo");
    expect(back.nil).toBeNull();
  });

  it("copies attachments so the sender may reuse its arrays", () => {
    const bytes = new Uint8Array([1, 2]);
    const message = encodeMessage({ bytes });
    bytes[0] = 99;
    expect(decodeMessage<{ bytes: Uint8Array }>(message).bytes[0]).toBe(1);
  });

  it("refuses a message that names a missing attachment", () => {
    expect(() => decodeMessage({ json: '{"$bin":0,"type":"Uint8Array"}', buffers: [] })).toThrow(/missing binary attachment/);
  });
});
