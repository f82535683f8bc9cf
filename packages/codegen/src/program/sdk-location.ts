/**
 * Where the SDK's type declarations are, and how to reach them when the project has no
 * `@sdx/sdk` of its own (a project made by `sdx init` anywhere on disk).
 *
 * Input: the project's compiler options. Output: `paths` entries mapping `@sdx/sdk` and its
 * subpaths to the sdk this sdx installation ships. Must not: touch the project's files.
 */
import { createRequire } from "node:module";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { ts } from "./typescript.js";

export const SDK_PACKAGE = "@sdx/sdk";
export const GUEST_ENV = "@sdx/sdk/guest-env";

/** Directory of the sdk package installed with sdx itself. */
export function installedSdkDir(): string {
  return dirname(createRequire(import.meta.url).resolve(`${SDK_PACKAGE}/package.json`));
}

interface ExportTarget {
  types?: string;
}

/** `paths` for every `exports` subpath of the installed sdk that has types, plus `@sdx/sdk/*`. */
export function sdkPaths(sdkDir: string): Record<string, string[]> {
  const pkg = JSON.parse(readFileSync(join(sdkDir, "package.json"), "utf8")) as { exports?: Record<string, ExportTarget | string> };
  const paths: Record<string, string[]> = {};
  for (const [subpath, target] of Object.entries(pkg.exports ?? {})) {
    if (typeof target !== "object" || !target.types) continue;
    const specifier = subpath === "." ? SDK_PACKAGE : `${SDK_PACKAGE}/${subpath.slice(2)}`;
    paths[specifier] = [join(sdkDir, target.types)];
  }
  paths[`${SDK_PACKAGE}/*`] = [join(sdkDir, "dist", "*")];
  return paths;
}

/** Whether `@sdx/sdk` resolves from `fromDir` with these options (through node_modules or the project's own `paths`). */
export function sdkResolves(fromDir: string, options: ts.CompilerOptions): boolean {
  const probe = join(fromDir, "__sdx_probe__.ts");
  return ts.resolveModuleName(SDK_PACKAGE, probe, options, ts.sys).resolvedModule !== undefined;
}

/**
 * The SDK's stock AssemblyScript kernels that `export * from "@sdx/sdk/kernels"` in a project's
 * kernels/ reaches, looked up the way the AssemblyScript compiler does: the first
 * `node_modules/@sdx/sdk/kernels` from the project up, else those of the sdk installed with sdx.
 */
export function sdkKernelsDir(projectDir: string): string | null {
  for (let dir = resolve(projectDir); ; dir = dirname(dir)) {
    const candidate = join(dir, "node_modules", SDK_PACKAGE, "kernels");
    if (existsSync(join(candidate, "index.ts"))) return candidate;
    if (dirname(dir) === dir) break;
  }
  const installed = join(installedSdkDir(), "kernels");
  return existsSync(join(installed, "index.ts")) ? installed : null;
}
