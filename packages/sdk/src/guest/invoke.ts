/**
 * Runs one `Invocation` from the host: builds the context for its kind, a fresh extension
 * instance with its settings, rehydrates SDK-typed arguments (`Entry`) and calls the method.
 * Everything the method throws or returns is turned into an encoded `WireResult`; this function
 * itself never rejects, so a guest failure can never become a host crash.
 *
 * SDK calls the method started and never awaited are waited for once it settled (floating.ts):
 * one that failed fails the invocation (SDX3040, with the failure as its cause), unless the method
 * failed itself; either way each is logged as an error.
 */
import type { Invocation, InvocationContextBase, WireError } from "../protocol.js";
import type { ManifestParam } from "../manifest.js";
import { decodeMessage, encodeMessage, type WireMessage } from "../protocol/codec.js";
import { SdxError } from "../errors.js";
import type { GuestBindings } from "./bindings.js";
import {
  ActionContextImpl, AgentContextImpl, BaseContext, JobContextImpl, TaskContextImpl, type ContextEnv,
} from "./contexts.js";
import { isEntryData, toEntry } from "./entries.js";
import type { ModelCatalog } from "./models.js";
import { toWireError } from "./wire-error.js";
import { beginInvocation, endInvocation, type FloatingFailure } from "./floating.js";
import { sendLog } from "./log.js";

type Method = (this: object, ...args: unknown[]) => unknown;

function unknownName(kind: string, name: string, known: string[]): SdxError {
  return new SdxError("SDX3011", `unknown ${kind} "${name}" (this extension has: ${known.join(", ") || "none"})`, { kind, name });
}

/** Turns SDK-typed parameters back into live objects (an `Entry`, or `Entry[]`, arrives as data). */
function rehydrate(params: readonly ManifestParam[] | undefined, args: readonly unknown[] | undefined): unknown[] {
  return (args ?? []).map((arg, i) => {
    if (params?.[i]?.sdkType !== "Entry") return arg;
    if (Array.isArray(arg)) return arg.map((item) => (isEntryData(item) ? toEntry(item) : item));
    return isEntryData(arg) ? toEntry(arg) : arg;
  });
}

/** Applies manifest defaults then the user's config; fills the instance's settings object in place. */
function applySettings(bindings: GuestBindings, instance: object, config: Record<string, unknown>): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const s of bindings.manifest.settings) values[s.name] = Array.isArray(s.default) ? [...s.default] : s.default;
  Object.assign(values, config);
  const property = bindings.settingsProperty;
  if (!property) return values;
  const holder = instance as Record<string, unknown>;
  const current = holder[property];
  const settings = current !== null && typeof current === "object" ? (current as Record<string, unknown>) : {};
  Object.assign(settings, values);
  holder[property] = settings;
  return settings;
}

function methodOf(instance: object, name: string, what: string): Method {
  const fn = (instance as Record<string, unknown>)[name];
  if (typeof fn !== "function") throw new SdxError("SDX3011", `${what} "${name}" is not a method of the extension class`, { name });
  return fn as Method;
}

