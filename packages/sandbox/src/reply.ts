/**
 * Reading the guest's reply to an invocation: `__sdx_guest.invoke` returns (a promise of) a
 * `{ json, buffers }` message encoding a `WireResult`. Anything else (a rejection, a non-Error throw,
 * a malformed or oversized message) becomes an error result here; nothing the guest returns can
 * throw in the host.
 */
import type { QuickJSHandle } from "quickjs-emscripten-core";
import { decodeMessage, failure, toWireError, wireError, type WireError, type WireResult } from "@sdx/sdk/wire";
import { fatalOfWireError, fatalWireError } from "./guest-error.js";
import { ProtocolMisuse, readMessage, type Helpers } from "./marshal.js";
import type { VmCore } from "./vm-core.js";

/** Waits (inside the VM) for `value` to settle and calls `finish` with the decoded reply. */
export function settleReply(vm: VmCore, helpers: Helpers, value: QuickJSHandle, finish: (result: WireResult) => void): void {
  const ctx = vm.context;
  const ok = ctx.newFunction("ok", (message) => {
    finish(readReply(vm, helpers, message));
  });
  const err = ctx.newFunction("err", (reason) => {
    finish(vm.rejected(reason.dup()));
  });
  const settled = ctx.callFunction(helpers.settle, ctx.undefined, value, ok, err);
  ok.dispose();
  err.dispose();
  if (settled.error) finish(vm.rejected(settled.error));
  else settled.value.dispose();
}

function malformed(detail: string): WireResult<never> {
  return failure(wireError("SDX3024", `the guest's reply is malformed: ${detail}`));
}

function readReply(vm: VmCore, helpers: Helpers, message: QuickJSHandle): WireResult {
  const ctx = vm.context;
  const parts = ctx.callFunction(helpers.unpack, ctx.undefined, message);
  if (parts.error) return vm.rejected(parts.error);
  const json = ctx.getProp(parts.value, 0);
  const buffers = ctx.getProp(parts.value, 1);
  parts.value.dispose();
  let decoded: unknown;
  try {
    decoded = decodeMessage(readMessage(ctx, helpers, json, buffers, vm.limits.maxMessageBytes, "the guest's result"));
  } catch (error) {
    if (error instanceof ProtocolMisuse || error instanceof SyntaxError) return malformed(error.message);
    return failure(toWireError(error));
  } finally {
    json.dispose();
    buffers.dispose();
  }
  return checkResult(vm, decoded);
}

function isWireError(value: unknown): value is WireError {
  if (value === null || typeof value !== "object") return false;
  const rec = value as Record<string, unknown>;
  return typeof rec.code === "string" && typeof rec.name === "string" && typeof rec.message === "string";
}

function checkResult(vm: VmCore, decoded: unknown): WireResult {
  if (decoded === null || typeof decoded !== "object") return malformed("not a { ok, value | error } object");
  const rec = decoded as Record<string, unknown>;
  if (rec.ok === true) return { ok: true, value: rec.value ?? null };
  if (rec.ok !== false || !isWireError(rec.error)) return malformed("not a { ok, value | error } object");
  // The guest runtime catches everything, including the engine's own out-of-memory and stack
  // overflow errors: those still mean the VM is exhausted.
  const fatal = fatalOfWireError(rec.error);
  if (fatal) {
    vm.kill(fatal);
    return failure(fatalWireError(fatal));
  }
  return { ok: false, error: rec.error };
}
