/**
 * The sdx bundle: ONE real WebAssembly module. Its code is the extension's AssemblyScript kernels
 * (an empty module when there are none); custom sections carry everything else, so
 * `WebAssembly.Module.customSections` can read a bundle without running anything.
 *
 *   [kernel module: header + sections]            ← WebAssembly.compile(bundle) gives the kernels
 *   custom "sdx.manifest"        manifest.json (UTF-8)
 *   custom "sdx.guest"           guest JavaScript (esbuild iife)
 *   custom "sdx.guest.map"       source map of the guest JavaScript (optional): the host maps guest
 *                                stack frames back to the author's TypeScript with it
 *   custom "sdx.sql"             schema.sql
 *   custom "sdx.ui"              ui_manifest.json (optional)
 *   custom "sdx.prompt/<path>"   one per Jinja template in prompts/ (sorted)
 *   custom "sdx.asset/<path>"    one per file in assets/ (sorted)
 *   custom "sdx.integrity"       JSON: BLAKE3 of the code part and of every section, and a digest
 *                                of every byte before this section. Last of an unsigned bundle.
 *   custom "sdx.signature"       (signed bundles) Ed25519 signature of everything before it and the
 *                                signer's public key (signature.ts). Always last when present.
 *
 * Any changed byte is caught: before the integrity section by the digest, inside it by the JSON
 * no longer matching, after it by the signature. Integrity is not authenticity: anyone can write a
 * valid unsigned bundle. The signature says which key built it; whether that key may replace an
 * installed extension is the host's decision (install binds an id to the key that first installed it).
 * @see docs/bundle-format.md
 */
import type { KeyObject } from "node:crypto";
import { blake3 } from "./blake3.js";
import { parseManifest, type Manifest } from "@sdx/sdk/manifest";
import { PROTOCOL_VERSION, sdxError } from "@sdx/sdk/protocol";
import type { SdxError } from "@sdx/sdk/errors";
import { encodeCustomSection, readSections, WASM_HEADER } from "./wasm-sections.js";
import { SIGNATURE_SECTION, signBundle, verifySignature, type BundleSignature, type KeyRotation } from "./signature.js";

export const BUNDLE_FORMAT_VERSION = 1;
export const BUNDLE_EXTENSION = ".sdx.wasm";
export const SECTIONS = {
  manifest: "sdx.manifest",
  guest: "sdx.guest",
  guestMap: "sdx.guest.map",
  sql: "sdx.sql",
  ui: "sdx.ui",
  promptPrefix: "sdx.prompt/",
  assetPrefix: "sdx.asset/",
  integrity: "sdx.integrity",
} as const;

/** What goes into a bundle. */
export interface BundleContents {
  manifestJson: string;
  guestJs: string;
  /** Source map (v3 JSON) of `guestJs`, sources relative to the project; omitted or null for none. */
  guestSourceMap?: string | null;
  schemaSql: string;
  uiManifestJson: string | null;
  prompts: Record<string, string>;
  assets: Record<string, Uint8Array>;
  /** The compiled kernels module, or null for an empty module. */
  kernels: Uint8Array | null;
}

export interface SectionInfo {
  name: string;
  size: number;
  hash: string;
}

interface IntegrityRecord {
  format: number;
  algorithm: "blake3";
  code: { size: number; hash: string };
  sections: SectionInfo[];
  digest: string;
}

/** A verified bundle, ready for the host. */
export interface LoadedBundle {
  manifest: Manifest;
  guestJs: string;
  /** Source map (v3 JSON) of `guestJs`, or null when the bundle has none. */
  guestSourceMap: string | null;
  schemaSql: string;
  uiManifest: unknown;
  prompts: Record<string, string>;
  assets: Record<string, Uint8Array>;
  /** The whole file; `WebAssembly.compile(bytes)` gives the kernels. */
  bytes: Uint8Array;
  /** BLAKE3 of the whole file, hex. */
  hash: string;
  size: number;
  hasKernels: boolean;
  code: { size: number; hash: string };
  sections: SectionInfo[];
  /** The verified signer, or null for an unsigned bundle (local development). */
  signature: BundleSignature | null;
}

/** Why a bundle cannot be read or verified: an `IntegrityError` (SDX2005) or a `UserError` (SDX2004/2006/2009). */
function bundleError(code: "SDX2004" | "SDX2005" | "SDX2006" | "SDX2009" | "SDX2011", message: string, data?: unknown): SdxError {
  return sdxError(code, message, data);
}

