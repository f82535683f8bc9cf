/**
 * Agent events and deliveries in `jobs.db` (schema v3 in jobs/jobs-db.ts). An event is recorded
 * once per key (`entry_indexed:<entry uuid>`, `model_created:<model uuid>`, …), so recording the
 * same fact twice (two hosts, a resumed job repeating a write) makes one event. A delivery is
 * claimed the way a job is (owner pid/host/token plus heartbeat, owner.ts): a delivery left
 * `running` by a killed process is claimed again by the next host, with the same event id.
 */
import { randomUUID } from "node:crypto";
import type Database from "better-sqlite3";
import type { WireError } from "@sdx/sdk/protocol";
import { nowIso } from "./jobs-db.js";
import type { JobStore } from "./job-store.js";
import { ownerAlive, type JobOwner, type OwnerColumns } from "./owner.js";

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

export interface NewEvent {
  key: string;
  type: AgentEventType;
  sourceExtensionId: string | null;
  depth: number;
  payload: unknown;
  /** What the delivery re-checks (an entry's paths, for grants). */
  subject?: unknown;
  /** False for events whose deliveries are worked out later (`job_completed`, from the trigger). */
  fannedOut?: boolean;
}

export interface StoredEvent {
  id: string;
  type: AgentEventType;
  sourceExtensionId: string | null;
  depth: number;
  payload: unknown;
}

/** A delivery this host claimed. */
export interface ClaimedDelivery extends StoredEvent {
  eventId: string;
  extensionId: string;
  hook: string;
  /** Attempts including this one. */
  attempts: number;
  subject: unknown;
}

interface DeliveryRow extends OwnerColumns {
  event_id: string; extension_id: string; hook: string; state: DeliveryState; attempts: number;
  last_error_json: string | null; next_attempt_at: number; duration_ms: number | null;
  created_at: string; updated_at: string; delivered_at: string | null;
  type: AgentEventType; source_extension_id: string | null; depth: number; payload_json: string; subject_json: string | null;
}

const DELIVERY_COLUMNS = `d.*, e.type, e.source_extension_id, e.depth, e.payload_json, e.subject_json`;
const parse = (json: string | null): unknown => (json === null ? null : JSON.parse(json));

function toRecord(row: DeliveryRow): AgentDeliveryRecord {
  return {
    eventId: row.event_id, type: row.type, extensionId: row.extension_id, hook: row.hook, state: row.state,
    attempts: row.attempts, lastError: parse(row.last_error_json) as WireError | null, payload: parse(row.payload_json),
    sourceExtensionId: row.source_extension_id, depth: row.depth,
    nextAttemptAt: row.state === "pending" ? new Date(row.next_attempt_at).toISOString() : null,
    durationMs: row.duration_ms, createdAt: row.created_at, updatedAt: row.updated_at, deliveredAt: row.delivered_at,
  };
}

export class AgentEventStore {
  readonly db: Database.Database;

  constructor(private readonly jobs: JobStore) {
    this.db = jobs.db;
  }

  private stmt(sql: string): Database.Statement {
    return this.jobs.stmt(sql);
  }

  /** Runs `fn` in one write transaction (taken at once: another host's writer waits). */
  transaction<T>(fn: () => T): T {
    return this.jobs.transaction(fn);
  }

  cursor(name: string): number | null {
    const row = this.stmt("SELECT value FROM agent_cursors WHERE name = ?").get(name) as { value: number } | undefined;
    return row?.value ?? null;
  }

  setCursor(name: string, value: number): void {
    this.stmt("INSERT INTO agent_cursors (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = max(value, excluded.value)").run(name, value);
  }

