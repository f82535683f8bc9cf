/**
 * Errors an extension sees. The host sends errors as data (`WireError`); the guest runtime rebuilds
 * them as these classes, so `catch (e) { if (e instanceof PermissionDenied) … }` works in the guest.
 */

/** Base class of every error the host reports to the guest. Thrown when a host operation fails. */
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

const BY_NAME: Record<string, new (code: string, message: string, data?: unknown) => SdxError> = {
  PermissionDenied, ValidationError, NotFound, TaskFailed, JobCancelled, ConsentRequired,
};

/** Rebuilds a host error from its wire form. */
export function errorFromWire(error: { code: string; name: string; message: string; data?: unknown }): SdxError {
  const Ctor = BY_NAME[error.name] ?? SdxError;
  const rebuilt = new Ctor(error.code, error.message, error.data);
  if (Ctor === SdxError) rebuilt.name = error.name;
  return rebuilt;
}
