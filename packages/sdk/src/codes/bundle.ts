/** SDX2xxx: bundling and bundle verification. */
export const BUNDLE_CODES = {
  SDX2001: { title: "Guest code imports a module that does not exist in the sandbox", hint: "Extensions run in QuickJS: Node built-ins (node:*, fs, path, …) are unavailable. Use the host API through ctx.vdfs()/ctx.ai() instead." },
  SDX2002: { title: "esbuild failed to bundle the guest code", hint: "Fix the reported syntax or resolution error." },
  SDX2003: { title: "AssemblyScript kernel failed to compile", hint: "Fix the reported AssemblyScript error in kernels/." },
  SDX2004: { title: "Bundle is not a valid sdx bundle", hint: "Rebuild it with `sdx build`; the file may be truncated or not an sdx bundle." },
  SDX2005: { title: "Bundle integrity check failed", hint: "The bundle was modified after it was built. Rebuild it with `sdx build` or get it again from its source." },
  SDX2006: { title: "Bundle manifest is invalid", hint: "The manifest does not match the manifest schema; rebuild with a matching sdx version." },
  SDX2007: { title: "Prompt template has a syntax error", hint: "Fix the Jinja syntax at the reported line of the template in prompts/." },
  SDX2008: { title: "ui_manifest.json is invalid", hint: "Fix the JSON (or its fields) in ui_manifest.json." },
  SDX2009: { title: "Bundle was built for a different protocol version", hint: "Rebuild the extension with the sdx version of this host." },
} as const;
