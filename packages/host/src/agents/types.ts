/**
 * Agent events and their deliveries to hooks: the shapes shared by the event store, the recorder
 * and the delivery loop. One event (a stable UUID, the `eventId` a hook sees) can have several
 * deliveries: one per (extension, hook) it concerns.
 */
// The event and delivery records are jobs.db rows: their shapes live with the store.
export type { AgentDeliveryRecord, AgentEventFilter, AgentEventType, DeliveryState } from "../store/agent-events.js";

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

export type { CallOrigin } from "../ops/events.js";
