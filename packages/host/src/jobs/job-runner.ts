/**
 * Runs jobs and their tasks. A job is an invocation of kind "job" in the extension's main sandbox
 * instance, tracked by a row in jobs.db that names this runner as its owner while it runs. The
 * guest's `ctx.run(task, args)` arrives as the op `tasks.run`: the runner replays a recorded
 * result for the same (job, task, args hash, occurrence) or runs the task in a task instance (at
 * most `parallelism` at once per job), with the task's `timeoutMs` as the sandbox deadline,
 * retrying `retries` times with exponential backoff from `backoffMs`.
 *
 * Durability: the recorded task results are the automatic checkpoint taken at every task
 * boundary; `ctx.checkpoint(state)` adds the guest's own state. Resuming runs the job function
 * again with that state as `resumeState`, completed tasks answer from the record, and repeated
 * writes are idempotent (write-keys.ts). Work redone after a kill is therefore at most the tasks
 * that were in flight.
 *
 * Control: pausing, cancelling and closing the host are states in jobs.db (so another process,
 * e.g. `sdx jobs pause`, can ask), read at every host call of the job (`stopReason`). A paused job
 * stops at its next host call and lets tasks already running finish (their results are kept); a
 * cancelled job also stops its tasks at their next host call.
 */
import { randomUUID } from "node:crypto";
import type { Invocation, WireError, WireResult } from "@sdx/sdk/protocol";
import type { ManifestJob } from "@sdx/sdk/manifest";
import { errorFromWire, sdxError, toWireError, wireError } from "../errors.js";
import type { OpContext } from "../ops/context.js";
import { FINAL_STATES, type JobProgress, type JobRecord, type JobState, type JobStore, type TaskResultKey } from "../store/job-store.js";
import { HEARTBEAT_MS, newOwner, retireOwner } from "../store/owner.js";
import { hashArgs } from "../ops/request-hash.js";
import { Limiter } from "./task-pool.js";
import type { ExtensionRuntime, JobOutcome, RunningJob } from "./types.js";
import { WriteScope, uuidForWrite } from "./write-keys.js";
import { JobStateReader, stopReasonOf } from "./stop-reason.js";
import { runAttempts } from "./task-attempts.js";
import { wallClock, type Clock } from "../core/clock.js";

export { hashArgs } from "../ops/request-hash.js";

/** Names of the jobs a device runs for another's `executeOn` (`@peer:<task>`): no manifest job, never resumed. */
export const PEER_TASK_PREFIX = "@peer:";

/** Host deaths in a row without progress after which a job is abandoned (SDX3029). */
export const DEFAULT_MAX_HOST_DEATHS = 3;

export interface RunJobOptions {
  onProgress?: (progress: JobProgress) => void;
}

export class JobRunner {
  private readonly running = new Map<string, RunningJob>();
  private readonly active = new Set<Promise<unknown>>();
  readonly owner = newOwner();
  private closing = false;
  private readonly heartbeat: NodeJS.Timeout;
  /** Called when a job was queued (by `jobs.dispatch`); the scheduler runs it. */
  onQueued: () => void = () => undefined;

  private readonly maxHostDeaths: number;
  private readonly states: JobStateReader;
  private readonly clock: Clock;

