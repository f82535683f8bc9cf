/**
 * What the host's thread and a sandbox worker tell each other about an extension's calls answered
 * in the worker (worker-calls.ts): the data the worker opens an instance with, an invocation's
 * scope as plain data, and what the worker reports when the invocation ends. All of it crosses
 * `postMessage`, so it is plain, structured-cloneable data.
 */
import type { ActionChange } from "@sdx/sdk";
import type { CallOrigin, HostEvent } from "../ops/events.js";
import type { RecordedRead } from "../store/action-store.js";
import type { ExecuteRecording } from "../actions/execute-recorder.js";

export interface WorkerInstanceData {
  libraryDir: string;
  extensionId: string;
  /** The installed bundle, read again and checked against its hash in the worker (kernels, prompts). */
  bundlePath: string;
  bundleHash: string;
  modelsDir: string;
  /** The token of the host's job runner: a job owned by another runner must stop. */
  ownerToken: string;
  /** Shared flags the host raises as it closes (`CLOSING_JOBS`, `CLOSING_HOOKS`). */
  closing: SharedArrayBuffer;
  /** `JobStore.stateChanges` of the host: a job state this process changed is seen at once. */
  jobStateChanges: SharedArrayBuffer;
  /** Ops the host answers itself even where the worker could (replaced by `HostOptions.testOps`). */
  hostOnly: string[];
}

/** Index of the flag raised when the host closes (job calls stop) and when its agents stop (hook calls stop). */
export const CLOSING_JOBS = 0;
export const CLOSING_HOOKS = 1;

export type WorkerScope =
  | { kind: "job" | "task"; jobId: string; writes: string }
  | { kind: "hook"; depth: number }
  | { kind: "preview"; action: string; actionId: string }
  | { kind: "execute"; changes: readonly ActionChange[] }
  | { kind: "other" };

/** What the worker's calls of one invocation did that the host's thread must know. */
export interface WorkerSettled {
  /** A job call was refused because the job had to stop. */
  stopped?: boolean;
  /** A hook call was refused because the host closes. */
  refused?: boolean;
  /** A preview's library reads and the calls it was refused. */
  reads?: RecordedRead[];
  refusedOps?: string[];
  /** An execute step's recorded writes. */
  recording?: ExecuteRecording;
}

/** An event a call in the worker caused; its audit row is already written (in the worker). */
export interface WorkerNotice {
  event: { extensionId: string; origin: CallOrigin; event: HostEvent };
}