async function run(bindings: GuestBindings, catalog: ModelCatalog, inv: Invocation): Promise<unknown> {
  const { manifest } = bindings;
  const instance = new bindings.extensionClass();
  const settings = applySettings(bindings, instance, inv.context?.config ?? {});
  const env = (invocation: InvocationContextBase): ContextEnv => ({ bindings, catalog, invocation, settings });

  switch (inv.kind) {
    case "job": {
      const job = manifest.jobs.find((j) => j.name === inv.name);
      if (!job) throw unknownName("job", inv.name, manifest.jobs.map((j) => j.name));
      const ctx = new JobContextImpl({ ...env(inv.context), invocation: inv.context }, inv.name);
      return methodOf(instance, inv.name, "job").call(instance, ctx, ...rehydrate(job.params, inv.args));
    }
    case "task": {
      const task = manifest.tasks.find((t) => t.name === inv.name);
      if (!task) throw unknownName("task", inv.name, manifest.tasks.map((t) => t.name));
      const ctx = new TaskContextImpl({ ...env(inv.context), invocation: inv.context }, inv.name);
      return methodOf(instance, inv.name, "task").call(instance, ctx, ...rehydrate(task.params, inv.args));
    }
    case "action_preview":
    case "action_execute": {
      const action = manifest.actions.find((a) => a.name === inv.name);
      if (!action) throw unknownName("action", inv.name, manifest.actions.map((a) => a.name));
      if (inv.kind === "action_preview") {
        const ctx = new ActionContextImpl(env(inv.context), inv.name, "preview");
        return methodOf(instance, inv.name, "action").call(instance, ctx, ...rehydrate(action.params, inv.args));
      }
      const ctx = new ActionContextImpl(env(inv.context), inv.name, "execute");
      return methodOf(instance, action.execute, "action execute step").call(instance, ctx, inv.args?.[0]);
    }
    case "hook": {
      const hooks = manifest.agent?.hooks ?? [];
      const hook = hooks.find((h) => h.name === inv.name);
      if (!hook) throw unknownName("agent hook", inv.name, hooks.map((h) => h.name));
      const ctx = new AgentContextImpl({ ...env(inv.context), invocation: inv.context });
      return methodOf(instance, inv.name, "agent hook").call(instance, ctx, ...rehydrate(hook.params, inv.args));
    }
    case "init": {
      const init = (instance as { init?: unknown }).init;
      if (typeof init === "function") await (init as Method).call(instance, new BaseContext(env(inv.context)));
      return null;
    }
    default: {
      const kind = (inv as { kind?: unknown }).kind;
      throw new SdxError("SDX3011", `unknown invocation kind ${JSON.stringify(kind)}`, { kind });
    }
  }
}

function encodeFailure(error: WireError): WireMessage {
  try {
    return encodeMessage({ ok: false, error });
  } catch {
    // `data` could not be encoded (a cycle, say): the code and message still get through.
    return encodeMessage({ ok: false, error: { code: error.code, name: error.name, message: error.message, stack: error.stack } });
  }
}

/** `GuestExports.invoke` for these bindings. */
export function createInvoker(bindings: GuestBindings, catalog: ModelCatalog): (json: string, buffers: ArrayBuffer[]) => Promise<WireMessage> {
  return async (json, buffers) => {
    let inv: Invocation;
    try {
      inv = decodeMessage<Invocation>({ json, buffers });
      if (inv === null || typeof inv !== "object") throw new TypeError("the invocation is not an object");
    } catch (error) {
      return encodeFailure({ code: "SDX3012", name: "InvalidInvocation", message: `malformed invocation: ${(error as Error).message}` });
    }
    let value: unknown;
    let failed: WireError | null = null;
    beginInvocation();
    try {
      value = await run(bindings, catalog, inv);
    } catch (thrown) {
      failed = toWireError(thrown);
    }
    const floating = await endInvocation();
    for (const f of floating) sendLog("error", floatingMessage(f));
    if (failed) return encodeFailure(failed);
    if (floating.length > 0) return encodeFailure(floatingError(inv, floating));
    try {
      return encodeMessage({ ok: true, value: value === undefined ? null : value });
    } catch (error) {
      return encodeFailure({
        code: "SDX3006", name: "UnserializableResult",
        message: `the ${inv.kind} "${inv.name}" returned a value that cannot cross the sandbox boundary: ${(error as Error).message}`,
      });
    }
  };
}

function floatingMessage(failure: FloatingFailure): string {
  const error = toWireError(failure.error);
  return `${failure.method}(…) was not awaited and failed: ${error.code} ${error.message}`;
}

/** SDX3040: the first floating failure is the cause; the others are counted (all of them are logged). */
function floatingError(inv: Invocation, floating: FloatingFailure[]): WireError {
  const first = floating[0]!;
  const cause = toWireError(first.error);
  const others = floating.length > 1 ? ` (and ${floating.length - 1} more un-awaited call${floating.length === 2 ? "" : "s"} failed; see the log)` : "";
  return {
    code: "SDX3040",
    name: "UnhandledRejection",
    message: `the ${inv.kind} "${inv.name}" did not await ${first.method}(…), which failed: ${cause.code} ${cause.message}${others}`,
    data: { method: first.method, count: floating.length, cause },
  };
}
