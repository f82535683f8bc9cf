/**
 * The host calls of a guest invocation, by scope (see `CallScope`). Every call of a job or of one
 * of its tasks first asks the runner whether the job must stop (paused, cancelled, host closing):
 * that is how a pause reaches a job at its next host call, even one requested from another
 * process. Mutating library calls made inside a job get their write key (write-keys.ts). Every call
 * that may write the library (models, tags, collections, sidecars, metadata, agent memory) passes
 * the write gate, so an action's apply transaction never interleaves with it.
 */
import type { OpName } from "@sdx/sdk/protocol";
import { failure } from "../errors.js";
import type { Dispatcher } from "../ops/dispatch.js";
import { MUTATING_LIBRARY_OPS } from "../ops/library-ops.js";
import type { OpContext } from "../ops/context.js";
import type { HostCalls } from "@sdx/sandbox";
import type { WriteGate } from "../actions/write-gate.js";
import { READ_ONLY_OPS } from "../actions/action-calls.js";
import type { JobRunner } from "../jobs/job-runner.js";
import type { CallScope } from "../jobs/types.js";
import { uuidForWrite } from "../jobs/write-keys.js";

/** Ops of the job system itself: they write jobs.db, not the library (and `tasks.run` lasts a whole task). */
const JOB_OPS: ReadonlySet<string> = new Set<OpName>(["jobs.progress", "jobs.checkpoint", "jobs.dispatch", "jobs.status", "tasks.run"]);

export interface CallRouter {
  dispatch: Dispatcher;
  runner: JobRunner;
  gate: WriteGate;
}

export function scopedCalls(router: CallRouter, base: OpContext, scope: CallScope): HostCalls {
  const ctx: OpContext = scope.jobId === null ? base : { ...base, jobId: scope.jobId };
  return {
    async call(op, payload) {
      // `jobs.status` is how the guest learns it should stop; it must keep answering.
      if (scope.jobId !== null && op !== "jobs.status") {
        const stop = router.runner.stopReason(scope.jobId, scope.kind === "job");
        if (stop) return failure(stop);
      }
      if (READ_ONLY_OPS.has(op) || JOB_OPS.has(op)) return router.dispatch(ctx, op, payload);
      const keyed = scope.writes !== null && MUTATING_LIBRARY_OPS.has(op as OpName);
      const writeCtx = keyed ? { ...ctx, writeUuid: uuidForWrite(scope.writes!.next(op, payload)) } : ctx;
      return router.gate.write(() => router.dispatch(writeCtx, op, payload));
    },
    callSync: (op, payload) => router.dispatch.sync(ctx, op, payload),
  };
}
