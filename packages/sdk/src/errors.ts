/**
 * The one error tree of sdx, on both sides of the sandbox boundary. The host throws these classes;
 * they cross as data (`WireError`: code, name, message, data) and the guest runtime rebuilds them,
 * so `catch (e) { if (e instanceof PermissionDenied) … }` works in an extension, and the CLI renders
 * the same codes. Every code has one meaning and one class (`CODES[code].error` in `codes.ts`);
 * the message says what happened this time.
 *
 * ```
 * SdxError                       any code
 * ├─ PermissionDenied            SDX3001   the extension lacks a permission, or the target is outside its grant
 * │                              SDX3032   the file of an entry changed since it was indexed
 * ├─ ValidationError             SDX3002   a payload does not match its schema
 * ├─ NotFound                    SDX3008   an entry, model, job, action or collection does not exist
 * ├─ ConsentRequired             SDX3018   data would leave the machine without the user's consent
 * ├─ JobCancelled                SDX3019   the job was cancelled, paused or its host is closing
 * ├─ TaskFailed                  (the code of the last attempt) a task failed every attempt
 * ├─ UserError                   the caller asked for something impossible (unknown job, bad parameter, not installed, wrong state,
 * │                              a bundle of another author or an older version over an installed one)
 * ├─ SandboxError                the guest broke a limit or the protocol (time, memory, stack, size, preview rules)
 * ├─ IntegrityError              a bundle, installed bundle or model file does not match its hash or signature; a damaged library.db
 * └─ InternalError               SDX3020   a bug or an environment failure in the host
 * ```
 * @see docs/troubleshooting.md
 */

/** Base class of every error sdx raises on purpose. */
export class SdxError extends Error {
  override name = "SdxError";
  constructor(
    /** Stable code, e.g. `"SDX3001"`. */
    readonly code: string,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }

  /** The error as data, for the other side of the boundary (never the host's stack). */
  toWire(): { code: string; name: string; message: string; data?: unknown } {
    return this.data === undefined
      ? { code: this.code, name: this.name, message: this.message }
      : { code: this.code, name: this.name, message: this.message, data: this.data };
  }
}

/** Thrown when an operation needs a permission the extension was not granted (or is out of scope). */
export class PermissionDenied extends SdxError {
  override name = "PermissionDenied";
  /** The permission kind that was missing, e.g. `"read_entries"`. */
  get permission(): string | undefined {
    return (this.data as { permission?: string } | undefined)?.permission;
  }
}

/** Thrown when a payload does not match the generated schema (model data, parameters). */
export class ValidationError extends SdxError {
  override name = "ValidationError";
}

/** Thrown when a referenced entry, model, job or collection does not exist. */
export class NotFound extends SdxError {
  override name = "NotFound";
}

/** Thrown by `ctx.run` when a task failed on its last attempt. */
export class TaskFailed extends SdxError {
  override name = "TaskFailed";
}

/** Thrown in a job that was cancelled. */
export class JobCancelled extends SdxError {
  override name = "JobCancelled";
}

/** Thrown when a call would send data off the machine without the user's consent. */
export class ConsentRequired extends SdxError {
  override name = "ConsentRequired";
}

/** Thrown when the caller asks for something impossible: an unknown job, a bad parameter, an extension that is not installed. */
export class UserError extends SdxError {
  override name = "UserError";
}

/** Thrown when guest code broke a sandbox limit or rule (deadline, memory, stack, message size, preview). */
export class SandboxError extends SdxError {
  override name = "SandboxError";
}

/** Thrown when a bundle or a stored file does not match its recorded hash or signature, or a library database is damaged. */
export class IntegrityError extends SdxError {
  override name = "IntegrityError";
}

/** Thrown when the host itself failed (a bug, or the environment: disk, network). */
export class InternalError extends SdxError {
  override name = "InternalError";
}

type ErrorClass = new (code: string, message: string, data?: unknown) => SdxError;

/** Every class of the tree by name: what `CODES[code].error` may name. */
export const ERROR_CLASSES = {
  SdxError, PermissionDenied, ValidationError, NotFound, TaskFailed, JobCancelled, ConsentRequired,
  UserError, SandboxError, IntegrityError, InternalError,
} as const satisfies Record<string, ErrorClass>;
export type ErrorClassName = keyof typeof ERROR_CLASSES;

/**
 * Rebuilds an error from its wire form. The class comes from the wire name when it is one of the
 * tree; any other name (a refinement such as `"PreviewMutation"`, or the guest's own `TypeError`)
 * is kept as the `name` of an `SdxError`, so nothing is lost.
 */
export function errorFromWire(error: { code: string; name: string; message: string; data?: unknown }): SdxError {
  const Ctor: ErrorClass = Object.prototype.hasOwnProperty.call(ERROR_CLASSES, error.name) ? ERROR_CLASSES[error.name as ErrorClassName] : SdxError;
  const rebuilt = new Ctor(error.code, error.message, error.data);
  if (Ctor === SdxError) rebuilt.name = error.name;
  return rebuilt;
}
