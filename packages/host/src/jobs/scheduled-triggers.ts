/**
 * `@job({ trigger: "scheduled", everySeconds })`: while a host that runs background work is open,
 * each such job is queued every `everySeconds` (the first time after one interval), unless one is
 * still queued or running. Timers are unref'd, so an open host does not keep a CLI process alive.
 * They run on the host's clock (a test advances a fake one instead of waiting).
 */
import { getInstalled, listInstalled } from "../extensions/install.js";
import type { Library } from "../store/library.js";
import type { JobRunner } from "./job-runner.js";
import type { JobStore } from "../store/job-store.js";
import { wallClock, type Clock, type ClockTimer } from "../core/clock.js";

export class ScheduledJobs {
  private readonly timers: ClockTimer[] = [];
  private stopped = false;

  constructor(
    private readonly library: Library,
    private readonly jobs: JobStore,
    private readonly runner: JobRunner,
    private readonly clock: Clock = wallClock,
  ) {}

  /** (Re)starts the timers from the installed manifests (after an install or upgrade). */
  refresh(): void {
    this.clear();
    if (this.stopped) return;
    for (const { id } of listInstalled(this.library)) {
      for (const job of getInstalled(this.library, id)?.manifest.jobs ?? []) {
        if (job.trigger !== "scheduled" || !job.everySeconds) continue;
        this.timers.push(this.clock.setInterval(() => this.fire(id, job.name), job.everySeconds * 1000, { unref: true, kind: "schedule" }));
      }
    }
  }

  private fire(extensionId: string, name: string): void {
    const busy = ["queued", "running"] as const;
    if (busy.some((state) => this.jobs.list({ extensionId, state }).some((j) => j.name === name))) return;
    this.runner.enqueue(extensionId, name, [], { trigger: { event: "scheduled" } });
  }

  private clear(): void {
    for (const timer of this.timers) this.clock.clear(timer);
    this.timers.length = 0;
  }

  stop(): void {
    this.stopped = true;
    this.clear();
  }
}
