/**
 * An `OpContext` for an installed extension over a real library: its manifest, grants and
 * validators, and where its events go. The Host builds one per loaded extension (with its own
 * event bus); tests call the library handlers with one directly, whose events go to a bus with
 * just the audit trail.
 */
import type { OpContext } from "./context.js";
import { auditTrail } from "./audit-trail.js";
import { EventBus, type CallOrigin, type EventSink } from "./events.js";
import { ModelValidators } from "../extensions/validators.js";
import { GrantSet } from "../extensions/grants.js";
import { getInstalled } from "../extensions/install.js";
import { sdxError } from "../errors.js";
import type { Library } from "../store/library.js";

export interface LibraryContextOptions {
  jobId?: string | null;
  phase?: OpContext["phase"];
  origin?: CallOrigin;
  /** Where handlers publish; default: a bus whose only subscriber is the library's audit trail. */
  events?: EventSink;
}

/** A bus with the audit trail of `library` as its critical subscriber. */
export function auditedBus(library: Library): EventBus {
  const bus = new EventBus();
  bus.subscribe(auditTrail(library), { critical: true });
  return bus;
}

export function createLibraryOpContext(library: Library, extensionId: string, options: LibraryContextOptions = {}): OpContext {
  const installed = getInstalled(library, extensionId);
  if (!installed) throw sdxError("SDX3010", `extension ${extensionId} is not installed in the library at ${library.dir}`);
  return {
    extensionId,
    manifest: installed.manifest,
    library,
    grants: GrantSet.load(library, extensionId),
    validators: ModelValidators.fromManifest(installed.manifest),
    deviceUuid: library.deviceUuid,
    jobId: options.jobId ?? null,
    phase: options.phase ?? "normal",
    origin: options.origin ?? { kind: "other" },
    events: options.events ?? auditedBus(library),
  };
}
