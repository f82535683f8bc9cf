import { describe, expect, it } from "vitest";
import { TensorStore } from "./tensor-store.js";

const tensor = (n: number, fill = 1) => ({ type: "float32" as const, dims: [n], data: new Float32Array(n).fill(fill) });

describe("TensorStore", () => {
  it("answers a handle only to the extension that made it", () => {
    const store = new TensorStore();
    const ref = store.put("a", tensor(4, 2));
    expect((store.get("a", ref).data as Float32Array)[0]).toBe(2);
    expect(() => store.get("b", ref)).toThrow(expect.objectContaining({ code: "SDX3008" }));
  });

  it("lends its own buffer once, copies for a second borrower, and keeps what comes back", () => {
    const store = new TensorStore();
    const ref = store.put("a", tensor(4, 3));
    const first = store.take("a", ref);
    const second = store.take("a", ref);
    expect(first.own).toBe(true);
    expect(second.own).toBe(false);
    expect(second.tensor.data).not.toBe(first.tensor.data);
    const moved = (first.tensor.data as Float32Array).slice();
    store.giveBack(ref, moved);
    expect(store.get("a", ref).data).toBe(moved);
    // Lost on the way (a detached buffer): the handle goes with it.
    store.take("a", ref);
    store.giveBack(ref, null);
    expect(() => store.get("a", ref)).toThrow(/not on the host/);
  });

  it("drops idle handles and the least recently used past the byte limit", () => {
    let now = 0;
    const store = new TensorStore({ maxBytes: 64, idleMs: 1000, now: () => now });
    const old = store.put("a", tensor(8)); // 32 bytes
    const recent = store.put("a", tensor(8));
    store.get("a", old); // now `recent` is the least recently used
    const third = store.put("a", tensor(8));
    expect(() => store.get("a", recent)).toThrow(/not on the host/);
    expect(store.bytesOf("a")).toBe(64);
    now = 5000;
    expect(() => store.get("a", third)).toThrow(/not on the host/);
    expect(() => store.put("a", tensor(100))).toThrow(expect.objectContaining({ code: "SDX3014" }));
  });
});
