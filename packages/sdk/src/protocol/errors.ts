/**
 * Errors as data, for code that talks across the boundary (the sandbox, the host, tools). A code's
 * class comes from the code table (`CODES[code].error`), so one code is always raised as one class
 * and crosses with the same name. Host-side only: it reads the code table, which the guest never needs.
 */
import { CODES, type Code } from "../codes.js";
import { ERROR_CLASSES, SdxError, type ErrorClassName } from "../errors.js";

/** How an error crosses the boundary (either way). Rebuilt on the other side; no `instanceof` across realms. */
export interface WireError {
  /** Stable code from `codes.ts`, e.g. `"SDX3001"`; `"GUEST"` for errors the extension threw itself. */
  code: string;
  /** Error class name, e.g. `"PermissionDenied"`, `"ValidationError"`, `"TypeError"`. */
  name: string;
  message: string;
  data?: unknown;
  stack?: string;
}

export type WireResult<T = unknown> = { ok: true; value: T } | { ok: false; error: WireError };

/** The class name a code is raised as (`SdxError` for codes without one). */
export function errorClassOf(code: string): ErrorClassName {
  return (CODES as Record<string, { error?: ErrorClassName }>)[code]?.error ?? "SdxError";
}

/**
 * The error for `code`, of the class the code table names. `name` refines the wire name within
 * that class (e.g. `"PreviewMutation"` for an SDX3015 `SandboxError`) for messages and logs.
 */
export function sdxError(code: Code, message: string, data?: unknown, name?: string): SdxError {
  const error = new ERROR_CLASSES[errorClassOf(code)](code, message, data);
  if (name) error.name = name;
  return error;
}

/** A `WireError` for `code`, named after its class unless `extra.name` refines it. */
export function wireError(code: Code, message: string, extra: { name?: string; data?: unknown } = {}): WireError {
  const error: WireError = { code, name: extra.name ?? errorClassOf(code), message };
  if (extra.data !== undefined) error.data = extra.data;
  return error;
}

export function failure(error: WireError): WireResult<never> {
  return { ok: false, error };
}

/**
 * Anything thrown host-side as a `WireError`. Errors of the tree keep their code, name and data;
 * anything else is a host bug: SDX3020 with the message only, the stack to `logStack`, never to
 * the guest.
 */
export function toWireError(error: unknown, logStack?: (stack: string) => void): WireError {
  if (error instanceof SdxError) return error.toWire();
  const message = error instanceof Error ? error.message : String(error);
  if (logStack) logStack(error instanceof Error && error.stack ? error.stack : message);
  return wireError("SDX3020", message || "host operation failed");
}
