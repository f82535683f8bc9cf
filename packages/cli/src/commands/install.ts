/**
 * `sdx install <bundle> --library <dir> [--grant <path>…] [--yes]`, `sdx uninstall <id>`,
 * `sdx grants [<id>] [--grant <path>…] [--revoke <n>…]`.
 */
import { resolve } from "node:path";
import pc from "picocolors";
import { Host, listInstalled, grantsFor, getInstalled, updateGrants, uninstallExtension, Library } from "@sdx/host";
import { loadBundleFile } from "./load-bundle.js";
import { UserError } from "../errors.js";
import type { CommandResult } from "../output.js";
import { askGrants, canonicalPaths, describePermission, grantAll, isPathScoped } from "./grant-prompts.js";

export async function installCommand(bundlePath: string, options: { library: string; grant: string[]; yes?: boolean }): Promise<CommandResult<unknown>> {
  const bundle = await loadBundleFile(bundlePath);
  const bytes = bundle.bytes;
  const grants = options.yes || options.grant.length > 0 && !process.stdin.isTTY ? grantAll(bundle.manifest, options.grant) : await askGrants(bundle.manifest, options.grant);
  const host = await Host.open({ libraryDir: resolve(options.library), recover: "queued" });
  try {
    const installed = await host.install(bytes, { grants });
    const lines = [
      `${pc.green("✔")} installed ${installed.id}@${installed.version}${installed.previousVersion ? ` (was ${installed.previousVersion})` : ""} in ${resolve(options.library)}`,
      ...installed.grants.map((g) => `  [${g.index}] ${describePermission(g.permission)}${g.scope.length ? ` — in ${g.scope.join(", ")}` : ""}`),
    ];
    const denied = bundle.manifest.permissions.length - installed.grants.length;
    if (denied > 0) lines.push(pc.yellow(`  ${denied} requested permission(s) not granted: calls needing them will fail with PermissionDenied`));
    return { data: { id: installed.id, version: installed.version, previousVersion: installed.previousVersion, grants: installed.grants, migratedModels: installed.migratedModels }, human: lines.join("\n") };
  } finally {
    await host.close();
  }
}

export async function uninstallCommand(id: string, options: { library: string; purge?: boolean }): Promise<CommandResult<unknown>> {
  const library = Library.open(resolve(options.library));
  try {
    if (!getInstalled(library, id)) throw new UserError(`${id} is not installed in ${library.dir}`, "SDX3010");
    uninstallExtension(library, id, { purge: Boolean(options.purge) });
    return { data: { id, uninstalled: true, purged: Boolean(options.purge) }, human: `${pc.green("✔")} uninstalled ${id}${options.purge ? " and deleted its models" : " (its models are kept; --purge deletes them)"}` };
  } finally {
    library.close();
  }
}

export async function grantsCommand(id: string | undefined, options: { library: string; grant: string[]; revoke: string[] }): Promise<CommandResult<unknown>> {
  const library = Library.open(resolve(options.library));
  try {
    if (!id) {
      const installed = listInstalled(library).map((ext) => ({ ...ext, grants: grantsFor(library, ext.id) }));
      return {
        data: installed,
        human: installed.length === 0 ? "no extensions installed" : installed.map((ext) => [`${pc.bold(ext.id)}@${ext.version}`, ...ext.grants.map((g) => `  [${g.index}] ${describePermission(g.permission)}${g.scope.length ? ` — in ${g.scope.join(", ")}` : ""}`)].join("\n")).join("\n"),
      };
    }
    const installed = getInstalled(library, id);
    if (!installed) throw new UserError(`${id} is not installed in ${library.dir}`, "SDX3010");
    let grants = grantsFor(library, id);
    if (options.grant.length > 0 || options.revoke.length > 0) {
      const revoked = new Set(options.revoke.map(Number));
      const scope = options.grant.length ? canonicalPaths(options.grant) : null;
      const inputs = installed.manifest.permissions.flatMap((p, permission) => {
        if (revoked.has(permission)) return [];
        const current = grants.find((g) => g.index === permission);
        if (!current && !scope) return [];
        return [{ permission, scope: scope && isPathScoped(p) ? scope : current?.scope ?? [] }];
      });
      grants = updateGrants(library, id, inputs);
    }
    return {
      data: { id, grants, requested: installed.manifest.permissions },
      human: installed.manifest.permissions.map((p, i) => {
        const g = grants.find((x) => x.index === i);
        return `  [${i}] ${g ? pc.green("granted") : pc.red("denied ")} ${describePermission(p)}${g?.scope.length ? ` — in ${g.scope.join(", ")}` : ""}`;
      }).join("\n"),
    };
  } finally {
    library.close();
  }
}
