/**
 * Turns whatever the extension threw into a `WireError`. `SdxError`s (host errors the author did
 * not catch, or ones it threw itself) keep their code, name and data; any other `Error` becomes
 * SDX3006 with its name, message and stack; a thrown non-Error (string, number, object, null)
 * becomes SDX3006 with a message that says what was thrown, so the host never prints "undefined".
 */
import type { WireError } from "../protocol.js";
import { SdxError } from "../errors.js";
import { inspect } from "./web/inspect.js";

const GUEST_THREW = "SDX3006";

function safe<T>(read: () => T, fallback: T): T {
  try {
    return read();
  } catch {
    return fallback;
  }
}

function describeError(error: Error): string {
  const name = safe(() => String(error.name), "Error");
  const message = safe(() => String(error.message), "");
  return message ? `${name}: ${message}` : name;
}

function messageOf(error: Error): string {
  let message = safe(() => String(error.message), "");
  if (error instanceof AggregateError) {
    const inner = safe(() => Array.from(error.errors as unknown[], (e) => (e instanceof Error ? describeError(e) : inspect(e))), []);
    if (inner.length) message += ` [${inner.join("; ")}]`;
  }
  const cause = safe(() => (error as { cause?: unknown }).cause, undefined);
  if (cause !== undefined) message += ` (caused by ${cause instanceof Error ? describeError(cause) : inspect(cause)})`;
  return message;
}

function article(value: unknown): string {
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

export function toWireError(thrown: unknown): WireError {
  if (thrown instanceof SdxError) {
    return { code: thrown.code, name: thrown.name, message: thrown.message, data: thrown.data, stack: thrown.stack };
  }
  if (thrown instanceof Error) {
    return { code: GUEST_THREW, name: safe(() => String(thrown.name), "Error"), message: messageOf(thrown), stack: safe(() => thrown.stack, undefined) };
  }
  const what = thrown === null || thrown === undefined ? String(thrown)
    : typeof thrown === "string" ? `a string: ${JSON.stringify(thrown)}`
    : `${article(thrown)}: ${safe(() => inspect(thrown), "(unprintable)")}`;
  return {
    code: GUEST_THREW,
    name: "NonErrorThrown",
    message: `the extension threw ${what} instead of an Error (throw new Error(...) to get a stack trace)`,
  };
}
