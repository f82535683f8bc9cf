/**
 * Stage 1a: creates the TypeScript project for the author's extension.
 *
 * Input: the project directory and entry. Output: a `TsProject` rooted at the entry module (and,
 * with a tsconfig.json, its files) with compiler options that make `@sdx/sdk` resolve even when the
 * project has no node_modules. Must not: write files, or read anything but the project and the sdk.
 */
import { existsSync, readFileSync } from "node:fs";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import { TsProject } from "./ts-project.js";
import { ts } from "./typescript.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { tsDiagnostic } from "./type-errors.js";
import { GUEST_ENV, installedSdkDir, sdkPaths, sdkResolves } from "./sdk-location.js";

export interface ProjectOptions {
  projectDir: string;
  entry?: string;
}

export interface ProjectSetup {
  project: TsProject;
  projectDir: string;
  /** Absolute path of the entry module; null when it does not exist. */
  entryFile: string | null;
  configFile: string | null;
  /** Problems with tsconfig.json, package.json or the entry (SDX1031, SDX1036). */
  diagnostics: Diagnostic[];
}

/** The options used when the project has no tsconfig.json (see packages/codegen/README.md). */
export const DEFAULT_TSCONFIG = {
  target: "ES2023",
  module: "ESNext",
  moduleResolution: "Bundler",
  strict: true,
  experimentalDecorators: false,
  lib: ["ES2023"],
  types: [GUEST_ENV],
  skipLibCheck: true,
  noEmit: true,
} as const;

/** `package.json` "sdx".entry, else `src/index.ts`; relative to the project. */
export function entryOf(projectDir: string, entry: string | undefined, diagnostics: Diagnostic[]): string {
  if (entry) return isAbsolute(entry) ? entry : resolve(projectDir, entry);
  const pkgPath = join(projectDir, "package.json");
  if (existsSync(pkgPath)) {
    try {
      const pkg = JSON.parse(readFileSync(pkgPath, "utf8")) as { sdx?: { entry?: unknown } };
      if (typeof pkg.sdx?.entry === "string") return resolve(projectDir, pkg.sdx.entry);
    } catch (error) {
      diagnostics.push({
        code: "SDX1036",
        severity: "error",
        message: `package.json is not valid JSON: ${(error as Error).message}`,
        span: { file: pkgPath, start: 0, length: 0 },
        hint: "Fix package.json; sdx reads its \"sdx\".entry field.",
        notes: [],
      });
    }
  }
  return resolve(projectDir, "src/index.ts");
}

/** Files of the project that are not the extension's TypeScript (generated output, AssemblyScript kernels, dependencies). */
export function isExcludedFile(projectDir: string, file: string): boolean {
  const rel = file.startsWith(projectDir + sep) || file.startsWith(projectDir + "/") ? file.slice(projectDir.length + 1).split(sep).join("/") : null;
  if (file.includes("/node_modules/")) return true;
  if (rel === null) return false;
  return rel.startsWith("generated/") || rel.startsWith("kernels/");
}

function compilerOptions(projectDir: string, diagnostics: Diagnostic[]): { options: ts.CompilerOptions; fileNames: string[]; configFile: string | null } {
  const configFile = join(projectDir, "tsconfig.json");
  if (!existsSync(configFile)) {
    const converted = ts.convertCompilerOptionsFromJson(DEFAULT_TSCONFIG, projectDir);
    return { options: converted.options, fileNames: [], configFile: null };
  }
  const read = ts.readConfigFile(configFile, ts.sys.readFile);
  if (read.error) diagnostics.push(tsDiagnostic(read.error));
  const parsed = ts.parseJsonConfigFileContent(read.config ?? {}, ts.sys, projectDir, undefined, configFile);
  for (const error of parsed.errors) {
    // "No inputs were found" is not a problem: the entry is added explicitly.
    if (error.code !== 18003) diagnostics.push(tsDiagnostic(error));
  }
  return { options: parsed.options, fileNames: parsed.fileNames, configFile };
}

/**
 * Makes `@sdx/sdk` resolve to the installed sdk when the project cannot resolve it itself, and
 * replaces the `@sdx/sdk/guest-env` type library (type libraries ignore `paths`) by a root file.
 */
function withSdk(projectDir: string, options: ts.CompilerOptions): { options: ts.CompilerOptions; extraRoots: string[] } {
  if (sdkResolves(projectDir, options)) return { options, extraRoots: [] };
  const sdkDir = installedSdkDir();
  const paths: Record<string, string[]> = { ...sdkPaths(sdkDir), ...(options.paths ?? {}) };
  const types = options.types;
  const wantsGuestEnv = types?.includes(GUEST_ENV) ?? false;
  return {
    options: { ...options, paths, ...(types ? { types: types.filter((t) => t !== GUEST_ENV) } : {}) },
    extraRoots: wantsGuestEnv ? [join(sdkDir, "guest-env.d.ts")] : [],
  };
}

export function createProjectSetup(input: ProjectOptions): ProjectSetup {
  const diagnostics: Diagnostic[] = [];
  const projectDir = resolve(input.projectDir);
  const entry = entryOf(projectDir, input.entry, diagnostics);
  const base = compilerOptions(projectDir, diagnostics);
  const { options, extraRoots } = withSdk(projectDir, { ...base.options, noEmit: true });
  const entryFile = existsSync(entry) ? entry : null;
  if (!entryFile) {
    diagnostics.push({
      code: "SDX1036",
      severity: "error",
      message: `Entry module ${relative(projectDir, entry).split(sep).join("/")} does not exist`,
      span: null,
      hint: "Create the entry module (default src/index.ts) or set \"sdx\": { \"entry\": \"…\" } in package.json.",
      notes: [],
    });
  }
  const roots = new Set([...base.fileNames.filter((f) => !isExcludedFile(projectDir, f)), ...extraRoots]);
  if (entryFile) roots.add(entryFile);
  return { project: new TsProject(options, roots), projectDir, entryFile, configFile: base.configFile, diagnostics };
}
