/**
 * How the host notices the events guests cause. Every successful mutation is audited by its op
 * handler (`ctx.audit`), and the audit says exactly what happened: `models.create` without
 * `upsert` inserted a model, `jobs.dispatch` names the queued job. So the op context of each kind
 * of invocation gets an audit that also tells the recorder, with where the call came from (a
 * hook, at which cascade depth; a job; anything else), which the loop guard needs. The handlers
 * stay unaware of agents.
 */
import { failure, wireError } from "../errors.js";
import type { OpContext } from "../ops/context.js";
import type { HostCalls } from "@sdx/sandbox";
import type { EventRecorder } from "./recorder.js";
import type { CallOrigin } from "./types.js";

export interface ObserveDeps {
  recorder: EventRecorder;
  /** Called after an event delivery was recorded (the delivery loop should look). */
  onRecorded: () => void;
  /** Where a failure to record is reported (it never fails the guest's op). */
  onError: (extensionId: string, message: string) => void;
  /** A model was created: `on_event` jobs with `event: "model_created"` may start. */
  onModelCreated?: (extensionId: string, manifest: OpContext["manifest"], model: { uuid: string; modelType: string }, origin: CallOrigin) => void;
}

function observe(deps: ObserveDeps, ctx: OpContext, origin: CallOrigin, op: string, target: string, detail: unknown): void {
  const info = (detail ?? {}) as { upsert?: unknown; jobId?: unknown };
  if (op === "models.create" && info.upsert !== true) {
    // The target is `<model type> <uuid>` (ops/models.ts).
    const space = target.lastIndexOf(" ");
    const model = { uuid: target.slice(space + 1), modelType: target.slice(0, space) };
    if (deps.recorder.modelCreated(ctx.extensionId, ctx.manifest, model, origin)) deps.onRecorded();
    deps.onModelCreated?.(ctx.extensionId, ctx.manifest, model, origin);
  } else if (op === "jobs.dispatch" && typeof info.jobId === "string") {
    deps.recorder.jobDispatched(info.jobId, origin);
  }
}

/** `base` whose audit also records the events its calls cause, as coming from `origin`. */
export function observedContext(base: OpContext, origin: CallOrigin, deps: ObserveDeps): OpContext {
  return {
    ...base,
    audit(op, target, result, detail) {
      base.audit(op, target, result, detail);
      if (result !== "ok") return;
      try {
        observe(deps, base, origin, op, target, detail);
      } catch (error) {
        deps.onError(base.extensionId, `[host] could not record the agent event of ${op} ${target}: ${(error as Error).message}`);
      }
    },
  };
}

/**
 * A hook's calls while its host closes: async ones are refused (like a job's), so the hook ends
 * at its next host call; `state.refused` tells the delivery loop to give the event back untried.
 */
export function closingGuard(calls: HostCalls, isClosing: () => boolean, state: { refused: boolean }): HostCalls {
  const refusal = () => {
    state.refused = true;
    return failure(wireError("SDX3019", "the host is closing; the event is delivered again when a host opens the library"));
  };
  return {
    call: (op, payload) => (isClosing() ? Promise.resolve(refusal()) : calls.call(op, payload)),
    // Sync ops (log, trace, randomness, text) are cheap and change nothing that matters here.
    callSync: (op, payload) => calls.callSync(op, payload),
  };
}
