/**
 * Turns what happens in a library into agent events and their deliveries, durably (jobs.db), in
 * the step that produces them; the delivery loop (delivery.ts) runs the hooks later.
 *
 * - `entry_indexed`: entries past a cursor in jobs.db, so entries committed by an index run that
 *   was killed before it recorded them are picked up when the next host opens. One event per new
 *   file entry; a delivery per hook whose extension can read the entry (its read_entries glob AND
 *   granted scope) and whose kinds match (`onNewPhoto`: images).
 * - `model_created`: delivered to the extension that created the model only: models are private to
 *   their extension (every model op is keyed by it), so another extension could neither read the
 *   model nor should learn it exists.
 * - `job_completed` (`{ jobId, extension, name, state }`): recorded by a trigger in jobs.db with
 *   the job's final state; delivered to the job's own extension, for the same reason.
 * - `schedule` (`{ at }`): one per `scheduleEverySeconds` slot per extension while a host is open;
 *   ticks coalesce while one is still waiting.
 *
 * Loop guard: a model created by an extension's own hook invocation is not delivered back to it
 * (onModelCreated creating a model would call itself forever). Beyond that, every event caused by a
 * hook, directly or through the jobs it dispatched, is one level deeper than the event that hook
 * received; deliveries deeper than `MAX_EVENT_DEPTH` are recorded as `skipped` (loop guard), which
 * stops cycles across hooks and jobs (onJobCompleted dispatching a job, two agents ping-ponging).
 */
import type { Manifest, ManifestHook } from "@sdx/sdk/manifest";
import type { WireError } from "@sdx/sdk/protocol";
import { wireError } from "../errors.js";
import { getInstalled, listInstalled } from "../extensions/install.js";
import { GrantSet } from "../extensions/grants.js";
import { entryAbsolutePath, entryHighWater, newEntryRows, toEntryData } from "../store/entries-store.js";
import type { Library } from "../store/library.js";
import type { AgentEventStore, NewEvent } from "../store/agent-events.js";
import type { AgentEventType, CallOrigin } from "./types.js";

/** Deepest cascade of hook-caused events still delivered. */
export const MAX_EVENT_DEPTH = 8;

const ENTRY_CURSOR = "entries";

/** An entry event's subject: what delivery re-checks against the grants at that time. */
export interface EntrySubject {
  absolute: string;
  relative: string;
}

export function hooksOf(manifest: Manifest | null | undefined, event: AgentEventType): ManifestHook[] {
  return manifest?.agent?.hooks.filter((h) => h.event === event) ?? [];
}

function loopGuard(depth: number): WireError | null {
  if (depth <= MAX_EVENT_DEPTH) return null;
  return wireError("SDX3025", `not delivered: the event is ${depth} hook invocations deep (a loop of hooks and jobs?); the limit is ${MAX_EVENT_DEPTH}`);
}

export class EventRecorder {
  /** Queues the extension's `job_completed` jobs for a finished job (set by the host); returns their ids. */
  queueJobCompletedJobs?: (extensionId: string, manifest: Manifest | null | undefined, payload: unknown) => string[];

  constructor(
    private readonly library: Library,
    readonly store: AgentEventStore,
  ) {}

  /** Agents only hear about entries indexed after the library first met this host (no flood on upgrade). */
  initCursor(): void {
    if (this.store.cursor(ENTRY_CURSOR) === null) this.store.setCursor(ENTRY_CURSOR, entryHighWater(this.library));
  }

  private agentsWith(event: AgentEventType): Array<{ id: string; hooks: ManifestHook[] }> {
    return listInstalled(this.library)
      .map(({ id }) => ({ id, hooks: hooksOf(getInstalled(this.library, id)?.manifest, event) }))
      .filter((a) => a.hooks.length > 0);
  }

  private record(event: NewEvent, targets: Array<{ extensionId: string; hook: string }>): number {
    if (targets.length === 0) return 0;
    const { id } = this.store.recordEvent(event);
    const guard = loopGuard(event.depth);
    let added = 0;
    for (const t of targets) if (this.store.addDelivery(id, t.extensionId, t.hook, guard) && !guard) added++;
    return added;
  }

