/**
 * An `OpContext` for an installed extension over a real library: its manifest, grants and
 * validators, and an audit writer. The runtime builds one per invocation (adding the job id);
 * tests call the library handlers with it directly.
 */
import type { OpContext } from "./context.js";
import { ModelValidators } from "../extensions/validators.js";
import { GrantSet } from "../extensions/grants.js";
import { getInstalled } from "../extensions/install.js";
import { writeAudit } from "../store/audit.js";
import { HostOpError } from "../store/errors.js";
import type { Library } from "../store/library.js";

export interface LibraryContextOptions {
  jobId?: string | null;
  phase?: OpContext["phase"];
}

export function createLibraryOpContext(library: Library, extensionId: string, options: LibraryContextOptions = {}): OpContext {
  const installed = getInstalled(library, extensionId);
  if (!installed) throw new HostOpError("SDX3010", "NotInstalled", `extension ${extensionId} is not installed in the library at ${library.dir}`);
  return {
    extensionId,
    manifest: installed.manifest,
    library,
    grants: GrantSet.load(library, extensionId),
    validators: ModelValidators.fromManifest(installed.manifest),
    deviceUuid: library.deviceUuid,
    jobId: options.jobId ?? null,
    phase: options.phase ?? "normal",
    audit(op, target, result, detail) {
      writeAudit(library, extensionId, op, target, result, detail);
    },
  };
}
