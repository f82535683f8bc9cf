/** SDX3xxx: the host (install, sandbox, operations). `error`: the class of the error tree (`errors.ts`) the code is raised as. */
import type { ErrorClassName } from "../errors.js";

export const HOST_CODES = {
  SDX3001: { error: "PermissionDenied", title: "Permission denied", hint: "The extension did not request this permission, or the user did not grant it for this location. Request it in @extension({ permissions }) and re-install, or change the grant with `sdx grants`." },
  SDX3002: { error: "ValidationError", title: "Payload failed validation", hint: "The data sent to the host does not match the generated schema for this model or operation." },
  SDX3003: { error: "SandboxError", title: "Guest exceeded its time limit", hint: "The code ran longer than its deadline (timeoutMs for tasks). Look for an endless loop, or raise the limit." },
  SDX3004: { error: "SandboxError", title: "Guest exceeded its memory limit", hint: "The extension allocated more memory than allowed. Process data in smaller pieces." },
  SDX3005: { error: "SandboxError", title: "Guest stack overflow", hint: "Deep or endless recursion. Make the recursion iterative or bounded." },
  SDX3006: { error: "SdxError", title: "Guest threw an error", hint: "The extension's own code threw; see its message and stack." },
  SDX3007: { error: "SandboxError", title: "Unknown host operation", hint: "The guest called an operation this host does not provide; rebuild with a matching sdx version." },
  SDX3008: { error: "NotFound", title: "Not found", hint: "The referenced entry, model, job or collection does not exist." },
  SDX3009: { error: "UserError", title: "Extension is incompatible with this host", hint: "Its minCoreVersion or requiredFeatures are not met by this host." },
  SDX3010: { error: "UserError", title: "Extension not installed", hint: "Install it with `sdx install <bundle> --library <dir>`." },
  SDX3011: { error: "UserError", title: "Unknown job, task or action", hint: "Check the name against `sdx inspect <bundle>`." },
  SDX3012: { error: "UserError", title: "Invalid parameter", hint: "Check the job's parameters with `sdx inspect <bundle>`; pass them as --param name=value." },
  SDX3013: { error: "UserError", title: "Library schema is newer than this host", hint: "The library was created by a newer sdx; upgrade sdx to open it." },
  SDX3014: { error: "SandboxError", title: "Guest result too large", hint: "A value crossing the sandbox boundary exceeded the size limit; store large data in blobs and return references." },
  SDX3015: { error: "SandboxError", title: "Operation not allowed during action preview", hint: "Preview must not have side effects; mutations are recorded as planned changes and applied by execute." },
  SDX3016: { error: "UserError", title: "Stale action preview", hint: "The library changed since the preview was made; preview the action again." },
  SDX3017: { error: "IntegrityError", title: "Model integrity error", hint: "The model file does not match its recorded sha256." },
  SDX3018: { error: "ConsentRequired", title: "Consent required", hint: "This call would send data off the machine; record the user's consent for this extension and endpoint first." },
  SDX3019: { error: "JobCancelled", title: "Job cancelled", hint: "The job was cancelled by the user." },
  SDX3020: { error: "InternalError", title: "Host operation failed", hint: "The host could not complete the operation; see the message." },
  SDX3021: { error: "IntegrityError", title: "Installed bundle is missing or changed", hint: "The bundle stored in the library is gone or is not the one that was installed; install the extension again with `sdx install`." },
  SDX3022: { error: "UserError", title: "Not possible in the current state", hint: "The job or action is not in a state that allows this (already running elsewhere, already finished, already executed, not reversible); see `sdx jobs show` or `sdx actions show`." },
} as const satisfies Record<`SDX3${string}`, { error: ErrorClassName; title: string; hint: string }>;
