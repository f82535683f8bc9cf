/**
 * Turning `--grant <path>` flags or interactive answers into grants: one per requested
 * permission, each scoped to paths (none = the whole library). Permissions are put to the user
 * in the words of `permissionSentence` (@sdx/sdk/manifest), the sentence stores show.
 */
import { realpathSync, existsSync } from "node:fs";
import { resolve } from "node:path";
import { permissionSentence, type Manifest, type ManifestPermission } from "@sdx/sdk/manifest";
import type { GrantInput } from "@sdx/host";
import { UserError, UsageError } from "../errors.js";

/** Path-scoped permissions: the ones where a location scope means something. */
export function isPathScoped(p: ManifestPermission): boolean {
  return p.kind === "read_entries" || p.kind === "read_sidecars" || p.kind === "write_sidecars" || p.kind === "write_tags" || p.kind === "write_custom_metadata" || p.kind === "write_files";
}

export function canonicalPaths(paths: string[]): string[] {
  return paths.map((p) => {
    const abs = resolve(p);
    if (!existsSync(abs)) throw new UserError(`--grant ${p}: no such directory ${abs}`);
    return realpathSync(abs);
  });
}

/** Non-interactive: every requested permission, path-scoped ones limited to `paths`. */
export function grantAll(manifest: Manifest, paths: string[]): GrantInput[] {
  const scope = canonicalPaths(paths);
  return manifest.permissions.map((p, permission) => ({ permission, scope: isPathScoped(p) ? scope : [] }));
}

/** Interactive: ask for each permission, and for path scopes. */
export async function askGrants(manifest: Manifest, defaultPaths: string[]): Promise<GrantInput[]> {
  if (!process.stdin.isTTY) {
    throw new UsageError("no terminal to ask for permissions: pass --yes (and --grant <path> to limit the scope)");
  }
  const { confirm, input } = await import("@inquirer/prompts");
  const grants: GrantInput[] = [];
  for (const [permission, p] of manifest.permissions.entries()) {
    const ok = await confirm({ message: `Allow ${manifest.name} to ${permissionSentence(p)}?`, default: true });
    if (!ok) continue;
    let scope: string[] = [];
    if (isPathScoped(p)) {
      const answer = await input({ message: "  limited to these folders (comma-separated; empty = the whole library):", default: defaultPaths.join(",") });
      scope = canonicalPaths(answer.split(",").map((s) => s.trim()).filter(Boolean));
    }
    grants.push({ permission, scope });
  }
  return grants;
}