const utf8 = new TextEncoder();

function sortedEntries<T>(record: Record<string, T>): Array<[string, T]> {
  return Object.keys(record).sort().map((key) => [key, record[key]!]);
}

export interface WriteOptions {
  /** Signs the bundle with this Ed25519 private key (`loadSigningKey`); unsigned without one. */
  signingKey?: KeyObject;
  /** Key rotation statements to carry with the signature (`sdx keys rotate`). */
  endorsements?: readonly KeyRotation[];
}

/** Assembles a bundle. Deterministic: the same contents (and key) give the same bytes. */
export async function writeBundle(contents: BundleContents, options: WriteOptions = {}): Promise<Uint8Array> {
  const code = contents.kernels ?? WASM_HEADER;
  const named: Array<[string, Uint8Array]> = [
    [SECTIONS.manifest, utf8.encode(contents.manifestJson)],
    [SECTIONS.guest, utf8.encode(contents.guestJs)],
  ];
  if (contents.guestSourceMap) named.push([SECTIONS.guestMap, utf8.encode(contents.guestSourceMap)]);
  named.push([SECTIONS.sql, utf8.encode(contents.schemaSql)]);
  if (contents.uiManifestJson !== null) named.push([SECTIONS.ui, utf8.encode(contents.uiManifestJson)]);
  for (const [path, text] of sortedEntries(contents.prompts)) named.push([SECTIONS.promptPrefix + path, utf8.encode(text)]);
  for (const [path, bytes] of sortedEntries(contents.assets)) named.push([SECTIONS.assetPrefix + path, bytes]);

  const parts: Uint8Array[] = [code];
  const sections: SectionInfo[] = [];
  for (const [name, payload] of named) {
    parts.push(encodeCustomSection(name, payload));
    sections.push({ name, size: payload.length, hash: await blake3(payload) });
  }
  const body = concat(parts);
  const integrity: IntegrityRecord = {
    format: BUNDLE_FORMAT_VERSION,
    algorithm: "blake3",
    code: { size: code.length, hash: await blake3(code) },
    sections,
    digest: await blake3(body),
  };
  const unsigned = concat([body, encodeCustomSection(SECTIONS.integrity, utf8.encode(JSON.stringify(integrity)))]);
  return options.signingKey ? signBundle(unsigned, options.signingKey, options.endorsements) : unsigned;
}

/**
 * Reads and verifies a bundle: structure, integrity (before anything is parsed as code), manifest
 * schema and protocol version. Throws an `SdxError` (`IntegrityError` or `UserError`) with a stable code and a precise message.
 */
