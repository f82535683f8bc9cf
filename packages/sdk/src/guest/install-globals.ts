/**
 * Side effect only: installs the guest globals as soon as this module is evaluated. ES modules
 * evaluate in import order, depth first; guest/index.ts imports this module first and the
 * generated entry imports "@sdx/sdk/guest" before any author module, so an author's top-level
 * `new TextEncoder()` or `new URL(…)` finds the globals in place (startGuest runs only after every
 * author module). The host installs its bindings before it evaluates the bundle.
 */
import { installGlobals } from "./globals.js";

installGlobals(globalThis);