  /**
   * `maxHostDeaths`: how many times in a row a job's host may die while running it without progress
   * before the job is failed instead of resumed (JobStore.claim). `heartbeatMs`: how often the
   * owner of running jobs says it is alive. `clock`: what tasks' backoff and (on a virtual clock)
   * deadlines wait on.
   */
  constructor(readonly store: JobStore, options: { maxHostDeaths?: number; heartbeatMs?: number; clock?: Clock } = {}) {
    this.clock = options.clock ?? wallClock;
    this.maxHostDeaths = options.maxHostDeaths ?? DEFAULT_MAX_HOST_DEATHS;
    this.states = new JobStateReader((jobId) => store.stateAndOwner(jobId), store.stateChanges);
    this.heartbeat = setInterval(() => {
      if (this.running.size > 0 && store.db.open) store.heartbeat(this.owner);
    }, options.heartbeatMs ?? HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  private jobOf(runtime: ExtensionRuntime, name: string): ManifestJob {
    const job = runtime.manifest.jobs.find((j) => j.name === name);
    if (!job) {
      throw sdxError("SDX3011", `${runtime.extensionId} has no job "${name}"; jobs: ${runtime.manifest.jobs.map((j) => j.name).join(", ") || "none"}`);
    }
    return job;
  }

  isRunning(jobId: string): boolean {
    return this.running.has(jobId);
  }

  /** Creates a job row owned by this runner and runs it to its end (or until it is stopped). */
  run(runtime: ExtensionRuntime, name: string, args: unknown[], options: RunJobOptions = {}): Promise<JobOutcome> {
    this.jobOf(runtime, name);
    if (this.closing) throw sdxError("SDX3019", "the host is closing");
    const record = this.store.create({ id: randomUUID(), extensionId: runtime.extensionId, name, params: args, owner: this.owner });
    return this.track(this.execute(runtime, record, options));
  }

  /** Queues a job; a host's scheduler runs it. */
  enqueue(extensionId: string, name: string, args: unknown[], options: { parentJobId?: string | null; trigger?: unknown } = {}): string {
    const id = randomUUID();
    this.store.create({ id, extensionId, name, params: args, parentJobId: options.parentJobId ?? null, trigger: options.trigger });
    this.onQueued();
    return id;
  }

  /**
   * Runs an unfinished job (queued, paused, or left running by a process that died) from its last
   * checkpoint; completed tasks are replayed.
   */
  resume(runtime: ExtensionRuntime, jobId: string, options: RunJobOptions = {}): Promise<JobOutcome> {
    const record = this.store.get(jobId);
    if (!record || record.extensionId !== runtime.extensionId) throw sdxError("SDX3008", `job ${jobId} does not exist`);
    if (FINAL_STATES.has(record.state)) throw sdxError("SDX3022", `job ${jobId} is ${record.state} and cannot be resumed`);
    if (this.closing) throw sdxError("SDX3019", "the host is closing");
    const claim = this.running.has(jobId) ? "busy" : this.store.claim(jobId, this.owner, this.maxHostDeaths);
    if (claim !== "claimed") {
      if (claim !== "busy") throw errorFromWire(claim.abandoned);
      const owner = this.store.get(jobId)?.owner;
      throw sdxError("SDX3022", `job ${jobId} is already running${owner ? ` (process ${owner.pid} on ${owner.host})` : ""}`);
    }
    return this.track(this.execute(runtime, this.store.get(jobId)!, options));
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.active.add(promise);
    void promise.finally(() => this.active.delete(promise)).catch(() => undefined);
    return promise;
  }

  private async execute(runtime: ExtensionRuntime, record: JobRecord, options: RunJobOptions): Promise<JobOutcome> {
    const started = performance.now();
    const job = this.jobOf(runtime, record.name);
    const replays = this.store.hasCompletedTaskResults(record.id);
    const run: RunningJob = { runtime, limiter: new Limiter(job.parallelism), occurrences: new Map(), replays, inFlight: new Set(), stopped: false, onProgress: options.onProgress };
    this.running.set(record.id, run);
    try {
      const invocation: Invocation = {
        kind: "job",
        name: record.name,
        args: record.params,
        context: { extensionId: runtime.extensionId, config: runtime.config, deviceUuid: runtime.deviceUuid, jobId: record.id, resumeState: record.checkpoint ?? null },
      };
      const replied = runtime.main.invoke(invocation, runtime.invokeOptions({ jobId: record.id, kind: "job", writes: WriteScope.job(record.id) }));
      // After the job's invocation is queued, so the job's VM takes the spare worker and the task's the next.
      if (runtime.manifest.tasks.length > 0) runtime.tasks.prewarm();
      const reply = await replied;
      // A job that threw while tasks were still running (Promise.all) ends after them.
      await Promise.allSettled([...run.inFlight]);
      return this.finish(record.id, reply, run.stopped, performance.now() - started);
    } finally {
      this.running.delete(record.id);
    }
  }

  /** Decides how the run ended from the guest's reply and what was asked of the job meanwhile. */
  private finish(jobId: string, reply: WireResult, stopped: boolean, durationMs: number): JobOutcome {
    const current = this.store.state(jobId);
    const outcome = (state: JobOutcome["state"]): JobOutcome => {
      const result: JobOutcome = { jobId, state, durationMs };
      if (reply.ok) result.result = reply.value;
      else result.error = reply.error;
      return result;
    };
    if (current === "cancelled") return outcome("cancelled");
    // A job that caught the refusals of a pause or shutdown and returned anyway did not do its work.
    if (reply.ok && !stopped) {
      this.store.setState(jobId, "completed", { result: reply.value });
      return outcome("completed");
    }
    if (current === "paused") {
      this.store.event(jobId, "stopped", { reason: "paused" });
      return outcome("paused");
    }
    if (this.closing) {
      this.store.setState(jobId, "queued", { detail: { reason: "the host closed; resumes when a host opens the library" } });
      return outcome("queued");
    }
    // Stopped because another host took the job over: its run decides the state.
    if (stopped || reply.ok) return outcome("queued");
    const state = reply.error.code === "SDX3019" ? "cancelled" : "failed";
    this.store.setState(jobId, state, { error: reply.error });
    return outcome(state);
  }

  /**
   * Why the calls of `jobId` must stop now, or null. `starting` is true for the job's own calls
   * and before a task attempt starts: those stop when the job is paused too.
   */
  stopReason(jobId: string, starting: boolean): WireError | null {
    const reason = this.computeStop(jobId, starting);
    if (reason) {
      const run = this.running.get(jobId);
      if (run) run.stopped = true;
    }
    return reason;
  }

  private computeStop(jobId: string, starting: boolean): WireError | null {
    return stopReasonOf(this.states.get(jobId), this.owner.token, this.closing, starting);
  }

  /** A call of the job was refused because it had to stop, somewhere the runner did not see (a sandbox worker). */
  noteStopped(jobId: string): void {
    const run = this.running.get(jobId);
    if (run) run.stopped = true;
  }


  /** The running job `jobId` of the calling extension. */
  private runningJob(ctx: OpContext, jobId: string): RunningJob {
    const job = this.running.get(jobId);
    if (!job || job.runtime.extensionId !== ctx.extensionId) throw sdxError("SDX3008", `job ${jobId} is not running`);
    return job;
  }

  /** A job row of the calling extension (another extension's jobs do not exist for it). */
  private ownRecord(ctx: OpContext, jobId: string): JobRecord {
    const record = this.store.get(jobId);
    if (!record || record.extensionId !== ctx.extensionId) throw sdxError("SDX3008", `job ${jobId} does not exist`);
    return record;
  }

  /** `jobs.status`: true once the job should stop (cancelled, paused, or its host is closing). */
  isCancelled(ctx: OpContext, jobId: string): boolean {
    this.ownRecord(ctx, jobId);
    return this.stopReason(jobId, true) !== null;
  }

  cancel(jobId: string): JobState {
    const state = this.store.state(jobId);
    if (state === null) throw sdxError("SDX3008", `job ${jobId} does not exist`);
    if (FINAL_STATES.has(state)) return state;
    this.store.setState(jobId, "cancelled", { error: wireError("SDX3019", "the job was cancelled") });
    return "cancelled";
  }

  /** Pauses a queued or running job (in any process); it resumes with `resume`. */
  pause(jobId: string): JobState {
    const state = this.store.state(jobId);
    if (state === null) throw sdxError("SDX3008", `job ${jobId} does not exist`);
    if (FINAL_STATES.has(state) || state === "paused") return state;
    this.store.setState(jobId, "paused");
    return "paused";
  }

  progress(ctx: OpContext, jobId: string, progress: JobProgress): void {
    const job = this.runningJob(ctx, jobId);
    this.store.setProgress(jobId, progress);
    job.onProgress?.(progress);
  }

  checkpoint(ctx: OpContext, jobId: string, state: unknown): void {
    this.runningJob(ctx, jobId);
    this.store.setCheckpoint(jobId, state);
  }

  /** Queues a job of the calling extension (`jobs.dispatch`). */
  dispatch(ctx: OpContext, name: string, args: unknown[], parentJobId: string | null): string {
    if (!ctx.manifest.jobs.some((j) => j.name === name)) throw sdxError("SDX3011", `${ctx.extensionId} has no job "${name}"`);
    // The same job with the same arguments already waiting will do this work: coalesce, so a hook
    // firing once per new photo queues one analysis, not one per photo (at most one runs, one waits).
    const wanted = JSON.stringify(args);
    const waiting = this.store.list({ extensionId: ctx.extensionId, state: "queued" }).find((j) => j.name === name && JSON.stringify(j.params) === wanted);
    if (waiting) {
      this.store.event(waiting.id, "dispatch_coalesced", { dispatchedBy: parentJobId });
      return waiting.id;
    }
    return this.enqueue(ctx.extensionId, name, args, { parentJobId, trigger: { dispatchedBy: parentJobId } });
  }

  async runTask(ctx: OpContext, jobId: string, name: string, args: unknown[]): Promise<{ result: unknown }> {
    const job = this.runningJob(ctx, jobId);
    const task = job.runtime.manifest.tasks.find((t) => t.name === name);
    if (!task) throw sdxError("SDX3011", `${job.runtime.extensionId} has no task "${name}"; tasks: ${job.runtime.manifest.tasks.map((t) => t.name).join(", ") || "none"}`);
    const { key, replayed } = this.nextCall(job, jobId, name, args);
    if (replayed) return replayed;
    const attempts = runAttempts({ store: this.store, clock: this.clock, stopReason: (id, starting) => this.stopReason(id, starting) }, job, key, args);
    job.inFlight.add(attempts);
    void attempts.finally(() => job.inFlight.delete(attempts)).catch(() => undefined);
    return attempts;
  }

  /**
   * The key of this job's next call of `name` with `args` (the nth identical call gets occurrence
   * n, so a resumed job finds each in order), and its result when a finished one was recorded.
   */
  private nextCall(job: RunningJob, jobId: string, name: string, args: unknown[]): { key: TaskResultKey; replayed: { result: unknown } | null } {
    const argsHash = hashArgs(args);
    const counter = `${name}\u0000${argsHash}`;
    const occurrence = job.occurrences.get(counter) ?? 0;
    job.occurrences.set(counter, occurrence + 1);
    const key = { jobId, task: name, argsHash, occurrence };
    const recorded = job.replays ? this.store.findTaskResult(key) : null;
    if (recorded?.state !== "completed") return { key, replayed: null };
    this.store.event(jobId, "task_replayed", { task: name, occurrence });
    return { key, replayed: { result: recorded.result } };
  }

  /**
   * A call recorded like a task's result (`executeOn` on another device): replayed from jobs.db when
   * this job already made it (a resumed job), else `run` with a key unique to this call and recorded.
   */
  async recordedCall(ctx: OpContext, jobId: string, name: string, args: unknown[], run: (key: string) => Promise<unknown>): Promise<{ result: unknown }> {
    const job = this.runningJob(ctx, jobId);
    const { key, replayed } = this.nextCall(job, jobId, name, args);
    if (replayed) return replayed;
    const started = performance.now();
    const result = await run(`${jobId}:${name}:${key.argsHash}:${key.occurrence}`);
    this.store.recordTaskResult({ ...key, state: "completed", result, error: null, attempts: 1, durationMs: performance.now() - started });
    return { result };
  }

  /**
   * Runs a declared task for another device (its `executeOn`), as a job of its own named
   * `@peer:<task>` owned by this runner: the task's calls get the same stop checks and write keys
   * as any task, with this device's grants. `key` is the caller's: asked again (a retry after a
   * dropped connection), a finished run answers from its record instead of running again.
   */
  runForPeer(runtime: ExtensionRuntime, from: string, request: { task: string; args: unknown[]; key: string }): Promise<unknown> {
    const task = runtime.manifest.tasks.find((t) => t.name === request.task);
    if (!task) throw sdxError("SDX3011", `${runtime.extensionId} has no task "${request.task}" on this device; tasks: ${runtime.manifest.tasks.map((t) => t.name).join(", ") || "none"}`);
    if (this.closing) throw sdxError("SDX3019", "the host is closing");
    const id = uuidForWrite(`peer-task\u0000${from}\u0000${request.key}`);
    const existing = this.store.get(id);
    if (existing?.state === "completed") return Promise.resolve(existing.result);
    // Asked again after it failed (a resumed caller): run it again, as a resumed job re-runs a failed task.
    if (existing && FINAL_STATES.has(existing.state)) this.store.setState(id, "queued", { detail: { reason: "asked again", from } });
    if (!existing) this.store.create({ id, extensionId: runtime.extensionId, name: `${PEER_TASK_PREFIX}${task.name}`, params: request.args, owner: this.owner, trigger: { executeOn: { from, key: request.key } } });
    else if (this.running.has(id) || this.store.claim(id, this.owner) !== "claimed") throw sdxError("SDX3022", `task ${task.name} for device ${from} is already running here`);
    const run: RunningJob = { runtime, limiter: new Limiter(1), occurrences: new Map(), replays: this.store.hasCompletedTaskResults(id), inFlight: new Set(), stopped: false };
    this.running.set(id, run);
    const deps = { store: this.store, clock: this.clock, stopReason: (jobId: string, starting: boolean) => this.stopReason(jobId, starting) };
    return this.track((async () => {
      try {
        const { result } = await runAttempts(deps, run, { jobId: id, task: task.name, argsHash: hashArgs(request.args), occurrence: 0 }, request.args);
        this.store.setState(id, "completed", { result });
        return result;
      } catch (error) {
        // Closing: the row stays for the caller's retry to run it again on the next host.
        if (!this.closing) this.store.setState(id, "failed", { error: toWireError(error) });
        else this.store.setState(id, "queued", { detail: { reason: "the host closed" } });
        throw error;
      } finally {
        this.running.delete(id);
      }
    })());
  }

  /** Stops every job of this runner at its next host call and waits for them to end (they stay resumable). */
  async close(): Promise<void> {
    this.closing = true;
    while (this.active.size > 0) await Promise.allSettled([...this.active]);
    clearInterval(this.heartbeat);
    retireOwner(this.owner);
  }
}
