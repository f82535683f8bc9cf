/**
 * The one entry point of every host operation. Input: the calling context, an op name and its
 * decoded payload, exactly as the guest sent them. Output: a `WireResult`, never an exception.
 * It checks the op exists, validates the request with the protocol's zod schema (SDX3002 with every
 * issue located by path), runs the handler, and turns what it throws into wire errors: errors of
 * the tree keep their code, name and data; anything else is a host bug, sent as SDX3020 with its
 * message only while its stack goes to `onInternalError`.
 *
 * Refusals are events: a permission or consent refusal (SDX3001/SDX3018, and SDX3032: a file that
 * changed since indexing is not read under the old entry's permission) that its handler did not
 * already report becomes `access_denied`, and a failed `write` op becomes `op_failed`, so the audit
 * log has every denial and every failed mutation whatever handler raised it. Permissions and model
 * payloads themselves are the handlers' business (see ops/context.ts).
 */
import { effectOf, ops, type OpName, type WireResult } from "@sdx/sdk/protocol";
import { SdxError, auditTargetOf, failure, isReported, markReported, toWireError, wireError } from "../errors.js";
import { publish, type OpContext, type OpHandler, type OpHandlers } from "./context.js";

export interface Dispatcher {
  /** Runs an op; the promise always resolves (failures are `{ ok: false }`). */
  (ctx: OpContext, op: string, payload: unknown): Promise<WireResult>;
  /**
   * Runs an op synchronously, for `__sdx_call_sync`. A handler that returns a promise is refused
   * (SDX3007): sync ops must be cheap and must not wait.
   */
  sync(ctx: OpContext, op: string, payload: unknown): WireResult;
}

export interface DispatcherOptions {
  /** Receives the stack of every unexpected (not an `SdxError`) failure. */
  onInternalError?: (ctx: OpContext, op: string, stack: string) => void;
}

function isOpName(op: string): op is OpName {
  return Object.prototype.hasOwnProperty.call(ops, op);
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return value !== null && typeof value === "object" && typeof (value as { then?: unknown }).then === "function";
}

/** A short description of what a request touches, for the audit log. */
export function describeTarget(request: unknown): string {
  if (request === null || typeof request !== "object") return "";
  const r = request as Record<string, unknown>;
  if (typeof r.model === "string") return `model ${r.model}`;
  const pick = r.target ?? r.scope ?? r.by ?? r.location ?? r.entryUuid ?? r.uuid ?? r.modelUuid ?? r.contentUuid ?? r.collection ?? r.modelType ?? r.job;
  const text = typeof pick === "string" ? pick : JSON.stringify(pick ?? {});
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/** Publishes the refusal or failure `error` of `op` (once), as the audit log's row for it. */
function reportFailure(ctx: OpContext, op: string, request: unknown, error: unknown): void {
  if (isReported(error)) return;
  const code = error instanceof SdxError ? error.code : undefined;
  const message = error instanceof Error ? error.message : String(error);
  if (code === "SDX3001" || code === "SDX3018" || code === "SDX3032") {
    const { permission, reason } = ((error as SdxError).data ?? {}) as { permission?: unknown; reason?: unknown };
    const detail = { code, ...(permission === undefined ? {} : { permission }), ...(reason === undefined ? {} : { reason }), message };
    publish(ctx, { type: "access_denied", op, target: auditTargetOf(error) ?? describeTarget(request), detail });
  } else if (effectOf(op) === "write") {
    publish(ctx, code === undefined ? { type: "op_failed", op, target: describeTarget(request), message } : { type: "op_failed", op, target: describeTarget(request), code, message });
  } else return;
  if (error instanceof Error) markReported(error);
}

export function createDispatcher(handlers: OpHandlers, options: DispatcherOptions = {}): Dispatcher {
  const fail = (ctx: OpContext, op: string, request: unknown, thrown: unknown): WireResult<never> => {
    // A damaged library.db is its state, not a host bug: SDX3034 tells the guest and the user so.
    const error = ctx.library ? ctx.library.damaged(thrown) : thrown;
    try {
      reportFailure(ctx, op, request, error);
    } catch (auditError) {
      options.onInternalError?.(ctx, op, `could not record the failure of ${op}: ${(auditError as Error).stack ?? String(auditError)}`);
    }
    return failure(toWireError(error, (stack) => options.onInternalError?.(ctx, op, stack)));
  };
  const done = (value: unknown): WireResult => ({ ok: true, value: value === undefined ? null : value });

  /** Validates and starts the op: a result, or the handler's pending promise. */
  function start(ctx: OpContext, op: string, payload: unknown): WireResult | { pending: PromiseLike<unknown>; request: unknown } {
    if (!isOpName(op)) return failure(wireError("SDX3007", `unknown host operation "${op}"`));
    const handler = handlers[op] as OpHandler<OpName> | undefined;
    if (!handler) return failure(wireError("SDX3007", `host operation "${op}" is not provided by this host`));
    const parsed = ops[op].request.safeParse(payload);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((issue) => ({ path: issue.path.map(String).join("."), message: issue.message }));
      const detail = issues.map((i) => `${i.path || "(root)"}: ${i.message}`).join("; ");
      return failure(wireError("SDX3002", `invalid request to ${op}: ${detail}`, { data: { issues } }));
    }
    try {
      const output = handler(ctx, parsed.data as never);
      return isPromiseLike(output) ? { pending: output, request: parsed.data } : done(output);
    } catch (error) {
      return fail(ctx, op, parsed.data, error);
    }
  }

  const dispatch = (async (ctx: OpContext, op: string, payload: unknown): Promise<WireResult> => {
    const started = start(ctx, op, payload);
    if (!("pending" in started)) return started;
    try {
      return done(await started.pending);
    } catch (error) {
      return fail(ctx, op, started.request, error);
    }
  }) as Dispatcher;

  dispatch.sync = (ctx, op, payload) => {
    const started = start(ctx, op, payload);
    if (!("pending" in started)) return started;
    // Swallow the abandoned promise's outcome: it already ran and must not become an unhandled rejection.
    Promise.resolve(started.pending).catch(() => undefined);
    return failure(wireError("SDX3007", `host operation "${op}" is asynchronous; call it with __sdx_call`));
  };

  return dispatch;
}
