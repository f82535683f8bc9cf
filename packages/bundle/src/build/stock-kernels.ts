/**
 * The SDK's stock kernels, precompiled: `@sdx/sdk/kernels` ships its AssemblyScript sources with
 * `kernels.wasm`, the module a project whose only kernel file is `export * from "@sdx/sdk/kernels"`
 * compiles to, and `kernels.json`, what it was compiled from (compiler version, flags, a digest
 * of the sources). `npm run gen:kernels` writes both; a test recompiles and compares the bytes.
 * The build takes the module only when all three still match, so an edited source or another
 * compiler is compiled instead: same inputs, same bytes, either way.
 */
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { createBLAKE3 } from "@sdx/bundle-format";

const require = createRequire(import.meta.url);

export const ASC_FLAGS = ["--outFile", "kernels.wasm", "-O3", "--exportRuntime", "--noAssert"];

/** What a project's kernels/ holds to use the stock kernels; the canonical stock project is this one file. */
export const STOCK_REEXPORT = 'export * from "@sdx/sdk/kernels";\n';

export interface StockStamp {
  assemblyscript: string;
  flags: string;
  sources: string;
}

export function ascVersion(): string {
  return require("assemblyscript/package.json").version as string;
}

/** BLAKE3 over the names and bytes of the `.ts` files of an SDK kernels directory. */
export async function sourcesDigest(dir: string): Promise<string> {
  const hasher = await createBLAKE3();
  for (const name of readdirSync(dir).filter((n) => n.endsWith(".ts")).sort()) {
    hasher.update(name);
    hasher.update(readFileSync(join(dir, name)));
  }
  return hasher.digest();
}

export async function currentStamp(dir: string): Promise<StockStamp> {
  return { assemblyscript: ascVersion(), flags: ASC_FLAGS.join(" "), sources: await sourcesDigest(dir) };
}

/** True when the project's kernels are one file that only re-exports `@sdx/sdk/kernels` (comments allowed). */
export function isStockOnly(sources: readonly string[]): boolean {
  if (sources.length !== 1) return false;
  const code = readFileSync(sources[0]!, "utf8").replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, "");
  return /^\s*export\s*\*\s*from\s*(["'])@sdx\/sdk\/kernels\1\s*;?\s*$/.test(code);
}

/** The precompiled stock module of the SDK kernels in `dir`, or null when missing or stale. */
export async function stockKernels(dir: string): Promise<Uint8Array | null> {
  let stamp: StockStamp;
  let wasm: Uint8Array;
  try {
    stamp = JSON.parse(readFileSync(join(dir, "kernels.json"), "utf8")) as StockStamp;
    wasm = new Uint8Array(readFileSync(join(dir, "kernels.wasm")));
  } catch {
    return null;
  }
  const current = await currentStamp(dir);
  const fresh = stamp.assemblyscript === current.assemblyscript && stamp.flags === current.flags && stamp.sources === current.sources;
  return fresh ? wasm : null;
}
