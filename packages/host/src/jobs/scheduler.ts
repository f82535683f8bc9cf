/**
 * Runs the jobs nobody is running: `running` rows whose owner died (a killed process; resumed from
 * their checkpoint) and `queued` rows (dispatched by a job or an agent, started by an event, or
 * suspended when their host closed). A Host sweeps once when it opens and again whenever a job is
 * queued. Jobs run in the background; `idle()` waits until none is left.
 */
import { toWireError, wireError } from "../errors.js";
import { PEER_TASK_PREFIX, type JobRunner } from "./job-runner.js";
import type { JobStore } from "../store/job-store.js";
import type { ExtensionRuntime, JobOutcome } from "./types.js";

export class JobScheduler {
  private sweeping: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private readonly background = new Set<Promise<unknown>>();

  constructor(
    private readonly store: JobStore,
    private readonly runner: JobRunner,
    private readonly load: (extensionId: string) => Promise<ExtensionRuntime>,
    /** Receives each outcome of a job run in the background. */
    private readonly onOutcome: (outcome: JobOutcome) => void = () => undefined,
    /** Whether jobs a dead host left `running` are resumed too, or only queued ones run. */
    private readonly options: { resumeOrphans: boolean } = { resumeOrphans: true },
  ) {}

  /** Starts a sweep (or another one after the current). */
  kick(): void {
    if (this.stopped) return;
    if (this.sweeping) {
      this.again = true;
      return;
    }
    // A sweep never rejects: a job it cannot start is marked failed, or left for the next host.
    this.sweeping = this.sweep().catch(() => undefined).finally(() => {
      this.sweeping = null;
      if (this.again) {
        this.again = false;
        this.kick();
      }
    });
  }

  private async sweep(): Promise<void> {
    for (const record of this.store.runnable()) {
      if (this.stopped) return;
      if (record.state === "running" && !this.options.resumeOrphans) continue;
      if (this.runner.isRunning(record.id)) continue;
      // A task run for another device is not resumed here: the caller retries it (job-runner.ts runForPeer).
      if (record.name.startsWith(PEER_TASK_PREFIX)) {
        if (record.state === "running") this.store.setState(record.id, "failed", { error: wireError("SDX3048", "the host running this task for another device stopped; that device retries it") });
        continue;
      }
      let runtime: ExtensionRuntime;
      try {
        runtime = await this.load(record.extensionId);
      } catch (error) {
        if (this.stopped) return;
        this.store.setState(record.id, "failed", { error: toWireError(error) });
        continue;
      }
      if (this.stopped) return;
      let run: Promise<JobOutcome>;
      try {
        run = this.runner.resume(runtime, record.id);
      } catch {
        continue; // claimed by another host meanwhile, or the host is closing
      }
      const tracked = run.then(this.onOutcome, () => undefined).finally(() => this.background.delete(tracked));
      this.background.add(tracked);
    }
  }

  /** Resolves when no sweep is running and no background job is left. */
  async idle(): Promise<void> {
    while (this.sweeping || this.background.size > 0) {
      await Promise.allSettled([this.sweeping, ...this.background]);
    }
  }

  stop(): void {
    this.stopped = true;
  }
}
