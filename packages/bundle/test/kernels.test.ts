/**
 * Kernels: the SDK's stock module ships precompiled and is what its sources compile to today; a
 * project using only it gets those bytes without compiling; a project's own kernels compile
 * together with the stock ones, are cached, and rebuild to the same bytes. Runs the built dist/
 * (the compiler runs in a worker thread, which loads kernel-worker.js, not its TypeScript source).
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { buildExtension } from "../dist/index.js";
import { compileKernelModule, compileKernels, compileStockKernels, kernelSources } from "../dist/build/kernels.js";
import { STOCK_REEXPORT } from "../dist/build/stock-kernels.js";

const SDK_KERNELS = fileURLToPath(new URL("../../sdk/kernels/", import.meta.url));
const PHOTOS = fileURLToPath(new URL("../../../examples/photos/", import.meta.url));
const OWN_KERNEL = "export function scale(v: Float32Array, k: f32): f32 {\n  let s: f32 = 0;\n  for (let i = 0; i < v.length; i++) s += v[i] * k;\n  return s;\n}\n";

const work = mkdtempSync(join(tmpdir(), "sdx-kernels-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function project(name: string, kernels: Record<string, string>): string {
  const dir = join(work, name);
  mkdirSync(join(dir, "kernels"), { recursive: true });
  for (const [file, text] of Object.entries(kernels)) writeFileSync(join(dir, "kernels", file), text);
  return dir;
}

// @types/node declares WebAssembly's types but not the global value; this is the part used here.
const { WebAssembly: Wasm } = globalThis as unknown as {
  WebAssembly: { Module: { new (bytes: Uint8Array): object; exports(module: object): { name: string; kind: string }[] } };
};
const exportsOf = (wasm: Uint8Array) => Wasm.Module.exports(new Wasm.Module(wasm)).filter((e) => e.kind === "function").map((e) => e.name);
const cached = (dir: string) => (existsSync(join(dir, ".sdx-cache/kernels")) ? readdirSync(join(dir, ".sdx-cache/kernels")) : []);

describe("the SDK's stock kernels", () => {
  it("ship as what their sources compile to today (run `npm run gen:kernels` after changing them)", async () => {
    const { wasm, stamp } = await compileStockKernels();
    expect(JSON.parse(readFileSync(join(SDK_KERNELS, "kernels.json"), "utf8"))).toEqual(stamp);
    expect(Buffer.from(wasm).equals(readFileSync(join(SDK_KERNELS, "kernels.wasm")))).toBe(true);
  }, 120_000);

  it("are taken precompiled by a project that only re-exports them: the bytes compiling would give, nothing compiled or cached", async () => {
    const dir = project("stock-only", { "vectors.ts": `// the SDK's kernels\n${STOCK_REEXPORT}` });
    const result = await compileKernels(dir);
    expect(result.diagnostics).toEqual([]);
    expect(Buffer.from(result.wasm!).equals(readFileSync(join(SDK_KERNELS, "kernels.wasm")))).toBe(true);
    expect(cached(dir)).toEqual([]);
    const compiled = await compileKernelModule(dir, kernelSources(dir));
    expect(Buffer.from(compiled.wasm!).equals(Buffer.from(result.wasm!))).toBe(true);
    expect(exportsOf(result.wasm!)).toEqual(expect.arrayContaining(["bestMatchIndex", "cosineAt", "dot", "__new", "__pin"]));
  }, 120_000);

  it("are compiled instead when the project's @sdx/sdk has sources the shipped module was not built from", async () => {
    const dir = project("stale-sdk", { "stock.ts": STOCK_REEXPORT });
    const sdk = join(dir, "node_modules/@sdx/sdk/kernels");
    cpSync(SDK_KERNELS, sdk, { recursive: true });
    writeFileSync(join(sdk, "vectors.ts"), `${readFileSync(join(sdk, "vectors.ts"), "utf8")}\nexport function extra(): i32 { return 7; }\n`);
    const result = await compileKernels(dir);
    expect(exportsOf(result.wasm!)).toEqual(expect.arrayContaining(["extra", "bestMatchIndex"]));
    expect(cached(dir)).toHaveLength(1);
  }, 120_000);
});

describe("a project's own kernels", () => {
  it("compile together with the stock ones, are cached, and rebuild to byte-identical bundles", async () => {
    const dir = join(work, "photos-own");
    cpSync(PHOTOS, dir, { recursive: true, filter: (src) => !/\/(dist|generated|node_modules|\.sdx-cache)(\/|$)/.test(src) });
    writeFileSync(join(dir, "kernels/own.ts"), OWN_KERNEL);
    const cold = await buildExtension({ projectDir: dir });
    expect(cold.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(cold.manifest!.kernels).toEqual(["bestMatchIndex", "cosineAt", "dot", "scale"]);
    expect(cached(dir)).toHaveLength(1);
    const first = readFileSync(cold.bundlePath!);
    expect(exportsOf(new Uint8Array(first))).toEqual(expect.arrayContaining(["scale", "bestMatchIndex", "cosineAt", "dot"]));

    const warm = await buildExtension({ projectDir: dir }); // kernels from .sdx-cache
    expect(readFileSync(warm.bundlePath!).equals(first)).toBe(true);
    rmSync(join(dir, ".sdx-cache"), { recursive: true });
    rmSync(join(dir, "dist"), { recursive: true });
    const again = await buildExtension({ projectDir: dir }); // compiled again
    expect(readFileSync(again.bundlePath!).equals(first)).toBe(true);
  }, 240_000);

  it("report AssemblyScript errors at their location", async () => {
    const dir = project("broken", { "bad.ts": "export function f(): i32 {\n  return nope;\n}\n" });
    const result = await compileKernels(dir);
    expect(result.wasm).toBeNull();
    expect(result.diagnostics.map((d) => [d.code, d.span?.file, d.message.includes("nope")])).toEqual([["SDX2003", join(dir, "kernels/bad.ts"), true]]);
  }, 120_000);
});
