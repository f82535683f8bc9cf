/**
 * The attempts of one task call: up to `retries + 1` invocations in a task instance, each with the
 * task's `timeoutMs` as its deadline (the sandbox interrupt stops even `while(true){}`), with
 * exponential backoff from `backoffMs` between them, at most `parallelism` of a job's tasks at
 * once. A completed result is recorded in jobs.db before it is returned (the automatic checkpoint
 * at the task boundary); a task that fails every attempt is recorded as failed and becomes a
 * `TaskFailed` error in the job, which fails the job unless the job catches it.
 *
 * Backoff waits on the host's clock; on a virtual clock (a test's fake one) the deadline is kept by
 * the host on that clock too: when it passes, the task's VM is thrown away (SDX3003), as the
 * sandbox does at a wall-clock deadline.
 */
import type { Clock } from "../core/clock.js";
import { withVirtualDeadline } from "../core/virtual-deadline.js";
import type { Invocation, WireError, WireResult } from "@sdx/sdk/protocol";
import { errorFromWire, wireError } from "../errors.js";
import type { RunningJob } from "./types.js";
import type { JobStore, TaskResultKey } from "../store/job-store.js";
import { WriteScope } from "./write-keys.js";

export interface AttemptDeps {
  store: JobStore;
  clock: Clock;
  /** Why the job's calls must stop now (see `JobRunner.stopReason`). */
  stopReason(jobId: string, starting: boolean): WireError | null;
}

/**
 * Host refusals that a retry cannot change (permission denied, invalid payload, not found,
 * mutation during preview, a file changed since indexing): the attempt fails at once instead of
 * burning retries with backoff.
 */
const NOT_RETRIED: ReadonlySet<string> = new Set(["SDX3001", "SDX3002", "SDX3008", "SDX3015", "SDX3032"]);

export async function runAttempts(deps: AttemptDeps, job: RunningJob, key: TaskResultKey, args: unknown[]): Promise<{ result: unknown }> {
  const { runtime } = job;
  const { jobId, task: name } = key;
  const task = runtime.manifest.tasks.find((t) => t.name === name)!;
  const started = performance.now();
  let lastError: WireError = wireError("SDX3020", `task ${name} did not run`);
  let attempts = task.retries + 1;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const invocation: Invocation = {
      kind: "task",
      name,
      args,
      context: { extensionId: runtime.extensionId, config: runtime.config, deviceUuid: runtime.deviceUuid, jobId, attempt },
    };
    // Each attempt counts its writes from 0 again, so a retry repeats the same write keys.
    const writes = WriteScope.task(jobId, name, key.argsHash, key.occurrence);
    const reply = await job.limiter.run(async (): Promise<WireResult> => {
      // Checked once a slot is free: tasks queued behind the limit do not start after a pause.
      const stop = deps.stopReason(jobId, true);
      if (stop) throw errorFromWire(stop);
      return runtime.tasks.use((instance) => {
        const options = runtime.invokeOptions({ jobId, kind: "task", writes });
        if (!deps.clock.virtual || !task.timeoutMs) return instance.invoke(invocation, { deadlineMs: task.timeoutMs, ...options });
        return withVirtualDeadline(deps.clock, { ms: task.timeoutMs, kind: "task-timeout", what: "the task" }, () => runtime.tasks.discard(instance), () => instance.invoke(invocation, options));
      });
    });
    if (reply.ok) {
      const result = reply.value ?? null;
      deps.store.recordTaskResult({ ...key, state: "completed", result, error: null, attempts: attempt, durationMs: performance.now() - started });
      return { result };
    }
    // Failed because the job was stopped: not an attempt of the task's own.
    const stop = deps.stopReason(jobId, false);
    if (stop) throw errorFromWire(stop);
    lastError = reply.error;
    deps.store.event(jobId, "task_attempt_failed", { task: name, attempt, code: lastError.code, message: lastError.message });
    if (NOT_RETRIED.has(lastError.code)) {
      attempts = attempt; // the same call would be refused the same way
      break;
    }
    if (attempt < attempts && task.backoffMs > 0) await deps.clock.sleep(task.backoffMs * 2 ** (attempt - 1), "task-backoff");
  }
  deps.store.recordTaskResult({ ...key, state: "failed", result: null, error: lastError, attempts, durationMs: performance.now() - started });
  throw errorFromWire({
    code: lastError.code,
    name: "TaskFailed",
    message: `task ${name} failed after ${attempts} attempt${attempts === 1 ? "" : "s"}: ${lastError.message}`,
    data: { task: name, attempts, cause: lastError },
  });
}
