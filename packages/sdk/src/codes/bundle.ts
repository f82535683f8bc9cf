/** SDX2xxx: bundling and bundle verification. `error`: the class of the error tree (`errors.ts`) the code is raised as. */
import type { ErrorClassName } from "../errors.js";

export const BUNDLE_CODES = {
  SDX2001: { error: "UserError", title: "Guest code imports a module that does not exist in the sandbox", hint: "Extensions run in QuickJS: Node built-ins (node:*, fs, path, …) are unavailable. Use the host API through ctx.vdfs()/ctx.ai() instead." },
  SDX2002: { error: "UserError", title: "esbuild failed to bundle the guest code", hint: "Fix the reported syntax or resolution error." },
  SDX2003: { error: "UserError", title: "AssemblyScript kernel failed to compile", hint: "Fix the reported AssemblyScript error in kernels/." },
  SDX2004: { error: "UserError", title: "Bundle is not a valid sdx bundle", hint: "Rebuild it with `sdx build`; the file may be truncated or not an sdx bundle." },
  SDX2005: { error: "IntegrityError", title: "Bundle integrity check failed", hint: "The bundle was modified after it was built. Rebuild it with `sdx build` or get it again from its source." },
  SDX2006: { error: "UserError", title: "Bundle manifest is invalid", hint: "The manifest does not match the manifest schema; rebuild with a matching sdx version." },
  SDX2007: { error: "UserError", title: "Prompt template has a syntax error", hint: "Fix the Jinja syntax at the reported line of the template in prompts/." },
  SDX2008: { error: "UserError", title: "ui_manifest.json is invalid", hint: "Fix the JSON (or its fields) in ui_manifest.json." },
  SDX2009: { error: "UserError", title: "Bundle was built for a different protocol version", hint: "Rebuild the extension with the sdx version of this host." },
  SDX2010: { error: "IntegrityError", title: "Bundle signature is invalid", hint: "The bundle was changed after it was signed, or its signature section is damaged. Get the bundle again from its author; an author rebuilds it with `sdx build --key <file>`." },
  SDX2011: { error: "UserError", title: "Manifest version is newer than this sdx", hint: "The manifest was written by a newer sdx (its manifestVersion is higher than this one reads). Upgrade sdx; a store keeps the manifest and ingests it once it understands that version." },
  SDX2012: { error: "UserError", title: "Signing key cannot be used", hint: "Pass the private key file `sdx keys generate <file>` wrote (PEM, Ed25519) with `sdx build --key <file>` or SDX_SIGNING_KEY; the `.pub` file is the public half and cannot sign." },
} as const satisfies Record<`SDX2${string}`, { error: ErrorClassName; title: string; hint: string }>;