  /** Records `entry_indexed` for the entries past the cursor and moves it; returns the deliveries added. */
  recordNewEntries(): number {
    return this.store.transaction(() => {
      const since = this.store.cursor(ENTRY_CURSOR) ?? 0;
      const upTo = entryHighWater(this.library);
      if (upTo <= since) return 0;
      let added = 0;
      const agents = this.agentsWith("entry_indexed");
      if (agents.length > 0) {
        const rows = newEntryRows(this.library, since, upTo);
        const visible = agents.map((a) => ({ ...a, grants: GrantSet.load(this.library, a.id) }));
        for (const row of rows) {
          const entry = toEntryData(row);
          if (!entry) continue;
          const subject: EntrySubject = { absolute: entryAbsolutePath(row), relative: row.relative_path };
          const targets = visible.flatMap((a) => (a.grants.canReadEntry(subject.absolute, subject.relative)
            ? a.hooks.filter((h) => !h.kinds || h.kinds.includes(row.kind)).map((h) => ({ extensionId: a.id, hook: h.name }))
            : []));
          added += this.record({ key: `entry_indexed:${entry.uuid}`, type: "entry_indexed", sourceExtensionId: null, depth: 0, payload: entry, subject }, targets);
        }
      }
      this.store.setCursor(ENTRY_CURSOR, upTo);
      return added;
    });
  }

  /** A model was created (not upserted) by `extensionId`; returns whether a delivery was added. */
  modelCreated(extensionId: string, manifest: Manifest, model: { uuid: string; modelType: string }, origin: CallOrigin): boolean {
    const hooks = hooksOf(manifest, "model_created");
    // The self-loop guard: a hook's own models are not news to its extension.
    if (hooks.length === 0 || origin.kind === "hook") return false;
    const depth = origin.kind === "job" ? this.store.jobDepth(origin.jobId) : 0;
    const event: NewEvent = { key: `model_created:${model.uuid}`, type: "model_created", sourceExtensionId: extensionId, depth, payload: { ...model, extension: extensionId } };
    return this.store.transaction(() => this.record(event, hooks.map((h) => ({ extensionId, hook: h.name })))) > 0;
  }

  /** A job was dispatched: one dispatched by a hook (or by such a job) carries the cascade depth on. */
  jobDispatched(jobId: string, origin: CallOrigin): void {
    const depth = origin.kind === "hook" ? origin.depth + 1 : origin.kind === "job" ? this.store.jobDepth(origin.jobId) : 0;
    if (depth > 0) this.store.setJobDepth(jobId, depth);
  }

  /** A schedule tick for one extension; returns whether a delivery was added. */
  schedule(extensionId: string, everySeconds: number, now = Date.now()): boolean {
    const hooks = hooksOf(getInstalled(this.library, extensionId)?.manifest, "schedule");
    if (hooks.length === 0) return false;
    const slot = Math.floor(now / (everySeconds * 1000));
    return this.store.transaction(() => {
      if (this.store.hasOpenSchedule(extensionId)) return 0;
      const event: NewEvent = { key: `schedule:${extensionId}:${everySeconds}:${slot}`, type: "schedule", sourceExtensionId: extensionId, depth: 0, payload: { at: new Date(now).toISOString() } };
      return this.record(event, hooks.map((h) => ({ extensionId, hook: h.name })));
    }) > 0;
  }

  /** Works out the deliveries of events the jobs.db trigger recorded (`job_completed`); returns how many. */
  fanOut(): number {
    const events = this.store.unfanned();
    if (events.length === 0) return 0;
    const manifests = new Map<string, Manifest | null>();
    const manifestOf = (id: string) => {
      if (!manifests.has(id)) manifests.set(id, getInstalled(this.library, id)?.manifest ?? null);
      return manifests.get(id);
    };
    let added = 0;
    this.store.transaction(() => {
      for (const event of events) {
        const owner = event.sourceExtensionId;
        const hooks = owner === null ? [] : hooksOf(manifestOf(owner), event.type);
        const guard = loopGuard(event.depth);
        let count = 0;
        for (const h of hooks) if (this.store.addDelivery(event.id, owner!, h.name, guard)) count++;
        if (!guard) added += count;
        // on_event job_completed jobs, in the same jobs.db transaction as the event's fan-out.
        if (event.type === "job_completed" && owner !== null && this.queueJobCompletedJobs && event.depth + 1 <= MAX_EVENT_DEPTH) {
          for (const jobId of this.queueJobCompletedJobs(owner, manifestOf(owner), event.payload)) this.store.setJobDepth(jobId, event.depth + 1);
        }
        this.store.settleFanOut(event.id, count);
      }
    });
    return added;
  }
}
