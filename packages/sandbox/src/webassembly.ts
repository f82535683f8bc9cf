/**
 * The few WebAssembly APIs the host uses, typed locally: the project compiles against ES2023 + Node
 * types, neither of which declares the `WebAssembly` namespace (it lives in TypeScript's DOM lib).
 */
export interface WasmModule {
  readonly __wasmModule?: never;
}
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
export interface WasmGlobal {
  value: unknown;
}
export interface WasmInstance {
  readonly exports: Record<string, unknown>;
}
export interface WasmDescriptor {
  module?: string;
  name: string;
  kind: "function" | "table" | "memory" | "global" | "tag";
}
export type WasmImports = Record<string, Record<string, unknown>>;

interface WasmApi {
  compile(bytes: Uint8Array | ArrayBuffer): Promise<WasmModule>;
  instantiate(module: WasmModule, imports?: WasmImports): Promise<WasmInstance>;
  Memory: new (descriptor: { initial: number; maximum?: number }) => WasmMemory;
  Module: {
    imports(module: WasmModule): WasmDescriptor[];
    exports(module: WasmModule): WasmDescriptor[];
  };
}

export const wasm: WasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
