/**
 * Loads QuickJS (quickjs-emscripten-core + the release-sync wasmfile variant, never asyncify: it
 * leaks on dispose). The `.wasm` is compiled once per process; every VM then instantiates its own
 * WebAssembly instance from it, so each extension has its own linear memory and a VM that dies
 * (out of memory, host stack overflow inside QuickJS) cannot damage another.
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { newQuickJSWASMModuleFromVariant, newVariant, type QuickJSSyncVariant, type QuickJSWASMModule } from "quickjs-emscripten-core";
import * as releaseSync from "@jitl/quickjs-wasmfile-release-sync";
import { wasm, type WasmModule } from "./webassembly.js";

// The package's types describe it as CommonJS (default = the whole module) while Node loads its ESM
// build (default = the variant): accept both shapes.
const loaded = releaseSync as unknown as { default: QuickJSSyncVariant | { default: QuickJSSyncVariant } };
const releaseSyncVariant: QuickJSSyncVariant = "type" in loaded.default ? loaded.default : loaded.default.default;

let compiled: Promise<WasmModule> | null = null;

function compiledModule(): Promise<WasmModule> {
  compiled ??= (async () => {
    const wasmPath = createRequire(import.meta.url).resolve("@jitl/quickjs-wasmfile-release-sync/wasm");
    return wasm.compile(await readFile(wasmPath));
  })();
  return compiled;
}

const PAGE = 64 * 1024;
/** The module's INITIAL_MEMORY (16 MiB): static data, the C stack and the first heap. */
const INITIAL_PAGES = 256;
/** The build's own ceiling (2 GiB). */
const MAX_PAGES = 32768;

/**
 * A fresh QuickJS module with its own WebAssembly instance and memory (about 3 ms once the .wasm is
 * compiled). The memory's `maximum` is what really enforces the heap limit: this QuickJS build has
 * no `malloc_usable_size`, so `runtime.setMemoryLimit` counts allocations, not bytes, and a guest
 * allocating large typed arrays would otherwise grow the memory to 2 GiB before failing.
 */
export async function newQuickJSModule(heapBytes: number): Promise<{ module: QuickJSWASMModule; memoryFull(): boolean }> {
  const wasmModule = await compiledModule();
  const maximum = Math.min(MAX_PAGES, INITIAL_PAGES + Math.ceil(heapBytes / PAGE));
  const wasmMemory = new wasm.Memory({ initial: INITIAL_PAGES, maximum });
  const module = await newQuickJSWASMModuleFromVariant(newVariant(releaseSyncVariant, { wasmModule, wasmMemory }));
  // Within a megabyte of the maximum: what is left is too little for the engine to go on.
  return { module, memoryFull: () => wasmMemory.buffer.byteLength >= maximum * PAGE - 1024 * 1024 };
}

/** Compiles the QuickJS .wasm ahead of the first VM (optional; the first VM does it otherwise). */
export async function preloadQuickJS(): Promise<void> {
  await compiledModule();
}

/** The compiled QuickJS module, to hand to a worker (a `WebAssembly.Module` crosses `postMessage`). */
export function compiledQuickJS(): Promise<WasmModule> {
  return compiledModule();
}

/** Uses a module compiled elsewhere (a worker receives the host's), so it is never compiled twice. */
export function useCompiledQuickJS(module: WasmModule): void {
  compiled = Promise.resolve(module);
}
