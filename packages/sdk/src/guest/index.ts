/**
 * @module @sdx/sdk/guest
 *
 * The guest runtime: runs inside the sandbox (QuickJS, no Node, no DOM) together with the
 * extension. Only the generated entry imports it. Nothing here may import `node:*` or zod
 * (a test bundles it and checks).
 * @see docs/guest-environment.md
 */
// First: installs the globals before any later module (the author's) is evaluated.
import "./install-globals.js";

export { startGuest } from "./start-guest.js";
export type { GuestBindings, AnyConstructor } from "./bindings.js";
