/**
 * `@job({ trigger: "scheduled", everySeconds })`: while a host that runs background work is open
 * (`sdx serve` keeps one open), each such job is queued at every multiple of `everySeconds` of the
 * wall clock, on time, unless one is still queued or running. Each slot fires once, whichever of
 * the hosts that have the library open gets there first (jobs.db `job_schedule_slots`). A slot
 * missed while no host was open fires once when a long-running host opens (`catchUp`: `sdx
 * serve`, not a short command); a schedule seen for the first time fires first at the next slot.
 * Timers are unref'd, so an open host does not keep a CLI process alive. They run on the host's
 * clock (a test advances a fake one instead of waiting).
 */
import { getInstalled, listInstalled } from "../extensions/install.js";
import type { Library } from "../store/library.js";
import type { JobRunner } from "./job-runner.js";
import type { JobStore } from "../store/job-store.js";
import { lastScheduleSlot, setSlotJob, takeScheduleSlot } from "../store/job-schedules.js";
import { wallClock, type Clock, type ClockTimer } from "../core/clock.js";

export class ScheduledJobs {
  private readonly timers = new Set<ClockTimer>();
  private stopped = false;
  private generation = 0;

  constructor(
    private readonly library: Library,
    private readonly jobs: JobStore,
    private readonly runner: JobRunner,
    private readonly options: { catchUp: boolean } = { catchUp: false },
    private readonly clock: Clock = wallClock,
  ) {}

  /** (Re)starts the timers from the installed manifests (after an install or upgrade). */
  refresh(): void {
    this.clear();
    if (this.stopped) return;
    const generation = ++this.generation;
    for (const { id } of listInstalled(this.library)) {
      for (const job of getInstalled(this.library, id)?.manifest.jobs ?? []) {
        if (job.trigger !== "scheduled" || !job.everySeconds) continue;
        const everyMs = job.everySeconds * 1000;
        const slot = Math.floor(this.clock.now() / everyMs);
        const last = lastScheduleSlot(this.jobs, id, job.name);
        // First sight: this slot is the start, not a run. A slot missed while no host was open: run now.
        if (last === null) takeScheduleSlot(this.jobs, id, job.name, slot, null);
        else if (last < slot && this.options.catchUp) this.fire(id, job.name, slot);
        this.arm(generation, id, job.name, everyMs);
      }
    }
  }

  /** Waits for the next slot boundary, fires, and waits for the next. */
  private arm(generation: number, extensionId: string, name: string, everyMs: number): void {
    const now = this.clock.now();
    const next = (Math.floor(now / everyMs) + 1) * everyMs;
    const timer = this.clock.setTimeout(() => {
      this.timers.delete(timer);
      if (this.stopped || generation !== this.generation) return;
      this.fire(extensionId, name, Math.floor(Math.max(this.clock.now(), next) / everyMs));
      this.arm(generation, extensionId, name, everyMs);
    }, next - now, { unref: true, kind: "schedule" });
    this.timers.add(timer);
  }

  private fire(extensionId: string, name: string, slot: number): void {
    this.jobs.transaction(() => {
      if (!takeScheduleSlot(this.jobs, extensionId, name, slot, null)) return; // another host took it
      const busy = (["queued", "running"] as const).some((state) => this.jobs.list({ extensionId, state }).some((j) => j.name === name));
      if (busy) return;
      const jobId = this.runner.enqueue(extensionId, name, [], { trigger: { event: "scheduled", slot } });
      setSlotJob(this.jobs, extensionId, name, slot, jobId);
    });
  }

  private clear(): void {
    for (const timer of this.timers) this.clock.clear(timer);
    this.timers.clear();
  }

  stop(): void {
    this.stopped = true;
    this.clear();
  }
}
