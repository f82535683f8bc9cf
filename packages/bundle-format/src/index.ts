/**
 * @module @sdx/bundle-format
 * Reading, writing, signing and verifying the one-file sdx bundle. Used by the build (write, sign)
 * and by the host (read + verify before load); it has no build-tool dependencies.
 */
export { writeBundle, readBundle, BUNDLE_FORMAT_VERSION, BUNDLE_EXTENSION, SECTIONS } from "./bundle-file.js";
export type { BundleContents, LoadedBundle, SectionInfo, WriteOptions } from "./bundle-file.js";
export { signBundle, signRotation, verifyRotation, verifySignature, withoutSignature, SIGNATURE_SECTION, SIGNATURE_FORMAT, ENDORSED_SIGNATURE_FORMAT } from "./signature.js";
export type { KeyRotation, VerifiedRotation } from "./signature.js";
export type { BundleSignature } from "./signature.js";
export { generateSigningKey, loadSigningKey, keyFingerprint, fingerprintOfKeyFile, rawPublicKey, publicKeyFromRaw } from "./signing-keys.js";
export type { GeneratedKey } from "./signing-keys.js";
export { readSections } from "./wasm-sections.js";
export { blake3, createBLAKE3 } from "./blake3.js";
