/**
 * The job ops: progress, checkpoints, stop status, dispatching another job, and `tasks.run` (the
 * host side of `ctx.run`). They act only on jobs of the calling extension; any other job id is
 * NotFound. Dispatching needs the `dispatch_jobs` permission; the dispatched job is queued and
 * run by the host's scheduler. `jobs.status` answers `cancelled: true` once the job should stop
 * (cancelled, paused, or its host closing): the guest's `ctx.isCancelled()`.
 */
import { HostError } from "../errors.js";
import type { JobRunner } from "../jobs/job-runner.js";
import type { OpHandlers } from "./context.js";

export function createJobOps(runner: JobRunner): OpHandlers {
  return {
    "jobs.progress": (ctx, request) => {
      const progress = request.message === undefined ? { done: request.done, total: request.total } : { done: request.done, total: request.total, message: request.message };
      runner.progress(ctx, request.jobId, progress);
      return null;
    },
    "jobs.checkpoint": (ctx, request) => {
      runner.checkpoint(ctx, request.jobId, request.state);
      return null;
    },
    "jobs.status": (ctx, request) => ({ cancelled: runner.isCancelled(ctx, request.jobId) }),
    "jobs.dispatch": (ctx, request) => {
      if (!ctx.grants.has("dispatch_jobs")) {
        ctx.audit("jobs.dispatch", request.job, "denied", { permission: "dispatch_jobs" });
        throw new HostError("SDX3001", `${ctx.extensionId} may not dispatch jobs: it was not granted dispatch_jobs (add Permission.dispatchJobs() and re-install)`, {
          permission: "dispatch_jobs",
        });
      }
      const jobId = runner.dispatch(ctx, request.job, request.args, ctx.jobId);
      ctx.audit("jobs.dispatch", request.job, "ok", { jobId });
      return { jobId };
    },
    "tasks.run": (ctx, request) => runner.runTask(ctx, request.jobId, request.task, request.args),
  };
}
