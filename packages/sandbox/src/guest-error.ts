/**
 * Turning what a guest threw (or returned as an error) into a `WireError`, and recognising the three
 * failures after which a VM must not be reused: interrupted (deadline), out of memory, stack overflow.
 * QuickJS reports those as ordinary (partly catchable) errors, so they are recognised by their
 * message, whether they escape the guest or the guest runtime wraps them into an error result.
 */
import { wireError, type WireError } from "@sdx/sdk/wire";

export type FatalCode = "SDX3003" | "SDX3004" | "SDX3005" | "SDX3028";

/** A fatal sandbox failure: the VM is discarded. */
export interface VmFatal {
  code: FatalCode;
  message: string;
}

export const FATAL_MESSAGES: Record<FatalCode, string> = {
  SDX3003: "the guest exceeded its time limit and was interrupted",
  SDX3004: "the guest exceeded its memory limit",
  SDX3005: "the guest overflowed its stack (deep or endless recursion)",
  SDX3028: "the guest awaits something nothing will ever settle (no host call is pending and guests have no timers)",
};

/** The fatal code of an error QuickJS raised, if it is one of the three. */
export function fatalCodeOf(name: string, message: string): FatalCode | null {
  if (name === "InternalError" && message === "interrupted") return "SDX3003";
  if (message === "out of memory") return "SDX3004";
  if (message === "stack overflow" || message.startsWith("Maximum call stack size exceeded")) return "SDX3005";
  return null;
}

/** The fatal code of an exception the host caught while QuickJS was running (the wasm itself failed). */
export function fatalOfHostException(error: unknown): VmFatal {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof RangeError && /call stack/i.test(message)) {
    return { code: "SDX3005", message: `${FATAL_MESSAGES.SDX3005} (native recursion inside the engine)` };
  }
  // Anything else thrown out of the engine (out-of-bounds access after memory exhaustion, an
  // allocation failure) leaves the VM unusable; memory is by far the likeliest cause.
  return { code: "SDX3004", message: `${FATAL_MESSAGES.SDX3004} (${message})` };
}

export function fatalWireError(fatal: VmFatal): WireError {
  return wireError(fatal.code, fatal.message);
}

/** What `describe` (guest-helpers.ts) reports about a thrown value. */
export interface ThrownDescription {
  kind: string;
  name: string;
  message: string;
  stack: string;
}

/** The `WireError` for a value the guest threw (an Error or anything else). */
export function guestThrownError(thrown: ThrownDescription, context: string): WireError {
  if (thrown.kind === "object") {
    const error: WireError = {
      code: "SDX3006",
      name: thrown.name || "Error",
      message: thrown.message || `${context}: the guest threw an object without a message`,
    };
    if (thrown.stack) error.stack = thrown.stack;
    return error;
  }
  return {
    code: "SDX3006",
    name: "Error",
    message: `${context}: the guest threw a non-Error value (${thrown.kind}): ${thrown.message}`,
  };
}

/** Re-codes an error result whose name/message says the VM is exhausted. */
export function fatalOfWireError(error: WireError): VmFatal | null {
  const code = fatalCodeOf(error.name, error.message);
  return code ? { code, message: FATAL_MESSAGES[code] } : null;
}
