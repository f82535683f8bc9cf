/**
 * Errors a host operation raises. The dispatcher turns a `HostOpError` into a `WireError`
 * (`toWire()`), so the guest rebuilds it as `PermissionDenied`, `ValidationError`, `NotFound`, …
 * Codes are the stable SDX3xxx codes of `@sdx/sdk/codes`.
 */
import type { WireError } from "@sdx/sdk/protocol";
import { HostError, type HostCode } from "../errors.js";

export type { HostCode };

export interface ValidationIssue {
  /** Dotted path into the payload, `""` for the root. */
  path: string;
  message: string;
}

/** A `HostError` raised by an op handler, naming the guest-side class it becomes (`wireName`). */
export class HostOpError extends HostError {
  override name = "HostOpError";
  /**
   * What the audit log records as the target of a denied call. Kept off the wire: it may hold a
   * canonical path (e.g. where a symlink points) the guest must not learn.
   */
  auditTarget: string | undefined;
  /** Set once the error was written to the audit log, so the dispatcher does not write it twice. */
  audited = false;

  constructor(
    code: HostCode,
    /** Error class name the guest sees (`WireError.name`). */
    readonly wireName: string,
    message: string,
    data?: unknown,
    auditTarget?: string,
  ) {
    super(code, message, data);
    this.auditTarget = auditTarget;
  }

  override toWire(): WireError {
    return this.data === undefined
      ? { code: this.code, name: this.wireName, message: this.message }
      : { code: this.code, name: this.wireName, message: this.message, data: this.data };
  }
}

export function isHostOpError(error: unknown): error is HostOpError {
  return error instanceof HostOpError;
}

/** SDX3001. `permission` is the manifest permission kind that was missing or out of scope. */
export function permissionDenied(permission: string, message: string, auditTarget?: string): HostOpError {
  return new HostOpError("SDX3001", "PermissionDenied", message, { permission }, auditTarget);
}

/** SDX3002, with every issue located by its path. */
export function validationFailed(message: string, issues: ValidationIssue[] = []): HostOpError {
  const detail = issues.length > 0 ? `: ${issues.map((i) => `${i.path || "(root)"}: ${i.message}`).join("; ")}` : "";
  return new HostOpError("SDX3002", "ValidationError", message + detail, { issues });
}

/** SDX3008. */
export function notFound(what: string): HostOpError {
  return new HostOpError("SDX3008", "NotFound", `${what} does not exist`);
}

/** SDX3020: the host itself could not finish. */
export function hostFailed(message: string, cause?: unknown): HostOpError {
  const error = new HostOpError("SDX3020", "HostError", message);
  if (cause !== undefined) (error as Error).cause = cause;
  return error;
}
