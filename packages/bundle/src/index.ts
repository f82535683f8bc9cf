/**
 * @module @sdx/bundle
 * Builds an extension project into one verified bundle. The format alone (no build tools) is at
 * `@sdx/bundle/format`, which is what hosts import.
 */
export { buildExtension, createBuilder } from "./build/build.js";
export type { BuildOptions, BuildResult, Builder } from "./build/build.js";
export { findTemplateError } from "./build/prompts.js";
export { uiManifestSchema } from "./build/ui-manifest.js";
export { installedSdkDir } from "./build/guest-bundle.js";
export * from "./format/index.js";
