/**
 * Host-side errors and their wire form. The host's own errors are a small tree (`HostError` →
 * `UserError`, `SandboxError`, `IntegrityError`), each with a stable SDX3xxx code; anything else
 * thrown inside the host is a bug: it crosses to the guest as SDX3020 with its message only, and its
 * stack stays host-side. Errors reach the guest as `WireError` data, never as objects.
 */
import type { WireError, WireResult } from "@sdx/sdk/protocol";
import type { Code } from "@sdx/sdk/codes";

/** The SDX3xxx range of `codes.ts`. */
export type HostCode = Extract<Code, `SDX3${string}`>;

/** The guest-side class an error code is rebuilt as (see `errorFromWire` in the SDK). */
const WIRE_NAMES: Partial<Record<HostCode, string>> = {
  SDX3001: "PermissionDenied",
  SDX3002: "ValidationError",
  SDX3008: "NotFound",
  SDX3018: "ConsentRequired",
  SDX3019: "JobCancelled",
};

export function wireNameOf(code: string): string {
  return WIRE_NAMES[code as HostCode] ?? "SdxError";
}

/** Base of every error the host raises on purpose. */
export class HostError extends Error {
  override name = "HostError";
  constructor(
    readonly code: HostCode,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }

  toWire(): WireError {
    return wireError(this.code, this.message, this.data === undefined ? {} : { data: this.data });
  }
}

/** The caller asked for something impossible (unknown job, bad parameter, not installed). */
export class UserError extends HostError {
  override name = "UserError";
}

/** The guest broke a sandbox limit or the protocol. */
export class SandboxError extends HostError {
  override name = "SandboxError";
}

/** A bundle or stored file does not match its recorded hash. */
export class IntegrityError extends HostError {
  override name = "IntegrityError";
}

/**
 * Carries an error that already has its wire form (e.g. a task's last failure, whose code may be
 * the guest's own), so it crosses back unchanged.
 */
export class WireFailure extends Error {
  override name = "WireFailure";
  constructor(readonly wire: WireError) {
    super(wire.message);
  }
}

/** Builds a `WireError` for a host code. */
export function wireError(code: HostCode, message: string, extra: { name?: string; data?: unknown } = {}): WireError {
  const error: WireError = { code, name: extra.name ?? wireNameOf(code), message };
  if (extra.data !== undefined) error.data = extra.data;
  return error;
}

export function failure(error: WireError): WireResult<never> {
  return { ok: false, error };
}

/**
 * Turns anything thrown host-side into a `WireError`. Known errors keep their code; unknown ones
 * become SDX3020 with the message only (their stack goes to `logStack`, never to the guest).
 */
export function toWireError(error: unknown, logStack?: (stack: string) => void): WireError {
  // HostOpError (store/errors.ts) is a HostError that names its own wire class.
  if (error instanceof HostError) return error.toWire();
  if (error instanceof WireFailure) return error.wire;
  const message = error instanceof Error ? error.message : String(error);
  if (logStack) logStack(error instanceof Error && error.stack ? error.stack : message);
  return wireError("SDX3020", message || "host operation failed");
}
