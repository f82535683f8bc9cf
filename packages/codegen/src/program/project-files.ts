/**
 * Stage 1e: the project's non-TypeScript inputs: `ui_manifest.json`, `prompts/`, and the exported
 * functions of AssemblyScript kernels in `kernels/*.ts` (parsed syntactically only: they are not
 * TypeScript programs and are never type-checked here), following re-exports into relative modules
 * and the SDK's stock kernels (`export * from "@sdx/sdk/kernels"`).
 *
 * Input: the project directory. Output: sorted lists. Must not: compile kernels (the bundle does).
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { sdkKernelsDir } from "./sdk-location.js";
import { ts } from "./typescript.js";

export interface ProjectFiles {
  hasUi: boolean;
  prompts: string[];
  kernels: string[];
}

function listFiles(dir: string, prefix = ""): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith(".")) continue;
    const path = join(dir, name);
    const rel = prefix ? `${prefix}/${name}` : name;
    if (statSync(path).isDirectory()) out.push(...listFiles(path, rel));
    else out.push(rel);
  }
  return out;
}

/** The file an AssemblyScript module specifier names: relative (`./x`, `./x/index`) or the SDK's kernels. */
type ResolveKernelModule = (specifier: string, fromFile: string) => string | null;

function tsFile(base: string): string | null {
  const stem = base.replace(/\.(ts|js)$/, "");
  for (const candidate of [`${stem}.ts`, join(stem, "index.ts")]) if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  return null;
}

export function kernelModuleResolver(projectDir: string): ResolveKernelModule {
  let sdkDir: string | null | undefined;
  return (specifier, fromFile) => {
    if (specifier.startsWith(".")) return tsFile(join(dirname(fromFile), specifier));
    const sdk = /^@sdx\/sdk\/kernels(\/.*)?$/.exec(specifier);
    if (!sdk) return null;
    sdkDir ??= sdkKernelsDir(projectDir);
    return sdkDir ? tsFile(join(sdkDir, sdk[1] ?? "index")) : null;
  };
}

/** Exported functions of an AssemblyScript module; `export … from` is followed when `resolve` finds the module. */
export function kernelExports(source: string, fileName = "kernel.ts", resolve: ResolveKernelModule = () => null, seen = new Set<string>([fileName])): string[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const names: string[] = [];
  for (const statement of file.statements) {
    if (ts.isFunctionDeclaration(statement) && statement.name && (ts.getModifiers(statement) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) {
      names.push(statement.name.text);
    } else if (ts.isExportDeclaration(statement) && !statement.isTypeOnly) {
      if (statement.exportClause && ts.isNamedExports(statement.exportClause)) {
        names.push(...statement.exportClause.elements.map((e) => e.name.text));
      } else if (!statement.exportClause && statement.moduleSpecifier && ts.isStringLiteral(statement.moduleSpecifier)) {
        const target = resolve(statement.moduleSpecifier.text, fileName);
        if (target && !seen.has(target)) {
          seen.add(target);
          names.push(...kernelExports(readFileSync(target, "utf8"), target, resolve, seen));
        }
      }
    }
  }
  return names;
}

export function readProjectFiles(projectDir: string): ProjectFiles {
  const promptsDir = join(projectDir, "prompts");
  const kernelsDir = join(projectDir, "kernels");
  const prompts = existsSync(promptsDir) && statSync(promptsDir).isDirectory() ? listFiles(promptsDir) : [];
  const kernels = new Set<string>();
  if (existsSync(kernelsDir) && statSync(kernelsDir).isDirectory()) {
    const resolve = kernelModuleResolver(projectDir);
    for (const name of readdirSync(kernelsDir).sort()) {
      if (!name.endsWith(".ts") || name.endsWith(".d.ts")) continue;
      const path = join(kernelsDir, name);
      for (const fn of kernelExports(readFileSync(path, "utf8"), path, resolve)) kernels.add(fn);
    }
  }
  return { hasUi: existsSync(join(projectDir, "ui_manifest.json")), prompts, kernels: [...kernels].sort() };
}
