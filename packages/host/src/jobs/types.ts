/**
 * What the job runner needs of a loaded extension. The Host builds one per installed extension it
 * runs (host.ts); tests can build one around hand-written guests.
 */
import type { Manifest } from "@sdx/sdk/manifest";
import type { WireError } from "@sdx/sdk/protocol";
import type { HostCalls, SandboxInstance } from "@sdx/sandbox";
import type { TaskPool } from "./task-pool.js";
import type { WriteScope } from "./write-keys.js";

/** On whose behalf a guest's host calls are made. */
export interface CallScope {
  /** The job the calls belong to (`OpContext.jobId`), if any. */
  jobId: string | null;
  /** The job's own invocation, or one of its tasks (they stop for different reasons, see `JobRunner.stopReason`). */
  kind: "job" | "task" | "none";
  /** Where the writes of this invocation get their keys (see write-keys.ts); none outside jobs. */
  writes: WriteScope | null;
}

export const NO_SCOPE: CallScope = { jobId: null, kind: "none", writes: null };

export interface ExtensionRuntime {
  readonly extensionId: string;
  readonly manifest: Manifest;
  readonly deviceUuid: string;
  /** The user's settings for the extension (defaults from the manifest for now). */
  readonly config: Record<string, unknown>;
  /** Where jobs (and action steps) run, one invocation at a time. */
  readonly main: SandboxInstance;
  /** Where tasks run. */
  readonly tasks: TaskPool;
  /** Host calls made within `scope`. */
  calls(scope: CallScope): HostCalls;
}

/** How a run of a job ended: finished, or stopped to be resumed later (`paused`, or `queued` when its host closed). */
export interface JobOutcome {
  jobId: string;
  state: "completed" | "failed" | "cancelled" | "paused" | "queued";
  error?: WireError;
  result?: unknown;
  durationMs: number;
}