  /** Records an event (once per key); returns its id, and whether it is new. */
  recordEvent(event: NewEvent): { id: string; inserted: boolean } {
    const inserted = this.stmt(`INSERT OR IGNORE INTO agent_events (id, key, type, source_extension_id, depth, payload_json, subject_json, fanned_out, created_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
      randomUUID(), event.key, event.type, event.sourceExtensionId, event.depth, JSON.stringify(event.payload ?? null),
      event.subject === undefined ? null : JSON.stringify(event.subject), event.fannedOut === false ? 0 : 1, nowIso(),
    ).changes === 1;
    const { id } = this.stmt("SELECT id FROM agent_events WHERE key = ?").get(event.key) as { id: string };
    return { id, inserted };
  }

  /** Adds a delivery of an event to one hook (once); `skipped` ones carry the reason. */
  addDelivery(eventId: string, extensionId: string, hook: string, skipped: WireError | null = null): boolean {
    const now = nowIso();
    return this.stmt(`INSERT OR IGNORE INTO agent_deliveries (event_id, extension_id, hook, state, last_error_json, next_attempt_at, created_at, updated_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)`).run(eventId, extensionId, hook, skipped ? "skipped" : "pending", skipped ? JSON.stringify(skipped) : null, Date.now(), now, now).changes === 1;
  }

  /** Events recorded without their deliveries (by the `job_completed` trigger). */
  unfanned(): StoredEvent[] {
    const rows = this.stmt("SELECT id, type, source_extension_id, depth, payload_json FROM agent_events WHERE fanned_out = 0 ORDER BY seq").all() as Array<{
      id: string; type: AgentEventType; source_extension_id: string | null; depth: number; payload_json: string;
    }>;
    return rows.map((r) => ({ id: r.id, type: r.type, sourceExtensionId: r.source_extension_id, depth: r.depth, payload: parse(r.payload_json) }));
  }

  /** Marks an event fanned out; one that concerns no hook is deleted (most jobs have no listener). */
  settleFanOut(eventId: string, deliveries: number): void {
    if (deliveries === 0) this.stmt("DELETE FROM agent_events WHERE id = ? AND NOT EXISTS (SELECT 1 FROM agent_deliveries WHERE event_id = ?)").run(eventId, eventId);
    else this.stmt("UPDATE agent_events SET fanned_out = 1 WHERE id = ?").run(eventId);
  }

  /** Extensions with a delivery to make now: due pending ones, or running ones (maybe orphaned). */
  extensionsWithWork(now = Date.now()): string[] {
    const rows = this.stmt(`SELECT DISTINCT extension_id FROM agent_deliveries WHERE (state = 'pending' AND next_attempt_at <= ?) OR state = 'running'`).all(now) as Array<{ extension_id: string }>;
    return rows.map((r) => r.extension_id);
  }

  /** When the earliest pending retry is due (ms since the epoch), if any. */
  nextDueAt(): number | null {
    const row = this.stmt("SELECT min(next_attempt_at) AS at FROM agent_deliveries WHERE state = 'pending'").get() as { at: number | null };
    return row.at;
  }

  /**
   * Claims the extension's next delivery, in event order: a due pending one, or a running one whose
   * owner is gone. Compare-and-set on the previous owner, so two hosts never both claim it.
   */
  claimNext(extensionId: string, owner: JobOwner, now = Date.now()): ClaimedDelivery | null {
    const rows = this.stmt(`SELECT ${DELIVERY_COLUMNS} FROM agent_deliveries d JOIN agent_events e ON e.id = d.event_id
      WHERE d.extension_id = ? AND ((d.state = 'pending' AND d.next_attempt_at <= ?) OR d.state = 'running') ORDER BY e.seq, d.hook LIMIT 64`)
      .all(extensionId, now) as DeliveryRow[];
    for (const row of rows) {
      if (row.state === "running" && ownerAlive(row, now)) continue;
      const iso = nowIso();
      const changed = this.stmt(`UPDATE agent_deliveries SET state = 'running', attempts = attempts + 1, owner_pid = ?, owner_host = ?, owner_token = ?,
          heartbeat_at = ?, updated_at = ? WHERE event_id = ? AND extension_id = ? AND hook = ? AND state = ? AND owner_token IS ?`)
        .run(owner.pid, owner.host, owner.token, iso, iso, row.event_id, row.extension_id, row.hook, row.state, row.owner_token).changes;
      if (changed !== 1) continue;
      return {
        id: row.event_id, eventId: row.event_id, extensionId: row.extension_id, hook: row.hook, attempts: row.attempts + 1,
        type: row.type, sourceExtensionId: row.source_extension_id, depth: row.depth, payload: parse(row.payload_json), subject: parse(row.subject_json),
      };
    }
    return null;
  }

  private settle(d: ClaimedDelivery, owner: JobOwner, set: string, values: Record<string, unknown>): void {
    this.stmt(`UPDATE agent_deliveries SET ${set}, owner_pid = NULL, owner_host = NULL, owner_token = NULL, updated_at = @now
      WHERE event_id = @event AND extension_id = @extension AND hook = @hook AND owner_token = @token`)
      .run({ ...values, now: nowIso(), event: d.eventId, extension: d.extensionId, hook: d.hook, token: owner.token });
  }

  delivered(d: ClaimedDelivery, owner: JobOwner, durationMs: number): void {
    this.settle(d, owner, "state = 'delivered', delivered_at = @now, duration_ms = @ms", { ms: durationMs });
  }

  /** A failed attempt: tried again at `retryAt`, or `failed` for good when `retryAt` is null. */
  attemptFailed(d: ClaimedDelivery, owner: JobOwner, error: WireError, durationMs: number, retryAt: number | null): void {
    this.settle(d, owner, `state = @state, last_error_json = @error, duration_ms = @ms, next_attempt_at = coalesce(@at, next_attempt_at)`,
      { state: retryAt === null ? "failed" : "pending", error: JSON.stringify(error), ms: durationMs, at: retryAt });
  }

  skipped(d: ClaimedDelivery, owner: JobOwner, reason: WireError): void {
    this.settle(d, owner, "state = 'skipped', last_error_json = @error", { error: JSON.stringify(reason) });
  }

  /** Gives a delivery back untried (its host is closing): pending again, the attempt not counted. */
  release(d: ClaimedDelivery, owner: JobOwner): void {
    this.settle(d, owner, "state = 'pending', attempts = max(attempts - 1, 0), next_attempt_at = @at", { at: Date.now() });
  }

  heartbeat(owner: JobOwner): void {
    this.stmt("UPDATE agent_deliveries SET heartbeat_at = ? WHERE owner_token = ? AND state = 'running'").run(nowIso(), owner.token);
  }

  /** Whether the extension already has a schedule delivery waiting or running (ticks coalesce). */
  hasOpenSchedule(extensionId: string): boolean {
    return this.stmt(`SELECT 1 FROM agent_deliveries d JOIN agent_events e ON e.id = d.event_id
      WHERE d.extension_id = ? AND e.type = 'schedule' AND d.state IN ('pending','running') LIMIT 1`).get(extensionId) !== undefined;
  }

  /** The cascade depth of a job dispatched (directly or through its parent jobs) by a hook; 0 otherwise. */
  jobDepth(jobId: string): number {
    const row = this.stmt("SELECT depth FROM agent_job_depths WHERE job_id = ?").get(jobId) as { depth: number } | undefined;
    return row?.depth ?? 0;
  }

  setJobDepth(jobId: string, depth: number): void {
    this.stmt("INSERT OR REPLACE INTO agent_job_depths (job_id, depth) VALUES (?, ?)").run(jobId, depth);
  }

  list(filter: AgentEventFilter = {}): AgentDeliveryRecord[] {
    const rows = this.stmt(`SELECT ${DELIVERY_COLUMNS} FROM agent_deliveries d JOIN agent_events e ON e.id = d.event_id
      WHERE (@extension IS NULL OR d.extension_id = @extension) AND (@state IS NULL OR d.state = @state)
        AND (@type IS NULL OR e.type = @type) AND (@event IS NULL OR d.event_id = @event)
      ORDER BY e.seq, d.extension_id, d.hook`).all({
      extension: filter.extensionId ?? null, state: filter.state ?? null, type: filter.type ?? null, event: filter.eventId ?? null,
    }) as DeliveryRow[];
    return rows.map(toRecord);
  }
}
