/**
 * The agent side of a Host: records events (recorder.ts) into jobs.db (event-store.ts), delivers
 * them to hooks (delivery.ts), fires schedules (schedule.ts), and subscribes to the host's events
 * (`onEvent`): a model created or a job dispatched by a guest call. The Host calls only this.
 *
 * Context building needs no API of its own: `ctx.ai().renderPrompt(template, variables)` renders a
 * bundled Jinja template (ai/prompts.ts) with any JSON, so a hook passes its memory query results
 * as variables, e.g. `renderPrompt("recent", { seen: await mind.history.query({ limit: 20 }) })`
 * with `{% for item in seen %}{{ item.event.name }}{% endfor %}` (test/agents.test.ts).
 */
import type { JobStore } from "../store/job-store.js";
import type { OpContext } from "../ops/context.js";
import type { CallOrigin, PublishedEvent } from "../ops/events.js";
import type { Library } from "../store/library.js";
import { AgentDelivery, type HookRuntime } from "./delivery.js";
import { AgentEventStore } from "../store/agent-events.js";
import { EventRecorder, MAX_EVENT_DEPTH } from "./recorder.js";
import { ScheduleTimers } from "./schedule.js";
import type { Clock } from "../core/clock.js";
import { DEFAULT_AGENT_OPTIONS, type AgentDeliveryRecord, type AgentEventFilter, type AgentOptions } from "./types.js";

export interface AgentsDeps {
  load(extensionId: string): Promise<HookRuntime>;
  log(extensionId: string, level: "warn" | "error", message: string): void;
  /** Queues the extension's `job_completed` jobs for a finished job; returns their ids. */
  queueJobCompletedJobs?(extensionId: string, manifest: OpContext["manifest"] | null | undefined, payload: unknown): string[];
  /** Queues the extension's `model_created` jobs for a new model; returns their ids. */
  queueModelJobs?(extensionId: string, manifest: OpContext["manifest"], model: { uuid: string; modelType: string }, origin: CallOrigin): string[];
}

export class Agents {
  private readonly store: AgentEventStore;
  private readonly recorder: EventRecorder;
  private readonly delivery: AgentDelivery;
  private readonly schedules: ScheduleTimers;

  constructor(library: Library, jobs: JobStore, options: AgentOptions | undefined, deps: AgentsDeps, clock: Clock) {
    this.store = new AgentEventStore(jobs);
    this.recorder = new EventRecorder(library, this.store);
    this.recorder.initCursor();
    if (deps.queueJobCompletedJobs) this.recorder.queueJobCompletedJobs = (id, manifest, payload) => deps.queueJobCompletedJobs!(id, manifest, payload);
    const resolved = { ...DEFAULT_AGENT_OPTIONS, ...options };
    this.delivery = new AgentDelivery({ library, store: this.store, recorder: this.recorder, load: deps.load, log: deps.log, options: resolved, clock });
    this.schedules = new ScheduleTimers(library, (id, every) => {
      if (this.recorder.schedule(id, every, clock.now())) this.delivery.kick();
    }, clock);
    this.deps = deps;
  }

  private readonly deps: AgentsDeps;

  /**
   * Subscriber of the host's events (after each call that succeeded): a model created (not
   * upserted) is a `model_created` event for the extension's hooks and may start its
   * `model_created` jobs; a dispatched job carries the cascade depth of what dispatched it.
   */
  readonly onEvent = ({ extensionId, manifest, origin, event }: PublishedEvent): void => {
    if (event.type === "model_created" && !event.upsert && manifest) {
      const model = { uuid: event.uuid, modelType: event.modelType };
      if (this.recorder.modelCreated(extensionId, manifest, model, origin)) this.delivery.kick();
      this.queueModelJobs(extensionId, manifest, model, origin);
    } else if (event.type === "job_dispatched") {
      this.recorder.jobDispatched(event.jobId, origin);
    }
  };

  /** Jobs started by a model carry the cascade depth on, so the loop guard covers them too. */
  private queueModelJobs(extensionId: string, manifest: OpContext["manifest"], model: { uuid: string; modelType: string }, origin: CallOrigin): void {
    // Most extensions have no model_created job: skip the lookups a created model would cost them.
    if (!this.deps.queueModelJobs || !manifest.jobs.some((j) => j.trigger === "on_event" && j.event === "model_created")) return;
    const depth = (origin.kind === "hook" ? origin.depth : origin.kind === "job" ? this.store.jobDepth(origin.jobId) : 0) + 1;
    if (depth > MAX_EVENT_DEPTH) {
      this.deps.log(extensionId, "warn", `model_created jobs not started for ${model.modelType} ${model.uuid}: ${depth} levels of triggered work deep (limit ${MAX_EVENT_DEPTH})`);
      return;
    }
    for (const jobId of this.deps.queueModelJobs(extensionId, manifest, model, origin)) this.store.setJobDepth(jobId, depth);
  }

  /**
   * Runs in the background: records the entries an interrupted index run left without events,
   * delivers what is pending (including deliveries a killed host left running), starts schedules.
   */
  start(): void {
    try {
      this.recorder.recordNewEntries();
    } catch {
      // jobs.db busy with another host's write: the cursor stays, the next index run records them.
    }
    this.delivery.start();
    this.schedules.refresh();
  }

  /** After indexing committed: `entry_indexed` events for the new entries; returns the deliveries added. */
  afterIndex(): number {
    const added = this.recorder.recordNewEntries();
    if (added > 0) this.delivery.kick();
    return added;
  }

  /** Something may have produced events (a job ended: the jobs.db trigger recorded it). */
  kick(): void {
    this.delivery.kick();
  }

  /** Installed extensions changed. */
  refreshSchedules(): void {
    this.schedules.refresh();
  }

  list(filter?: AgentEventFilter): AgentDeliveryRecord[] {
    this.recorder.fanOut();
    return this.store.list(filter);
  }

  idle(): Promise<boolean> {
    return this.delivery.idle();
  }

  /** Stops schedules and new deliveries; running hooks are refused their next host call. */
  stop(): void {
    this.schedules.stop();
    this.delivery.stop();
  }

  async close(): Promise<void> {
    this.stop();
    await this.delivery.close();
  }
}
