/**
 * What one installed extension was granted, and the checks every host operation makes.
 *
 * A permission the manifest requested is either granted (a row in `extension_grants`, with the
 * user's scope) or not. Each `require*` throws a `PermissionDenied` (SDX3001) naming the
 * permission and why: never requested, requested but not granted, or outside the granted scope.
 *
 * ReadEntries: an entry is readable when some read_entries grant matches it, that is its glob
 * (picomatch with `PERMISSION_GLOB_OPTIONS`: dotfiles, case-insensitive) matches the entry's path
 * relative to its location root (an absolute glob, starting with `/`, matches the absolute path)
 * AND its canonical absolute path lies inside one of the grant's scope paths (an empty scope is the
 * whole library). WriteFiles: the same rule for the files an action moves or writes (source and
 * destination); a directory it creates needs only to lie inside a write_files scope.
 */
import picomatch from "picomatch";
import { parseManifest, PERMISSION_GLOB_OPTIONS, type ManifestPermission } from "@sdx/sdk/manifest";
import { permissionDenied, sdxError, SdxError } from "../store/errors.js";
import type { Library } from "../store/library.js";
import { grantRows, storedManifestJson } from "../store/extensions-store.js";
import { isWithin } from "../store/paths.js";

export type PermissionKind = ManifestPermission["kind"];

export interface Grant {
  /** Index in `manifest.permissions`. */
  index: number;
  permission: ManifestPermission;
  /** Canonical absolute paths; `[]` = the whole library. */
  scope: string[];
}

interface EntryRule {
  grant: Grant;
  match: (path: string) => boolean;
  absolute: boolean;
}

const BUILDER: Record<PermissionKind, string> = {
  read_entries: "Permission.readEntries({ glob })",
  read_sidecars: "Permission.readSidecars({ kinds })",
  write_sidecars: "Permission.writeSidecars({ kinds })",
  write_tags: "Permission.writeTags()",
  write_collections: "Permission.writeCollections()",
  write_custom_metadata: "Permission.writeCustomMetadata()",
  use_model: "Permission.useModel({ category })",
  dispatch_jobs: "Permission.dispatchJobs()",
  use_devices: "Permission.useDevices({ capabilities })",
  write_files: "Permission.writeFiles({ glob })",
};

function rulesOf(grants: readonly Grant[], kind: "read_entries" | "write_files"): EntryRule[] {
  return grants.flatMap((grant) => {
    if (grant.permission.kind !== kind) return [];
    const glob = grant.permission.glob;
    return [{ grant, match: picomatch(glob, PERMISSION_GLOB_OPTIONS), absolute: glob.startsWith("/") }];
  });
}

const globOf = (rule: EntryRule): string => ("glob" in rule.grant.permission ? rule.grant.permission.glob : "");

export class GrantSet {
  private readonly entryRules: EntryRule[];
  private readonly fileRules: EntryRule[];

  private constructor(
    readonly extensionId: string,
    readonly requested: readonly ManifestPermission[],
    readonly grants: readonly Grant[],
  ) {
    this.entryRules = rulesOf(grants, "read_entries");
    this.fileRules = rulesOf(grants, "write_files");
  }

  /** The grants stored for an installed extension. Throws SDX3010 when it is not installed. */
  static load(library: Library, extensionId: string): GrantSet {
    const manifest = storedManifestJson(library, extensionId);
    if (manifest === undefined) {
      throw sdxError("SDX3010", `extension ${extensionId} is not installed in the library at ${library.dir}`);
    }
    const parsed = parseManifest(JSON.parse(manifest));
    const requested = parsed.ok ? parsed.manifest.permissions : [];
    return new GrantSet(extensionId, requested, grantRows(library, extensionId));
  }

  /** A grant set built in memory (scope paths must already be canonical). */
  static of(extensionId: string, requested: readonly ManifestPermission[], grants: readonly Grant[]): GrantSet {
    return new GrantSet(extensionId, requested, grants);
  }

  has(kind: PermissionKind): boolean {
    return this.grants.some((g) => g.permission.kind === kind);
  }

  private missing(kind: PermissionKind, what: string, auditTarget?: string): SdxError {
    const requested = this.requested.some((p) => p.kind === kind);
    const why = requested
      ? `it requested ${kind} but the user did not grant it (change grants with \`sdx grants\`)`
      : `it did not request ${kind} (add ${BUILDER[kind]} to @extension({ permissions }) and re-install)`;
    return permissionDenied(kind, `${this.extensionId} may not ${what}: ${why}`, auditTarget ?? what);
  }

  private require(kind: PermissionKind, what: string): void {
    if (!this.has(kind)) throw this.missing(kind, what);
  }

  /** Whether an entry (canonical absolute path, path relative to its location) is readable. */
  canReadEntry(absolutePath: string, relativePath: string): boolean {
    return this.entryRules.some((rule) => this.ruleAllows(rule, absolutePath, relativePath));
  }

  private ruleAllows(rule: EntryRule, absolutePath: string, relativePath: string): boolean {
    if (!rule.match(rule.absolute ? absolutePath : relativePath)) return false;
    return rule.grant.scope.length === 0 || rule.grant.scope.some((dir) => isWithin(absolutePath, dir));
  }

