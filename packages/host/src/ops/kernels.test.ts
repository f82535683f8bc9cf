/** kernel.call against a real AssemblyScript module compiled the way `sdx build` does. */
import { beforeAll, describe, expect, it } from "vitest";
import { readBundle, type LoadedBundle } from "@sdx/bundle-format";
import { configureKernels, kernelOps, stopKernels } from "./kernels.js";
import type { OpContext, OpHandler } from "./context.js";
import { bundleBytes, manifest } from "../jobs/__tests__/fixtures.js";

const SOURCE = `
export function add(a: i32, b: i32): i32 { return a + b; }
export function dot(a: Float32Array, b: Float32Array): f32 {
  let s: f32 = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
export function sumBytes(a: Uint8Array): i32 { let s = 0; for (let i = 0; i < a.length; i++) s += a[i]; return s; }
export function mean(a: Float64Array): f64 { let s = 0.0; for (let i = 0; i < a.length; i++) s += a[i]; return s / a.length; }
export function fail(): i32 { throw new Error("kernel says no"); }
let bumps: i32 = 0;
export function bump(): i32 { bumps += 1; return bumps; }
`;

async function compile(source: string): Promise<Uint8Array> {
  const asc = await import("assemblyscript/asc");
  let wasm: Uint8Array | undefined;
  const { error } = await asc.main(["k.ts", "--outFile", "k.wasm", "-O3", "--exportRuntime", "--noAssert"], {
    readFile: (name: string) => (name === "k.ts" ? source : null),
    writeFile: (name: string, contents: string | Uint8Array) => {
      if (name.endsWith(".wasm") && typeof contents !== "string") wasm = contents;
    },
    listFiles: () => [],
    stdout: asc.createMemoryStream(),
    stderr: asc.createMemoryStream(),
  });
  if (error || !wasm) throw error ?? new Error("no wasm");
  return wasm;
}

let ctx: OpContext;
const call = (name: string, args: Array<number | ArrayBufferView>) =>
  (kernelOps["kernel.call"] as OpHandler<"kernel.call">)(ctx, { name, args: args as never });

beforeAll(async () => {
  const kernels = await compile(SOURCE);
  const bundle: LoadedBundle = await readBundle(await bundleBytes(manifest({ kernels: ["add", "dot", "sumBytes", "mean", "fail", "bump"] }), "0", kernels));
  ctx = { extensionId: "org.test.jobs", bundle } as unknown as OpContext;
}, 30_000);

describe("kernel.call", () => {
  it("keeps a kernel's instance between calls, and starts a fresh one once its VM's bundle is released", async () => {
    expect(await call("bump", [])).toEqual({ result: 1 });
    expect(await call("bump", [])).toEqual({ result: 2 });
    // What a sandbox worker does when it drops a VM and keeps its thread for the next one.
    stopKernels(ctx.bundle!);
    expect(await call("bump", [])).toEqual({ result: 1 });
  });

  it("passes numbers and typed arrays (as real AssemblyScript typed arrays)", async () => {
    expect(await call("add", [2, 40])).toEqual({ result: 42 });
    const a = new Float32Array(512).map((_, i) => i / 512);
    const b = new Float32Array(512).fill(2);
    const expected = a.reduce((s, v) => s + v * 2, 0);
    const { result } = await call("dot", [a, b]);
    expect(result as number).toBeCloseTo(expected, 2);
    expect(await call("sumBytes", [new Uint8Array([1, 2, 3, 250])])).toEqual({ result: 256 });
    expect(await call("mean", [new Float64Array([1, 2, 3, 4])])).toEqual({ result: 2.5 });
    // A view into a larger buffer passes only its own elements.
    const big = new Uint8Array([9, 9, 1, 1, 9]);
    expect(await call("sumBytes", [big.subarray(2, 4)])).toEqual({ result: 2 });
  });

  it("reports an abort as SDX3006 and keeps working afterwards", async () => {
    await expect(call("fail", [])).rejects.toMatchObject({ code: "SDX3006", message: expect.stringContaining("kernel says no") });
    expect(await call("add", [1, 1])).toEqual({ result: 2 });
  });

  it("refuses unknown kernels and runtime exports", async () => {
    await expect(call("nope", [])).rejects.toMatchObject({ code: "SDX3011" });
    await expect(call("__new", [1, 1])).rejects.toMatchObject({ code: "SDX3011" });
  });
});

