/**
 * THE call pipeline: how every host call a guest makes is answered, in order, for every kind of
 * invocation (a job, one of its tasks, an agent hook, an action's preview or execute step, `init`).
 * Read it top to bottom; each stage decides from the op's effect in the protocol's table
 * (`effectOf`: env | read | write | job), never from a list of op names kept here.
 *
 *   1. stop check     a job's (or its task's) call is refused once the job is paused, cancelled or
 *                     its host is closing (SDX3019): that is how a pause from another process
 *                     reaches a running job. A hook's call is refused while its host closes.
 *   2. phase filter   an action's preview may only read (a write or job op is SDX3015, and the
 *                     preview fails even if the guest caught it); its execute step's writes are
 *                     recorded, not run, and matched against the preview (execute-recorder.ts).
 *   3. write key      a write inside a job gets a key derived from what it writes, so a resumed
 *                     job that repeats it finds its first row instead of duplicating it (jobs/write-keys.ts).
 *   4. write gate     writes pass the gate an action's apply holds exclusively (actions/write-gate.ts);
 *                     in a worker, writes and library reads share its group transaction.
 *   5. dispatch       validation against the op's schema, the handler (permissions, payload
 *                     checks, the write itself, the audit row of what it did), errors as data.
 *   6. events         what the call caused (a model created, a job dispatched) reaches the agents and
 *                     the job triggers once the call succeeded; a preview's library reads are recorded
 *                     for its stale check.
 *
 * Synchronous calls (`__sdx_call_sync`) are `env` ops only (logging, randomness, text): they skip
 * stages 1–4 and 6, since they change nothing and may not wait.
 */
import { effectOf, readsLibrary, type WireError, type WireResult } from "@sdx/sdk/protocol";
import type { HostCalls } from "@sdx/sandbox";
import { failure, wireError } from "../errors.js";
import type { Dispatcher } from "../ops/dispatch.js";
import { publish, type OpContext } from "../ops/context.js";
import type { CallOrigin, EventBus } from "../ops/events.js";
import type { WriteGate } from "../actions/write-gate.js";
import { uuidForWrite } from "../jobs/write-keys.js";
import type { JobCallScope } from "../jobs/types.js";
import type { ActionCallScope } from "../actions/action-runner.js";
import type { HookCallScope } from "../agents/delivery.js";

/** What the pipeline needs of the host. */
export interface CallDeps {
  dispatch: Dispatcher;
  /**
   * Where writes pass: the host's write gate, or a worker's group transaction
   * (store/group-transaction.ts), which library reads pass too (`read`) to share its transaction.
   */
  gate: Pick<WriteGate, "write"> & { read?<T>(fn: () => Promise<T>): Promise<T> };
  /** Runs `fn` once the writes made so far are committed (default: now). */
  afterCommit?: (fn: () => void) => void;
  events: EventBus;
  /** Why the calls of `jobId` must stop now, or null (`JobRunner.stopReason`). */
  stopReason(jobId: string, starting: boolean): WireError | null;
}

/**
 * On whose behalf an invocation's calls are made: a job or one attempt of its task (jobs/types.ts),
 * an agent hook (agents/delivery.ts), an action step (actions/action-runner.ts), or anything else
 * (`init`, the bundle's evaluation).
 */
export type CallScope = JobCallScope | HookCallScope | ActionCallScope | { kind: "other" };

function originOf(base: OpContext, scope: CallScope): CallOrigin {
  if (scope.kind === "job" || scope.kind === "task") return { kind: "job", jobId: scope.jobId };
  if (scope.kind === "hook") return { kind: "hook", extensionId: base.extensionId, depth: scope.depth };
  return { kind: "other" };
}

/** Stage 1: the refusal that stops this call, or null. */
function stopCheck(deps: CallDeps, scope: CallScope, op: string): WireError | null {
  // `jobs.status` is how a guest learns it should stop: it must keep answering.
  if ((scope.kind === "job" || scope.kind === "task") && op !== "jobs.status") return deps.stopReason(scope.jobId, scope.kind === "job");
  if (scope.kind === "hook" && scope.closing()) {
    scope.refused.value = true;
    return wireError("SDX3019", "the host is closing; the event is delivered again when a host opens the library");
  }
  return null;
}

/** Stage 2: a refusal or an answer the phase gives instead of running the op, or null to go on. */
function phaseFilter(ctx: OpContext, scope: CallScope, op: string, payload: unknown): WireResult | null {
  const effect = effectOf(op);
  const passes = effect === undefined || effect === "read" || effect === "env";
  if (scope.kind === "preview" && !passes) {
    scope.refused.push(op);
    publish(ctx, { type: "action_call_refused", action: scope.action, actionId: scope.actionId, op });
    return failure(wireError("SDX3015", `${op} is not allowed during an action preview: a preview must not change anything (record the change in the preview's changes; execute applies it)`));
  }
  if (scope.kind === "execute" && !passes) {
    if (effect === "write") return scope.recorder.take(op, payload);
    const message = `${op} cannot run in an action's execute step: it may only make the changes its preview showed`;
    scope.recorder.problem ??= message;
    return failure(wireError("SDX3015", message));
  }
  return null;
}

/** The host calls of one invocation of the extension whose context is `base`. */
export function guestCalls(deps: CallDeps, base: OpContext, scope: CallScope): HostCalls {
  const ctx: OpContext = {
    ...base,
    jobId: scope.kind === "job" || scope.kind === "task" ? scope.jobId : null,
    // Handlers refuse mutations in the preview phase too: a second lock behind the phase filter.
    phase: scope.kind === "preview" || scope.kind === "execute" ? "preview" : base.phase,
    origin: originOf(base, scope),
  };
  return {
    async call(op, payload) {
      const stop = stopCheck(deps, scope, op);
      if (stop) return failure(stop);

      const filtered = phaseFilter(ctx, scope, op, payload);
      if (filtered) return filtered;

      const writes = effectOf(op) === "write";
      const events = deps.events.collect();
      const keyed = writes && (scope.kind === "job" || scope.kind === "task") ? uuidForWrite(scope.writes.next(op, payload)) : undefined;
      const callCtx: OpContext = keyed === undefined ? { ...ctx, events } : { ...ctx, events, writeUuid: keyed };

      const run = () => deps.dispatch(callCtx, op, payload);
      const result = await (writes ? deps.gate.write(run) : deps.gate.read && readsLibrary(op) ? deps.gate.read(run) : run());

      if (result.ok) {
        if (writes && deps.afterCommit) deps.afterCommit(() => events.flush());
        else events.flush();
      }
      if (scope.kind === "preview" && readsLibrary(op)) scope.reads.record(op, payload, result);
      return result;
    },
    callSync(op, payload) {
      if (effectOf(op) !== "env") return failure(wireError("SDX3007", `${op} cannot be called synchronously`));
      return deps.dispatch.sync(ctx, op, payload);
    },
  };
}
