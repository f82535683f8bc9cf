/**
 * @module @sdx/bundle
 * Builds an extension project into one verified bundle. Reading and verifying bundles is
 * `@sdx/bundle-format`, which is what hosts import.
 */
export { buildExtension, createBuilder } from "./build/build.js";
export type { BuildOptions, BuildResult, Builder } from "./build/build.js";
export { findTemplateError } from "./build/prompts.js";
export { uiManifestSchema } from "./build/ui-manifest.js";
export { installedSdkDir } from "./build/guest-bundle.js";
