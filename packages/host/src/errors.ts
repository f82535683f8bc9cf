/**
 * The host's errors: the one tree of `@sdx/sdk/errors` (the same classes the guest rebuilds), with
 * constructors for the refusals every floor raises. A code is raised as the class the code table
 * names (`sdxError`), so SDX3001 is always a `PermissionDenied`, SDX3021 always an `IntegrityError`.
 * Anything thrown that is not an `SdxError` is a host bug: it crosses to the guest as SDX3020 with
 * its message only, and its stack is logged (`toWireError`).
 */
import { SdxError } from "@sdx/sdk/errors";
import { sdxError } from "@sdx/sdk/protocol";

export {
  SdxError, PermissionDenied, ValidationError, NotFound, TaskFailed, JobCancelled, ConsentRequired,
  UserError, SandboxError, IntegrityError, InternalError, errorFromWire,
} from "@sdx/sdk/errors";
export { sdxError, wireError, failure, toWireError } from "@sdx/sdk/protocol";
export type { Code } from "@sdx/sdk/codes";

export interface ValidationIssue {
  /** Dotted path into the payload, `""` for the root. */
  path: string;
  message: string;
}

/** SDX3001. `permission` is the manifest permission kind that was missing or out of scope. */
export function permissionDenied(permission: string, message: string, auditTarget?: string): SdxError {
  const error = sdxError("SDX3001", message, { permission });
  return auditTarget === undefined ? error : withAuditTarget(error, auditTarget);
}

/** SDX3002, with every issue located by its path. */
export function validationFailed(message: string, issues: ValidationIssue[] = []): SdxError {
  const detail = issues.length > 0 ? `: ${issues.map((i) => `${i.path || "(root)"}: ${i.message}`).join("; ")}` : "";
  return sdxError("SDX3002", message + detail, { issues });
}

/** SDX3008. */
export function notFound(what: string): SdxError {
  return sdxError("SDX3008", `${what} does not exist`);
}

/** SDX3020: the host itself could not finish (the environment failed, or a bug). */
export function hostFailed(message: string, cause?: unknown): SdxError {
  const error = sdxError("SDX3020", message);
  if (cause !== undefined) (error as Error).cause = cause;
  return error;
}

/**
 * What the audit log records as the target of a refusal. Kept off the error's wire form: it may be
 * a canonical path (where a symlink points) that the guest must not learn.
 */
const auditTargets = new WeakMap<object, string>();
/** Refusals already written to the audit log where they were detected, so the op's wrapper does not write them again. */
const reported = new WeakSet<object>();

export function withAuditTarget<E extends Error>(error: E, target: string): E {
  auditTargets.set(error, target);
  return error;
}

export function auditTargetOf(error: unknown): string | undefined {
  return typeof error === "object" && error !== null ? auditTargets.get(error) : undefined;
}

export function markReported<E extends Error>(error: E): E {
  reported.add(error);
  return error;
}

export function isReported(error: unknown): boolean {
  return typeof error === "object" && error !== null && reported.has(error);
}
