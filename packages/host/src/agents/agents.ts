/**
 * The agent side of a Host: records events (recorder.ts) into jobs.db (event-store.ts), delivers
 * them to hooks (delivery.ts), fires schedules (schedule.ts), and gives the op contexts of guest
 * invocations the audit that notices the events they cause (observe.ts). The Host calls only this.
 *
 * Context building needs no API of its own: `ctx.ai().renderPrompt(template, variables)` renders a
 * bundled Jinja template (ai/prompts.ts) with any JSON, so a hook passes its memory query results
 * as variables, e.g. `renderPrompt("recent", { seen: await mind.history.query({ limit: 20 }) })`
 * with `{% for item in seen %}{{ item.event.name }}{% endfor %}` (test/agents.test.ts).
 */
import type { JobStore } from "../store/job-store.js";
import type { OpContext } from "../ops/context.js";
import type { Library } from "../store/library.js";
import { AgentDelivery, type HookRuntime } from "./delivery.js";
import { AgentEventStore } from "../store/agent-events.js";
import { observedContext, type ObserveDeps } from "./observe.js";
import { EventRecorder, MAX_EVENT_DEPTH } from "./recorder.js";
import { ScheduleTimers } from "./schedule.js";
import { DEFAULT_AGENT_OPTIONS, type AgentDeliveryRecord, type AgentEventFilter, type AgentOptions, type CallOrigin } from "./types.js";

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
  private readonly observeDeps: ObserveDeps;

  constructor(library: Library, jobs: JobStore, options: AgentOptions | undefined, deps: AgentsDeps) {
    this.store = new AgentEventStore(jobs);
    this.recorder = new EventRecorder(library, this.store);
    this.recorder.initCursor();
    if (deps.queueJobCompletedJobs) this.recorder.queueJobCompletedJobs = (id, manifest, payload) => deps.queueJobCompletedJobs!(id, manifest, payload);
    const resolved = { ...DEFAULT_AGENT_OPTIONS, ...options };
    this.delivery = new AgentDelivery({ library, store: this.store, recorder: this.recorder, load: deps.load, log: deps.log, options: resolved });
    this.schedules = new ScheduleTimers(library, (id, every) => {
      if (this.recorder.schedule(id, every)) this.delivery.kick();
    });
    this.observeDeps = {
      recorder: this.recorder,
      onRecorded: () => this.delivery.kick(),
      onError: (id, message) => deps.log(id, "warn", message),
      // Jobs started by a model carry the cascade depth on, so the loop guard covers them too.
      onModelCreated: deps.queueModelJobs && ((extensionId, manifest, model, origin) => {
        const depth = (origin.kind === "hook" ? origin.depth : origin.kind === "job" ? this.store.jobDepth(origin.jobId) : 0) + 1;
        if (depth > MAX_EVENT_DEPTH) {
          deps.log(extensionId, "warn", `model_created jobs not started for ${model.modelType} ${model.uuid}: ${depth} levels of triggered work deep (limit ${MAX_EVENT_DEPTH})`);
          return;
        }
        for (const jobId of deps.queueModelJobs!(extensionId, manifest, model, origin)) this.store.setJobDepth(jobId, depth);
      }),
    };
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

  /** `base` with an audit that records the events its calls cause (models created, jobs dispatched). */
  observe(base: OpContext, origin: CallOrigin): OpContext {
    return observedContext(base, origin, this.observeDeps);
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