const LIMITED = `
let count = 0;
export function add(a: i32, b: i32): i32 { return a + b; }
export function spin(n: i32): i32 { let s = 0; while (n > 0) { s += n; } return s; }
export function hog(mib: i32): i32 {
  const kept: Uint8Array[] = [];
  for (let i = 0; i < mib; i++) kept.push(new Uint8Array(1 << 20));
  return kept.length;
}
export function counter(): i32 { count += 1; return count; }
`;

describe("kernel limits (the guarantees guest code has)", () => {
  let limited: OpContext;
  let other: OpContext;
  const on = async (c: OpContext, name: string, args: Array<number | ArrayBufferView>) =>
    (kernelOps["kernel.call"] as OpHandler<"kernel.call">)(c, { name, args: args as never });

  beforeAll(async () => {
    const code = await compile(LIMITED);
    const names = ["add", "spin", "hog", "counter"];
    limited = { extensionId: "org.test.limited", bundle: await readBundle(await bundleBytes(manifest({ kernels: names }), "0", code)) } as unknown as OpContext;
    other = { extensionId: "org.test.other", bundle: await readBundle(await bundleBytes(manifest({ kernels: names }), "0", code)) } as unknown as OpContext;
  }, 30_000);

  it("stops an endless loop at the time limit (SDX3003) without blocking the caller's thread, and starts afresh", async () => {
    configureKernels({ timeLimitMs: 400 });
    try {
      let settled = false;
      const spinning = on(limited, "spin", [1]).finally(() => (settled = true));
      // The caller's event loop turns while the kernel spins: it runs on its own thread.
      await new Promise((resolve) => setImmediate(resolve));
      expect(settled).toBe(false);
      const error = await spinning.catch((e: unknown) => e);
      expect(error).toMatchObject({ code: "SDX3003", message: expect.stringMatching(/kernel "spin" ran longer than 400 ms .* was stopped/) });
      expect(await on(limited, "add", [20, 22])).toEqual({ result: 42 });
    } finally {
      configureKernels();
    }
  });

  it("caps the kernels' memory (SDX3004) and refuses a module that needs more at start", async () => {
    configureKernels({ memoryBytes: 4 * 1024 * 1024 });
    try {
      const error = await on(other, "hog", [16]).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: "SDX3004", message: expect.stringMatching(/kernel "hog" ran out of memory: kernels may use 4 MiB/) });
      expect(await on(other, "hog", [1])).toEqual({ result: 1 });
    } finally {
      configureKernels();
    }
    const { capMemory } = await import("./kernel-module.js");
    const code = await compile(LIMITED);
    expect(() => capMemory(code, 0)).not.toThrow(); // one page is the floor
    const big = await compile(`${LIMITED}\nconst reserved = memory.data(3 << 20);\nexport function first(): u8 { return load<u8>(reserved); }`);
    expect(() => capMemory(big, 1024 * 1024)).toThrow(expect.objectContaining({ code: "SDX3004" }));
  });

  it("reach nothing but their arguments: no host imports, and one extension's kernel state is not another's", async () => {
    expect(await on(limited, "counter", [])).toEqual({ result: 1 });
    expect(await on(limited, "counter", [])).toEqual({ result: 2 });
    expect(await on(other, "counter", [])).toEqual({ result: 1 });
    const importing = await compile(`@external("env", "readFile") declare function readFile(p: i32): i32;\nexport function steal(): i32 { return readFile(0); }`);
    const thief = { extensionId: "org.test.thief", bundle: await readBundle(await bundleBytes(manifest({ kernels: ["steal"] }), "0", importing)) } as unknown as OpContext;
    await expect(on(thief, "steal", [])).rejects.toMatchObject({ code: "SDX3020", message: expect.stringContaining("kernel import env.readFile is not provided by this host") });
  });
});
