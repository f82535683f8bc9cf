/**
 * `startGuest`: what the generated entry calls after importing the author's classes. Installs
 * `globalThis.__sdx_guest`, the one function the host calls into. The guest globals were installed
 * when the runtime was imported (install-globals.ts); installing them again here is a no-op in the
 * sandbox and lets tests that set up a host after importing the runtime get its text codec.
 */
import type { GuestExports } from "../protocol.js";
import { PROTOCOL_VERSION } from "../protocol/codec.js";
import type { GuestBindings } from "./bindings.js";
import { installGlobals } from "./globals.js";
import { createInvoker } from "./invoke.js";
import { ModelCatalog } from "./models.js";

function checkBindings(bindings: GuestBindings): void {
  if (!bindings || typeof bindings !== "object") throw new TypeError("startGuest: expected the bindings object from the generated entry");
  if (typeof bindings.extensionClass !== "function") throw new TypeError("startGuest: bindings.extensionClass must be the @extension class");
  if (!bindings.manifest || typeof bindings.manifest !== "object") throw new TypeError("startGuest: bindings.manifest is missing");
  for (const [type, cls] of Object.entries(bindings.models ?? {})) {
    if (typeof cls !== "function") throw new TypeError(`startGuest: bindings.models.${type} must be a @model class`);
  }
}

/**
 * Starts the guest runtime. Called once by the generated entry; calling it again replaces the
 * exports (tests do that).
 */
export function startGuest(bindings: GuestBindings): GuestExports {
  checkBindings(bindings);
  installGlobals(globalThis);
  const exports: GuestExports = Object.freeze({
    protocolVersion: PROTOCOL_VERSION,
    invoke: createInvoker({ ...bindings, models: bindings.models ?? {} }, new ModelCatalog({ ...bindings, models: bindings.models ?? {} })),
  });
  Object.defineProperty(globalThis, "__sdx_guest", { value: exports, writable: false, configurable: true, enumerable: false });
  return exports;
}