  /** Throws PermissionDenied(read_entries), distinguishing "no grant", "glob" and "scope". */
  requireReadEntry(absolutePath: string, relativePath: string, label: string): void {
    if (this.canReadEntry(absolutePath, relativePath)) return;
    if (this.entryRules.length === 0) throw this.missing("read_entries", `read ${label}`, absolutePath);
    const globOk = this.entryRules.some((r) => r.match(r.absolute ? absolutePath : relativePath));
    const reason = globOk
      ? "it lies outside the paths the user granted read_entries for"
      : `it does not match the read_entries glob (${this.entryRules.map(globOf).join(", ")})`;
    throw permissionDenied("read_entries", `${this.extensionId} may not read ${label}: ${reason}`, absolutePath);
  }

  /**
   * Throws PermissionDenied(write_files) unless a write_files grant covers the file (canonical
   * absolute path; path relative to its location): its glob matches and it lies in the grant's scope.
   */
  requireWriteFile(absolutePath: string, relativePath: string, label: string): void {
    if (this.fileRules.some((rule) => this.ruleAllows(rule, absolutePath, relativePath))) return;
    if (this.fileRules.length === 0) throw this.missing("write_files", label, absolutePath);
    const globOk = this.fileRules.some((r) => r.match(r.absolute ? absolutePath : relativePath));
    const reason = globOk
      ? "it lies outside the folders the user granted write_files for"
      : `it does not match the write_files glob (${this.fileRules.map(globOf).join(", ")})`;
    throw permissionDenied("write_files", `${this.extensionId} may not ${label}: ${reason}`, absolutePath);
  }

  /** A directory may be created inside any write_files scope (globs name files, not folders). */
  requireWriteDirectory(absolutePath: string, label: string): void {
    if (this.fileRules.some((r) => r.grant.scope.length === 0 || r.grant.scope.some((dir) => isWithin(absolutePath, dir)))) return;
    if (this.fileRules.length === 0) throw this.missing("write_files", label, absolutePath);
    throw permissionDenied("write_files", `${this.extensionId} may not ${label}: it lies outside the folders the user granted write_files for`, absolutePath);
  }

  /**
   * Whether any readable entry can lie under `dir` (canonical): some read_entries grant has an
   * empty scope, a scope path inside `dir`, or `dir` inside a scope path.
   */
  mayReadUnder(dir: string): boolean {
    return this.entryRules.some(
      (r) => r.grant.scope.length === 0 || r.grant.scope.some((s) => isWithin(dir, s) || isWithin(s, dir)),
    );
  }

  requireReadEntriesUnder(dir: string): void {
    if (this.entryRules.length === 0) throw this.missing("read_entries", "query entries", dir);
    if (!this.mayReadUnder(dir)) {
      throw permissionDenied("read_entries", `${this.extensionId} may not read entries under the queried path: it lies outside the paths the user granted read_entries for`, dir);
    }
  }

  requireReadEntries(what: string): void {
    this.require("read_entries", what);
  }

  private requireKind(kind: "read_sidecars" | "write_sidecars", sidecarKind: string): void {
    const ok = this.grants.some((g) => g.permission.kind === kind && g.permission.kinds.includes(sidecarKind));
    if (ok) return;
    if (this.has(kind)) {
      throw permissionDenied(kind, `${this.extensionId} may not ${kind === "read_sidecars" ? "read" : "write"} sidecars of kind "${sidecarKind}": its ${kind} grant covers only ${this.sidecarKinds(kind).join(", ")}`, sidecarKind);
    }
    throw this.missing(kind, `${kind === "read_sidecars" ? "read" : "write"} "${sidecarKind}" sidecars`, sidecarKind);
  }

  private sidecarKinds(kind: "read_sidecars" | "write_sidecars"): string[] {
    return this.grants.flatMap((g) => (g.permission.kind === kind ? g.permission.kinds : []));
  }

  requireReadSidecar(sidecarKind: string): void {
    this.requireKind("read_sidecars", sidecarKind);
  }

  requireWriteSidecar(sidecarKind: string): void {
    this.requireKind("write_sidecars", sidecarKind);
  }

  requireWriteTags(): void {
    this.require("write_tags", "add or remove tags");
  }

  requireWriteCollections(): void {
    this.require("write_collections", "create or change collections");
  }

  requireWriteCustomMetadata(): void {
    this.require("write_custom_metadata", "write custom metadata");
  }

  requireDispatchJobs(): void {
    this.require("dispatch_jobs", "dispatch jobs");
  }

  /** Some use_model grant, whatever its category: asked before saying whether a model exists. */
  requireSomeUseModel(what: string): void {
    if (!this.has("use_model")) throw this.missing("use_model", what);
  }

  /** use_model is granted per category (`"face_detection"`, `"llm"`, …). */
  requireUseModel(category: string): void {
    if (this.grants.some((g) => g.permission.kind === "use_model" && g.permission.category === category)) return;
    throw this.missing("use_model", `use models of category "${category}"`);
  }

  /** use_devices covers the capabilities it was requested with. */
  requireUseDevices(capabilities: readonly string[]): void {
    const granted = new Set(this.grants.flatMap((g) => (g.permission.kind === "use_devices" ? g.permission.capabilities : [])));
    if (this.has("use_devices") && capabilities.every((c) => granted.has(c))) return;
    if (this.has("use_devices")) {
      throw permissionDenied("use_devices", `${this.extensionId} may not select devices with capabilities ${capabilities.join(", ")}: its grant covers ${[...granted].join(", ") || "none"}`);
    }
    throw this.missing("use_devices", "select devices");
  }
}
