import { describe, expect, it } from "vitest";
import { structuredCloneImpl } from "./structured-clone.js";

function both<T>(value: T): [T, T] {
  return [structuredCloneImpl(value), structuredClone(value)];
}

describe("structuredClone (compared with Node's)", () => {
  it("clones data types the same way", () => {
    class Point { x = 1; y = 2; norm() { return 0; } }
    const sparse: unknown[] & { extra?: number } = [1, 2, 3];
    delete sparse[1]; // a hole
    sparse.extra = 4;
    const values: unknown[] = [
      0, -0, NaN, "s", null, undefined, true, 10n, { a: { b: [1, "two", { c: null }] } }, new Date(86_400_000), new Date(NaN),
      new Map<unknown, unknown>([[{ k: 1 }, new Set([1, "x"])], ["y", new Date(5)]]), new Set([[1], { a: 1 }]),
      new Uint8Array([1, 2, 3]), new Float64Array([Math.PI]), new BigUint64Array([2n ** 63n]), new Uint8Array([1, 2]).buffer,
      new DataView(new ArrayBuffer(4), 1, 2), new Number(3), new String("str"), new Boolean(false), Object(7n), new Point(),
      { get computed() { return 42; } }, Object.assign(Object.create(null) as object, { z: 1 }), sparse,
      new TypeError("bad", { cause: { why: 1 } }), new RangeError("r"), Object.assign(new Error("custom"), { name: "MyError", extra: 1 }),
    ];
    for (const value of values) {
      const [ours, node] = both(value);
      expect(ours).toStrictEqual(node);
      if (value !== null && typeof value === "object") {
        expect(ours).not.toBe(value);
        expect(Object.getPrototypeOf(ours)).toBe(Object.getPrototypeOf(node));
      }
    }
    const [ours] = both(sparse);
    expect(1 in (ours as unknown[])).toBe(false);
  });

  it("keeps errors' type, message, stack and cause", () => {
    const error = new TypeError("bad", { cause: new RangeError("inner") });
    const [ours, node] = both(error);
    expect(ours).toBeInstanceOf(TypeError);
    expect(ours.stack).toBe(node.stack);
    expect((ours.cause as Error).message).toBe("inner");
    expect(ours.cause).toBeInstanceOf(RangeError);
  });

  it("preserves cycles, shared references and views sharing one buffer", () => {
    const shared = { s: 1 };
    const buffer = new ArrayBuffer(8);
    const cyclic: Record<string, unknown> = { shared, again: shared, a: new Uint8Array(buffer, 0, 4), b: new Uint16Array(buffer, 4, 2) };
    cyclic.self = cyclic;
    const map = new Map<string, unknown>([["m", cyclic]]);
    cyclic.map = map;
    const copy = structuredCloneImpl(cyclic);
    expect(copy.self).toBe(copy);
    expect(copy.shared).toBe(copy.again);
    expect((copy.map as Map<string, unknown>).get("m")).toBe(copy);
    const a = copy.a as Uint8Array, b = copy.b as Uint16Array;
    expect(a.buffer).toBe(b.buffer);
    expect(a.buffer).not.toBe(buffer);
    b[0] = 0xffff;
    expect(new Uint8Array(a.buffer)[4]).toBe(0xff);
    expect(new Uint8Array(buffer)[4]).toBe(0);
    const regex = /a+/gi;
    regex.lastIndex = 3;
    expect(structuredCloneImpl(regex).lastIndex).toBe(structuredClone(regex).lastIndex);
    expect(String(structuredCloneImpl(regex))).toBe("/a+/gi");
  });

  it("throws DataCloneError with V8's message for functions, symbols, promises and weak maps", () => {
    const bad: unknown[] = [() => 1, function named() {}, Symbol("sym"), { nested: [() => 2] }, Promise.resolve(), new WeakMap(), new Map([[1, Symbol.iterator]])];
    for (const value of bad) {
      let expected: DOMException | undefined;
      try { structuredClone(value); } catch (e) { expected = e as DOMException; }
      let actual: Error & { code?: number } | undefined;
      try { structuredCloneImpl(value); } catch (e) { actual = e as Error; }
      expect(actual?.name).toBe("DataCloneError");
      expect(actual?.message).toBe(expected!.message);
      expect(actual?.code).toBe(25);
    }
  });
});
