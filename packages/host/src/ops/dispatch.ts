/**
 * The one entry point of every host operation. Input: the calling context, an op name and its
 * decoded payload, exactly as the guest sent them. Output: a `WireResult`, never an exception.
 * It checks the op exists, validates the request with the protocol's zod schema (SDX3002 with every
 * issue located by path), and turns handler errors into wire errors: `HostOpError`/`HostError` keep
 * their code, name and data; anything else is a host bug, sent as SDX3020 with its message only
 * while its stack goes to `onInternalError`. It checks nothing else: permissions and model payloads
 * are the handlers' business (see ops/types.ts).
 */
import { ops, type OpName, type WireResult } from "@sdx/sdk/protocol";
import { failure, toWireError, wireError } from "../errors.js";
import type { OpContext, OpHandler, OpHandlers } from "./context.js";

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
  /** Receives the stack of every unexpected (non-`HostOpError`) failure. */
  onInternalError?: (ctx: OpContext, op: string, stack: string) => void;
}

function isOpName(op: string): op is OpName {
  return Object.prototype.hasOwnProperty.call(ops, op);
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return value !== null && typeof value === "object" && typeof (value as { then?: unknown }).then === "function";
}

export function createDispatcher(handlers: OpHandlers, options: DispatcherOptions = {}): Dispatcher {
  const fail = (ctx: OpContext, op: string, error: unknown): WireResult<never> =>
    failure(toWireError(error, (stack) => options.onInternalError?.(ctx, op, stack)));
  const done = (value: unknown): WireResult => ({ ok: true, value: value === undefined ? null : value });

  /** Validates and starts the op: a result, a promise of one, or (sync only) the handler's promise. */
  function start(ctx: OpContext, op: string, payload: unknown): WireResult | { pending: PromiseLike<unknown> } {
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
      return isPromiseLike(output) ? { pending: output } : done(output);
    } catch (error) {
      return fail(ctx, op, error);
    }
  }

  const dispatch = (async (ctx: OpContext, op: string, payload: unknown): Promise<WireResult> => {
    const started = start(ctx, op, payload);
    if (!("pending" in started)) return started;
    try {
      return done(await started.pending);
    } catch (error) {
      return fail(ctx, op, error);
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
