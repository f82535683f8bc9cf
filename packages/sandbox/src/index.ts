/**
 * @module @sdx/sandbox
 * Guest VMs behind a small interface (`Sandbox`, `SandboxInstance`, `HostCalls`): evaluate one
 * extension's guest bundle in isolation, run `Invocation`s in it, answer its host calls through the
 * `HostCalls` the host hands in. It knows the wire protocol (`@sdx/sdk/wire`: messages and errors as
 * data, no op table) and QuickJS, nothing
 * else of the host: no library, no jobs, no permissions.
 */
export { WorkerSandbox, MAX_CALLS_RUNNING, MAX_CALLS_WAITING } from "./worker-sandbox.js";
export type { WorkerSandboxOptions } from "./worker-sandbox.js";
export { QuickJSSandbox } from "./quickjs-sandbox.js";
export { preloadQuickJS } from "./quickjs-module.js";
export { DEFAULT_LIMITS } from "./types.js";
export { RUNTIME_FILE } from "./guest-helpers.js";
export type { Sandbox, SandboxInstance, SandboxInstanceStats, SandboxLimits, HostCalls, RawHostCalls, InvokeOptions, InstanceOptions, WorkerCallsModule, WorkerLink, WorkerInstanceCalls } from "./types.js";
export { wasm } from "./webassembly.js";
export type { WasmDescriptor, WasmGlobal, WasmImports, WasmInstance, WasmMemory, WasmModule } from "./webassembly.js";
