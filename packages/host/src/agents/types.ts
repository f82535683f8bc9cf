/**
 * Agent events and their deliveries to hooks: the shapes shared by the event store, the recorder
 * and the delivery loop. One event (a stable UUID, the `eventId` a hook sees) can have several
 * deliveries: one per (extension, hook) it concerns.
 */
import type { WireError } from "@sdx/sdk/protocol";

export type AgentEventType = "entry_indexed" | "model_created" | "job_completed" | "schedule";

/**
 * `pending` (waiting, maybe for a retry's backoff), `running` (claimed by a live host),
 * `delivered` (the hook returned), `failed` (it failed `maxAttempts` times), `skipped` (not
 * delivered on purpose: the loop guard, a revoked grant, an uninstalled extension or hook).
 */
export type DeliveryState = "pending" | "running" | "delivered" | "failed" | "skipped";

export interface AgentDeliveryRecord {
  eventId: string;
  type: AgentEventType;
  extensionId: string;
  hook: string;
  state: DeliveryState;
  /** Attempts started so far (an attempt cut short by a crash counts). */
  attempts: number;
  /** The last failure, or why the delivery was skipped. */
  lastError: WireError | null;
  /** What the hook receives after its context. */
  payload: unknown;
  /** The extension whose job or model caused the event (null for library events). */
  sourceExtensionId: string | null;
  /** How many hook invocations led to this event (see the loop guard in recorder.ts). */
  depth: number;
  /** When a pending delivery is tried next (ISO), null otherwise. */
  nextAttemptAt: string | null;
  durationMs: number | null;
  createdAt: string;
  updatedAt: string;
  deliveredAt: string | null;
}

export interface AgentEventFilter {
  extensionId?: string;
  state?: DeliveryState;
  type?: AgentEventType;
  eventId?: string;
}

/** How the Host delivers events to hooks (`HostOptions.agents`). */
export interface AgentOptions {
  /** Deadline of one hook invocation, in ms (the sandbox interrupt stops a busy loop). Default 30 s. */
  hookTimeoutMs?: number;
  /** Attempts before a delivery is `failed`. Default 5. */
  maxAttempts?: number;
  /** Delay before the first retry, in ms; doubles with each attempt. Default 1 s. */
  backoffMs?: number;
  /** Hook invocations running at once across extensions (one at a time per extension). Default 2. */
  concurrency?: number;
}

export const DEFAULT_AGENT_OPTIONS: Readonly<Required<AgentOptions>> = Object.freeze({
  hookTimeoutMs: 30_000,
  maxAttempts: 5,
  backoffMs: 1_000,
  concurrency: 2,
});

/** Where a guest's host calls come from, for the events they cause (see observe.ts). */
export type CallOrigin =
  | { kind: "hook"; extensionId: string; depth: number }
  | { kind: "job"; jobId: string }
  | { kind: "other" };
