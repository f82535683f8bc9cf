/**
 * The job ops: progress, checkpoints, stop status, dispatching another job, and `tasks.run` (the
 * host side of `ctx.run`). They act only on jobs of the calling extension; any other job id is
 * NotFound. Dispatching needs the `dispatch_jobs` permission; the dispatched job is queued and
 * run by the host's scheduler. `jobs.status` answers `cancelled: true` once the job should stop
 * (cancelled, paused, or its host closing): the guest's `ctx.isCancelled()`.
 */
import { permissionDenied } from "../errors.js";
import type { JobProgress } from "../store/job-store.js";
import { publish, type OpContext, type OpHandlers } from "./context.js";

/** What the job ops need of the job system (the host's `JobRunner`, one floor up, implements it). */
export interface JobControl {
  progress(ctx: OpContext, jobId: string, progress: JobProgress): void;
  checkpoint(ctx: OpContext, jobId: string, state: unknown): void;
  isCancelled(ctx: OpContext, jobId: string): boolean;
  dispatch(ctx: OpContext, name: string, args: unknown[], parentJobId: string | null): string;
  runTask(ctx: OpContext, jobId: string, name: string, args: unknown[]): Promise<{ result: unknown }>;
}

export function createJobOps(runner: JobControl): OpHandlers {
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
        throw permissionDenied("dispatch_jobs", `${ctx.extensionId} may not dispatch jobs: it was not granted dispatch_jobs (add Permission.dispatchJobs() and re-install)`, request.job);
      }
      const jobId = runner.dispatch(ctx, request.job, request.args, ctx.jobId);
      publish(ctx, { type: "job_dispatched", job: request.job, jobId });
      return { jobId };
    },
    "tasks.run": (ctx, request) => runner.runTask(ctx, request.jobId, request.task, request.args),
  };
}
