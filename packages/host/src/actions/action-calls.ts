/**
 * The host calls of an action's two guest steps. The host, not the SDK, guarantees a preview has
 * no side effects: during `action_preview` only the ops in `READ_ONLY_OPS` reach a handler, so a
 * guest that bypasses the SDK's change recording and calls `__sdx_call("tags.add", …)` itself
 * gets SDX3015 and the library is untouched (handlers also refuse mutations in the preview phase).
 * During `action_execute` mutating calls go to the `ExecuteRecorder`; other side effects are
 * refused; reads pass.
 */
import type { OpName } from "@sdx/sdk/protocol";
import { failure, wireError } from "../errors.js";
import type { Dispatcher } from "../ops/dispatch.js";
import { MUTATING_LIBRARY_OPS } from "../ops/library-ops.js";
import type { OpContext } from "../ops/context.js";
import type { HostCalls } from "@sdx/sandbox";
import type { ExecuteRecorder } from "./execute-recorder.js";
import { LIBRARY_READS, type ReadSet } from "./read-set.js";

/** Ops without side effects on the library, the job system or the extension's memory. */
export const READ_ONLY_OPS: ReadonlySet<string> = new Set<OpName>([
  "log", "crypto.randomBytes", "text.encode", "text.decode", "agent.trace",
  "entries.query", "entries.get", "entries.read", "models.get", "models.query", "models.loadBlob", "tags.list", "collections.get", "sidecars.read",
  "ai.run", "ai.generate", "ai.chat", "ai.embed", "ai.imageTensor", "prompts.render", "registry.get", "kernel.call", "device.select",
  "memory.temporal.query", "memory.assoc.query", "memory.assoc.neighbours", "memory.working.get",
]);

export function previewCalls(dispatch: Dispatcher, ctx: OpContext, reads: ReadSet, onRefused: (op: string) => void): HostCalls {
  const refuse = (op: string) => {
    onRefused(op);
    return failure(wireError("SDX3015", `${op} is not allowed during an action preview: a preview must not change anything (record the change in the preview's changes; execute applies it)`, { name: "PreviewMutation" }));
  };
  return {
    async call(op, payload) {
      if (!READ_ONLY_OPS.has(op)) return refuse(op);
      const result = await dispatch(ctx, op, payload);
      if (LIBRARY_READS.has(op)) reads.record(op, payload, result);
      return result;
    },
    callSync: (op, payload) => (READ_ONLY_OPS.has(op) ? dispatch.sync(ctx, op, payload) : refuse(op)),
  };
}

export function executeCalls(dispatch: Dispatcher, ctx: OpContext, recorder: ExecuteRecorder): HostCalls {
  const refuse = (op: string) => {
    const message = `${op} cannot run in an action's execute step: it may only make the changes its preview showed`;
    recorder.problem ??= message;
    return failure(wireError("SDX3015", message, { name: "PreviewMismatch" }));
  };
  return {
    async call(op, payload) {
      if (MUTATING_LIBRARY_OPS.has(op as OpName)) return recorder.take(op, payload);
      if (!READ_ONLY_OPS.has(op)) return refuse(op);
      return dispatch(ctx, op, payload);
    },
    callSync: (op, payload) => (READ_ONLY_OPS.has(op) ? dispatch.sync(ctx, op, payload) : refuse(op)),
  };
}
