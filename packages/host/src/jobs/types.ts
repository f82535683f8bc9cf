/**
 * What the job runner needs of a loaded extension. The Host builds one per installed extension it
 * runs (host.ts); tests can build one around hand-written guests.
 */
import type { Manifest } from "@sdx/sdk/manifest";
import type { WireError } from "@sdx/sdk/protocol";
import type { InvokeOptions, SandboxInstance } from "@sdx/sandbox";
import type { Limiter, TaskPool } from "./task-pool.js";
import type { WriteScope } from "./write-keys.js";
import type { JobProgress } from "../store/job-store.js";

/** The calls of a job's own invocation, or of one attempt of one of its tasks (they stop for different reasons, see `JobRunner.stopReason`). */
export interface JobCallScope {
  kind: "job" | "task";
  jobId: string;
  /** Where the writes of this invocation get their keys (see write-keys.ts). */
  writes: WriteScope;
}

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
  /** How to invoke within `scope`: its host calls (the call pipeline, host/calls.ts) and what the sandbox needs to answer them. */
  invokeOptions(scope: JobCallScope): InvokeOptions;
}

/** How a run of a job ended: finished, or stopped to be resumed later (`paused`, or `queued` when its host closed). */
export interface JobOutcome {
  jobId: string;
  state: "completed" | "failed" | "cancelled" | "paused" | "queued";
  error?: WireError;
  result?: unknown;
  durationMs: number;
}

/** A job this process is running: what its task attempts need (task-attempts.ts). */
export interface RunningJob {
  runtime: ExtensionRuntime;
  limiter: Limiter;
  /** How often each (task, args) was asked for so far in this run: the replay key's occurrence. */
  occurrences: Map<string, number>;
  /**
   * Whether jobs.db held a completed task result of this job when this run began. When it did not,
   * no call of this run can be a replay (a run's keys are unique by their occurrence), so `tasks.run`
   * skips the lookup.
   */
  replays: boolean;
  /** Task attempts still running; the run ends only after them. */
  inFlight: Set<Promise<unknown>>;
  /** Whether a host call of this run was refused because the job had to stop. */
  stopped: boolean;
  onProgress?: (progress: JobProgress) => void;
}
