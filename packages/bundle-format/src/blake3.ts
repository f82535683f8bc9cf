/**
 * BLAKE3 from hash-wasm's BLAKE3 build alone: its index inlines the WebAssembly of every algorithm
 * it has, ~60 ms of CPU to load, against ~5 ms for this one (paid by every `sdx build`).
 */
import { createRequire } from "node:module";
import type * as HashWasm from "hash-wasm";

const hashWasm = createRequire(import.meta.url)("hash-wasm/dist/blake3.umd.min.js") as Pick<typeof HashWasm, "blake3" | "createBLAKE3">;

export const blake3 = hashWasm.blake3;
export const createBLAKE3 = hashWasm.createBLAKE3;
export type { IHasher } from "hash-wasm";
