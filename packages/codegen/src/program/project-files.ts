/**
 * Stage 1e: the project's non-TypeScript inputs: `ui_manifest.json`, `prompts/`, and the exported
 * functions of AssemblyScript kernels in `kernels/*.ts` (parsed syntactically only: they are not
 * TypeScript programs and are never type-checked here).
 *
 * Input: the project directory. Output: sorted lists. Must not: compile kernels (the bundle does).
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
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

export function kernelExports(source: string, fileName = "kernel.ts"): string[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const names: string[] = [];
  for (const statement of file.statements) {
    if (ts.isFunctionDeclaration(statement) && statement.name && (ts.getModifiers(statement) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) {
      names.push(statement.name.text);
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
    for (const name of readdirSync(kernelsDir).sort()) {
      if (!name.endsWith(".ts") || name.endsWith(".d.ts")) continue;
      for (const fn of kernelExports(readFileSync(join(kernelsDir, name), "utf8"), name)) kernels.add(fn);
    }
  }
  return { hasUi: existsSync(join(projectDir, "ui_manifest.json")), prompts, kernels: [...kernels].sort() };
}
