/**
 * Runs jobs and their tasks. A job is an invocation of kind "job" in the extension's main sandbox
 * instance, tracked by a row in jobs.db. The guest's `ctx.run(task, args)` arrives as the op
 * `tasks.run`: the runner looks the task up in the manifest, replays a recorded result for the same
 * (job, task, args hash, occurrence) or runs it as an invocation of kind "task" in a task instance
 * (at most `parallelism` at once per job), with the task's `timeoutMs` as the sandbox deadline,
 * retrying `retries` times with exponential backoff from `backoffMs`.
 *
 * Not yet (issue 4): resuming after a crash on start-up, pause, queued jobs actually running, and
 * on_event triggers. `resume(jobId)` re-runs a job with its last checkpoint and replays its tasks,
 * which is the mechanism they will build on.
 */
import { createHash, randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { encodeMessage, type Invocation, type WireError } from "@sdx/sdk/protocol";
import type { ManifestJob } from "@sdx/sdk/manifest";
import { HostError, WireFailure, wireError } from "../errors.js";
import type { OpContext } from "../ops/types.js";
import { FINAL_STATES, type JobProgress, type JobRecord, type JobStore } from "./job-store.js";
import { Limiter } from "./task-pool.js";
import type { ExtensionRuntime, JobOutcome } from "./types.js";

export interface RunJobOptions {
  onProgress?: (progress: JobProgress) => void;
}

interface RunningJob {
  runtime: ExtensionRuntime;
  limiter: Limiter;
  /** How often each (task, args) was asked for so far in this run: the replay key's occurrence. */
  occurrences: Map<string, number>;
  onProgress?: (progress: JobProgress) => void;
}

export function hashArgs(args: unknown[]): string {
  const message = encodeMessage(args);
  const hash = createHash("sha256").update(message.json);
  for (const buffer of message.buffers) hash.update(new Uint8Array(buffer));
  return hash.digest("hex");
}

export class JobRunner {
  private readonly running = new Map<string, RunningJob>();

  constructor(readonly store: JobStore) {}

  private jobOf(runtime: ExtensionRuntime, name: string): ManifestJob {
    const job = runtime.manifest.jobs.find((j) => j.name === name);
    if (!job) {
      throw new HostError("SDX3011", `${runtime.extensionId} has no job "${name}"; jobs: ${runtime.manifest.jobs.map((j) => j.name).join(", ") || "none"}`);
    }
    return job;
  }

  /** Creates a job row and runs it to its end. */
  run(runtime: ExtensionRuntime, name: string, args: unknown[], options: RunJobOptions = {}): Promise<JobOutcome> {
    this.jobOf(runtime, name);
    const record = this.store.create({ id: randomUUID(), extensionId: runtime.extensionId, name, params: args, state: "running" });
    return this.execute(runtime, record, options);
  }

  /** Runs an existing, unfinished job again from its last checkpoint; finished tasks are replayed. */
  resume(runtime: ExtensionRuntime, jobId: string, options: RunJobOptions = {}): Promise<JobOutcome> {
    const record = this.store.get(jobId);
    if (!record || record.extensionId !== runtime.extensionId) throw new HostError("SDX3008", `job ${jobId} does not exist`);
    if (FINAL_STATES.has(record.state)) throw new HostError("SDX3012", `job ${jobId} is ${record.state} and cannot be resumed`);
    if (this.running.has(jobId)) throw new HostError("SDX3012", `job ${jobId} is already running`);
    this.store.setState(jobId, "running");
    return this.execute(runtime, record, options);
  }

  private async execute(runtime: ExtensionRuntime, record: JobRecord, options: RunJobOptions): Promise<JobOutcome> {
    const started = performance.now();
    const job = this.jobOf(runtime, record.name);
    this.running.set(record.id, { runtime, limiter: new Limiter(job.parallelism), occurrences: new Map(), onProgress: options.onProgress });
    try {
      const invocation: Invocation = {
        kind: "job",
        name: record.name,
        args: record.params,
        context: { extensionId: runtime.extensionId, config: runtime.config, deviceUuid: runtime.deviceUuid, jobId: record.id, resumeState: record.checkpoint ?? null },
      };
      const reply = await runtime.main.invoke(invocation, { calls: runtime.calls(record.id) });
      const cancelled = this.store.state(record.id) === "cancelled" || (!reply.ok && reply.error.code === "SDX3019");
      const state = cancelled ? "cancelled" : reply.ok ? "completed" : "failed";
      if (reply.ok) this.store.setState(record.id, state, { result: reply.value });
      else this.store.setState(record.id, state, { error: reply.error });
      const outcome: JobOutcome = { jobId: record.id, state, durationMs: performance.now() - started };
      if (reply.ok) outcome.result = reply.value;
      else outcome.error = reply.error;
      return outcome;
    } finally {
      this.running.delete(record.id);
    }
  }

  /** The running job `jobId` of the calling extension. */
  private runningJob(ctx: OpContext, jobId: string): RunningJob {
    const job = this.running.get(jobId);
    if (!job || job.runtime.extensionId !== ctx.extensionId) throw new HostError("SDX3008", `job ${jobId} is not running`);
    return job;
  }

  /** A job row of the calling extension (another extension's jobs do not exist for it). */
  private ownRecord(ctx: OpContext, jobId: string): JobRecord {
    const record = this.store.get(jobId);
    if (!record || record.extensionId !== ctx.extensionId) throw new HostError("SDX3008", `job ${jobId} does not exist`);
    return record;
  }

  isCancelled(ctx: OpContext, jobId: string): boolean {
    return this.ownRecord(ctx, jobId).state === "cancelled";
  }

  cancel(jobId: string): void {
    const state = this.store.state(jobId);
    if (state === null) throw new HostError("SDX3008", `job ${jobId} does not exist`);
    if (!FINAL_STATES.has(state)) this.store.setState(jobId, "cancelled", { error: wireError("SDX3019", "the job was cancelled") });
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

  /** Queues a job of the calling extension (it runs when a scheduler picks it up; see issue 4). */
  dispatch(ctx: OpContext, name: string, args: unknown[], parentJobId: string | null): string {
    if (!ctx.manifest.jobs.some((j) => j.name === name)) throw new HostError("SDX3011", `${ctx.extensionId} has no job "${name}"`);
    const id = randomUUID();
    this.store.create({ id, extensionId: ctx.extensionId, name, params: args, state: "queued", parentJobId });
    return id;
  }

  async runTask(ctx: OpContext, jobId: string, name: string, args: unknown[]): Promise<{ result: unknown }> {
    const job = this.runningJob(ctx, jobId);
    const { runtime } = job;
    const task = runtime.manifest.tasks.find((t) => t.name === name);
    if (!task) throw new HostError("SDX3011", `${runtime.extensionId} has no task "${name}"; tasks: ${runtime.manifest.tasks.map((t) => t.name).join(", ") || "none"}`);
    const argsHash = hashArgs(args);
    const counter = `${name}\u0000${argsHash}`;
    const occurrence = job.occurrences.get(counter) ?? 0;
    job.occurrences.set(counter, occurrence + 1);
    const key = { jobId, task: name, argsHash, occurrence };
    const recorded = this.store.findTaskResult(key);
    if (recorded?.state === "completed") {
      this.store.event(jobId, "task_replayed", { task: name, occurrence });
      return { result: recorded.result };
    }

    const started = performance.now();
    let lastError: WireError = wireError("SDX3020", `task ${name} did not run`);
    const attempts = task.retries + 1;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (this.store.state(jobId) === "cancelled") throw new HostError("SDX3019", `job ${jobId} was cancelled`);
      const invocation: Invocation = {
        kind: "task",
        name,
        args,
        context: { extensionId: runtime.extensionId, config: runtime.config, deviceUuid: runtime.deviceUuid, jobId, attempt },
      };
      const reply = await job.limiter.run(() => runtime.tasks.use((instance) => instance.invoke(invocation, { deadlineMs: task.timeoutMs, calls: runtime.calls(jobId) })));
      if (reply.ok) {
        const result = reply.value ?? null;
        this.store.recordTaskResult({ ...key, state: "completed", result, error: null, attempts: attempt, durationMs: performance.now() - started });
        return { result };
      }
      lastError = reply.error;
      this.store.event(jobId, "task_attempt_failed", { task: name, attempt, code: lastError.code, message: lastError.message });
      if (attempt < attempts && task.backoffMs > 0) await sleep(task.backoffMs * 2 ** (attempt - 1));
    }
    this.store.recordTaskResult({ ...key, state: "failed", result: null, error: lastError, attempts, durationMs: performance.now() - started });
    throw new WireFailure({
      code: lastError.code,
      name: "TaskFailed",
      message: `task ${name} failed after ${attempts} attempt${attempts === 1 ? "" : "s"}: ${lastError.message}`,
      data: { task: name, attempts, cause: lastError },
    });
  }
}
