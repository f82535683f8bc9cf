/**
 * `@job({ trigger: "scheduled", everySeconds })`: while a host that runs background work is open
 * (`sdx serve` keeps one open), each such job is queued every `everySeconds`, counted from when a
 * host first saw the schedule (the first run one interval later), unless one is still queued or
 * running. Each slot fires once, whichever of the hosts that have the library open gets there
 * first (jobs.db `job_schedule_slots` holds the slots' start times, so every host counts from the
 * same start). Slots missed while no host was open fire once when a long-running host opens
 * (`catchUp`: `sdx serve`, not a short command). Timers are unref'd, so an open host does not keep
 * a CLI process alive. They run on the host's clock (a test advances a fake one instead of waiting).
 */
import { getInstalled, listInstalled } from "../extensions/install.js";
import type { Library } from "../store/library.js";
import type { JobRunner } from "./job-runner.js";
import type { JobStore } from "../store/job-store.js";
import { lastScheduleSlot, setSlotJob, takeScheduleSlot } from "../store/job-schedules.js";
import { wallClock, type Clock, type ClockTimer } from "../core/clock.js";

/** The start (ms) of the latest slot due at `now`, slots every `everyMs` from `base` (a slot taken before). */
function dueSlot(base: number, now: number, everyMs: number): number {
  return base + Math.floor((now - base) / everyMs) * everyMs;
}

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
        const now = this.clock.now();
        const last = lastScheduleSlot(this.jobs, id, job.name);
        // First sight: now starts the schedule (its first run one interval later). Slots missed while no host was open: one run now.
        if (last === null) takeScheduleSlot(this.jobs, id, job.name, now, null);
        else if (this.options.catchUp && dueSlot(last, now, everyMs) > last) this.fire(id, job.name, dueSlot(last, now, everyMs));
        this.arm(generation, id, job.name, everyMs);
      }
    }
  }

  /** Waits for the next slot, fires, and waits for the next. */
  private arm(generation: number, extensionId: string, name: string, everyMs: number): void {
    const now = this.clock.now();
    const base = lastScheduleSlot(this.jobs, extensionId, name) ?? now;
    const next = dueSlot(base, now, everyMs) + everyMs;
    const timer = this.clock.setTimeout(() => {
      this.timers.delete(timer);
      if (this.stopped || generation !== this.generation) return;
      this.fire(extensionId, name, dueSlot(base, Math.max(this.clock.now(), next), everyMs));
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
