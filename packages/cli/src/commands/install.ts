/**
 * `sdx install <bundle> --library <dir> [--grant <path>…] [--yes] [--replace-author] [--allow-downgrade]`,
 * `sdx uninstall <id>`, `sdx grants [<id>] [--grant <path>…] [--revoke <n>…]`.
 */
import { resolve } from "node:path";
import pc from "picocolors";
import { Host, listInstalled, grantsFor, getInstalled, updateGrants, uninstallExtension, Library, type AuthorOutcome } from "@sdx/host";
import { permissionSentence } from "@sdx/sdk/manifest";
import { loadBundleFile } from "./load-bundle.js";
import { UserError } from "../errors.js";
import type { CommandResult } from "../output.js";
import { askGrants, canonicalPaths, grantAll, isPathScoped } from "./grant-prompts.js";

export interface InstallFlags {
  library: string;
  grant: string[];
  yes?: boolean;
  replaceAuthor?: boolean;
  allowDowngrade?: boolean;
}

/** What an install did about the bundle's author, in one line for people. */
export function describeAuthor(author: AuthorOutcome): string {
  switch (author.change) {
    case "unsigned":
      return pc.yellow("  unsigned: nothing proves who built this bundle (fine for local development; sign with `sdx build --key`)");
    case "bound":
      return `  signed by ${author.signedBy}; this id is now bound to that key`;
    case "same":
      return `  signed by ${author.signedBy} (the key this id is bound to)`;
    case "rotated":
      return `  signed by ${author.signedBy}, a key ${author.previousKey} handed this id to (a key rotation the bundle carries); the id is now bound to it`;
    case "replaced":
      return pc.yellow(`  author replaced (--replace-author): the id was bound to ${author.previousKey}, ${author.signedBy ? `now to ${author.signedBy}` : "and this bundle is unsigned: it is bound to no key now"}`);
  }
}

export async function installCommand(bundlePath: string, options: InstallFlags): Promise<CommandResult<unknown>> {
  const bundle = await loadBundleFile(bundlePath);
  const bytes = bundle.bytes;
  const grants = options.yes || options.grant.length > 0 && !process.stdin.isTTY ? grantAll(bundle.manifest, options.grant) : await askGrants(bundle.manifest, options.grant);
  const host = await Host.open({ libraryDir: resolve(options.library), recover: "queued" });
  try {
    const installed = await host.install(bytes, { grants, replaceAuthor: options.replaceAuthor, allowDowngrade: options.allowDowngrade });
    const lines = [
      `${pc.green("✔")} installed ${installed.id}@${installed.version}${installed.previousVersion ? ` (was ${installed.previousVersion})` : ""} in ${resolve(options.library)}`,
      describeAuthor(installed.author),
      ...installed.grants.map((g) => `  [${g.index}] ${permissionSentence(g.permission)}${g.scope.length ? ` — in ${g.scope.join(", ")}` : ""}`),
    ];
    const denied = bundle.manifest.permissions.length - installed.grants.length;
    if (denied > 0) lines.push(pc.yellow(`  ${denied} requested permission(s) not granted: calls needing them will fail with PermissionDenied`));
    return {
      data: {
        id: installed.id, version: installed.version, previousVersion: installed.previousVersion, signed: installed.author.signedBy !== null,
        author: installed.author, grants: installed.grants, migratedModels: installed.migratedModels,
      },
      human: lines.join("\n"),
    };
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
        human: installed.length === 0 ? "no extensions installed" : installed.map((ext) => [`${pc.bold(ext.id)}@${ext.version} ${pc.dim(ext.signedBy ? `signed by ${ext.signedBy}` : "unsigned")}`, ...ext.grants.map((g) => `  [${g.index}] ${permissionSentence(g.permission)}${g.scope.length ? ` — in ${g.scope.join(", ")}` : ""}`)].join("\n")).join("\n"),
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
        return `  [${i}] ${g ? pc.green("granted") : pc.red("denied ")} ${permissionSentence(p)}${g?.scope.length ? ` — in ${g.scope.join(", ")}` : ""}`;
      }).join("\n"),
    };
  } finally {
    library.close();
  }
}
