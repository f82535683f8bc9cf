/**
 * @module @sdx/bundle-format
 * Reading, writing and verifying the one-file sdx bundle. Used by the build (write) and by the
 * host (read + verify before load); it has no build-tool dependencies.
 */
export { writeBundle, readBundle, BUNDLE_FORMAT_VERSION, BUNDLE_EXTENSION, SECTIONS } from "./bundle-file.js";
export type { BundleContents, LoadedBundle, SectionInfo } from "./bundle-file.js";
export { readSections } from "./wasm-sections.js";
export { blake3, createBLAKE3 } from "./blake3.js";
