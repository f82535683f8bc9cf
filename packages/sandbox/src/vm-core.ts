/**
 * What the call bridge (call-bridge.ts) and the reply reader (reply.ts) need of a running VM. The
 * VM (quickjs-vm.ts) implements it; depending on this instead of the class keeps the three files
 * free of an import cycle.
 */
import type { QuickJSContext, QuickJSHandle } from "quickjs-emscripten-core";
import type { WireResult } from "@sdx/sdk/wire";
import type { VmFatal } from "./guest-error.js";
import type { Helpers } from "./marshal.js";
import type { HostCalls, SandboxLimits } from "./types.js";
import type { VmStrings } from "./vm-strings.js";

export interface VmCore {
  readonly context: QuickJSContext;
  /** `newString`/`getString` of `context`, without the library's JavaScript UTF-8 loops. */
  readonly strings: VmStrings;
  readonly helpers: Helpers;
  readonly limits: Readonly<SandboxLimits>;
  /** Who answers the guest's host calls right now (the running invocation's calls). */
  readonly calls: HostCalls;
  /** Set once the VM failed fatally. */
  readonly fatal: VmFatal | null;
  /** Runs `fn` as guest time (slice clock, and an engine exception kills the VM). */
  enter<T>(fn: () => T): T | undefined;
  /** Runs the guest's pending jobs, then starts its queued host calls. */
  pumpNow(): void;
  /** The reply for a guest that threw `thrown` (disposes it). */
  rejected(thrown: QuickJSHandle): WireResult;
  /** Fails the VM for good. */
  kill(fatal: VmFatal): void;
}
