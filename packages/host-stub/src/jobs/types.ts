/**
 * What the job runner needs of a loaded extension. The Host builds one per installed extension it
 * runs (host.ts); tests can build one around hand-written guests.
 */
import type { Manifest } from "@sdx/sdk/manifest";
import type { HostCalls, SandboxInstance } from "../sandbox/types.js";
import type { TaskPool } from "./task-pool.js";

export interface ExtensionRuntime {
  readonly extensionId: string;
  readonly manifest: Manifest;
  readonly deviceUuid: string;
  /** The user's settings for the extension (defaults from the manifest for now). */
  readonly config: Record<string, unknown>;
  /** Where jobs run (one invocation at a time). */
  readonly main: SandboxInstance;
  /** Where tasks run. */
  readonly tasks: TaskPool;
  /** Host calls made on behalf of `jobId` (it becomes `OpContext.jobId`). */
  calls(jobId: string | null): HostCalls;
}

/** How a job ended. */
export interface JobOutcome {
  jobId: string;
  state: "completed" | "failed" | "cancelled";
  error?: import("@sdx/sdk/protocol").WireError;
  result?: unknown;
  durationMs: number;
}