export async function readBundle(bytes: Uint8Array): Promise<LoadedBundle> {
  let all;
  try {
    all = readSections(bytes);
  } catch (error) {
    throw bundleError("SDX2004", `not an sdx bundle: ${(error as Error).message}`);
  }
  const signatureSection = all.at(-1)?.name === SIGNATURE_SECTION ? all.at(-1)! : null;
  const integritySection = all.at(signatureSection ? -2 : -1);
  if (!integritySection || integritySection.name !== SECTIONS.integrity) {
    throw bundleError("SDX2004", `not an sdx bundle: the last section is not sdx.integrity${signatureSection ? " (followed by sdx.signature)" : ""}`);
  }
  let integrity: IntegrityRecord;
  try {
    integrity = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(integritySection.payload)) as IntegrityRecord;
  } catch {
    throw bundleError("SDX2005", "integrity record is corrupt (sdx.integrity is not valid JSON)");
  }
  if (integrity.format !== BUNDLE_FORMAT_VERSION || integrity.algorithm !== "blake3") {
    throw bundleError("SDX2004", `unsupported bundle format ${String(integrity.format)}/${String(integrity.algorithm)}`);
  }
  const sdxSections = all.filter((s) => s.name?.startsWith("sdx.") && s !== integritySection && s !== signatureSection);
  const codeEnd = sdxSections[0]?.start ?? integritySection.start;
  // Recompute the whole record from the bytes and require it to match exactly: this also catches
  // edits inside the record that keep it valid JSON (a renamed key, a changed hash digit).
  const expected: IntegrityRecord = {
    format: BUNDLE_FORMAT_VERSION,
    algorithm: "blake3",
    code: { size: codeEnd, hash: await blake3(bytes.subarray(0, codeEnd)) },
    sections: await Promise.all(sdxSections.map(async (s) => ({ name: s.name!, size: s.payload.length, hash: await blake3(s.payload) }))),
    digest: await blake3(bytes.subarray(0, integritySection.start)),
  };
  const storedText = new TextDecoder().decode(integritySection.payload);
  if (JSON.stringify(expected) !== storedText) {
    throw bundleError("SDX2005", `integrity check failed: ${describeMismatch(integrity, expected)} was modified after it was built`);
  }
  if (all.some((s) => s.start >= codeEnd && s !== integritySection && s !== signatureSection && !s.name?.startsWith("sdx."))) {
    throw bundleError("SDX2004", "not an sdx bundle: foreign sections after the sdx sections");
  }
  if (all.some((s) => s.name === SIGNATURE_SECTION && s !== signatureSection)) {
    throw bundleError("SDX2004", "not an sdx bundle: sdx.signature is not the last section");
  }
  // Before anything is parsed: a signed bundle changed after signing is refused as such.
  const signature = signatureSection ? await verifySignature(bytes, signatureSection) : null;

  const text = (name: string): string | null => {
    const section = sdxSections.find((s) => s.name === name);
    return section ? new TextDecoder("utf-8", { fatal: true }).decode(section.payload) : null;
  };
  const manifestJson = text(SECTIONS.manifest);
  const guestJs = text(SECTIONS.guest);
  const schemaSql = text(SECTIONS.sql);
  if (manifestJson === null || guestJs === null || schemaSql === null) {
    throw bundleError("SDX2004", "not an sdx bundle: a required section (manifest, guest or sql) is missing");
  }
  let rawManifest: unknown;
  try {
    rawManifest = JSON.parse(manifestJson);
  } catch (error) {
    throw bundleError("SDX2006", "manifest is not valid JSON", { issues: [{ path: "", pointer: "", code: "SDX2006", message: `not valid JSON: ${(error as Error).message}` }] });
  }
  const parsed = parseManifest(rawManifest);
  if (!parsed.ok) {
    // Every issue, located, in `data.issues` (what `sdx validate --json` lists); the message joins them for people.
    const code = parsed.issues.some((i) => i.code === "SDX2011") ? "SDX2011" : "SDX2006";
    const text = parsed.issues.map((i) => `${i.path || "(root)"}: ${i.message}`).join("; ");
    throw bundleError(code, code === "SDX2011" ? text : `manifest is invalid: ${text}`, { issues: parsed.issues });
  }
  if (parsed.manifest.protocolVersion !== PROTOCOL_VERSION) {
    throw bundleError("SDX2009", `bundle uses protocol ${parsed.manifest.protocolVersion}, this host speaks ${PROTOCOL_VERSION}`);
  }
  const uiJson = text(SECTIONS.ui);
  const prompts: Record<string, string> = {};
  const assets: Record<string, Uint8Array> = {};
  for (const section of sdxSections) {
    if (section.name!.startsWith(SECTIONS.promptPrefix)) prompts[section.name!.slice(SECTIONS.promptPrefix.length)] = text(section.name!)!;
    if (section.name!.startsWith(SECTIONS.assetPrefix)) assets[section.name!.slice(SECTIONS.assetPrefix.length)] = section.payload.slice();
  }
  const icon = parsed.manifest.icon;
  if (icon !== undefined && !Object.prototype.hasOwnProperty.call(assets, icon)) {
    const message = `names ${icon}, which the bundle does not carry`;
    throw bundleError("SDX2006", `manifest is invalid: icon: ${message}`, { issues: [{ path: "icon", pointer: "/icon", code: "SDX2006", message }] });
  }
  return {
    manifest: parsed.manifest,
    guestJs,
    guestSourceMap: text(SECTIONS.guestMap),
    schemaSql,
    uiManifest: uiJson === null ? null : JSON.parse(uiJson),
    prompts,
    assets,
    bytes,
    hash: await blake3(bytes),
    size: bytes.length,
    hasKernels: codeEnd > WASM_HEADER.length,
    code: integrity.code,
    sections: integrity.sections,
    signature,
  };
}

function describeMismatch(stored: IntegrityRecord, expected: IntegrityRecord): string {
  if (stored.code?.hash !== expected.code.hash) return "the kernel code";
  for (const section of expected.sections) {
    const recorded = stored.sections?.find((s) => s.name === section.name);
    if (!recorded || recorded.hash !== section.hash || recorded.size !== section.size) return `section ${section.name}`;
  }
  return stored.digest === expected.digest ? "the integrity record" : "the bundle";
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
