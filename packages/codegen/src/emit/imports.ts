/**
 * Import statements of generated files in `<project>/generated/`: relative specifiers with the
 * `.js` extension TypeScript and esbuild both resolve, grouped per module, sorted, and local names
 * made unique. Must not: import the TypeScript compiler.
 */
import { dirname, join, relative, sep } from "node:path";
import type { ClassRef } from "../ir/ir.js";

export const GENERATED_DIR = "generated";

/** `../src/index.js` for `<project>/src/index.ts`, seen from `<project>/generated/`. */
export function specifierFrom(projectDir: string, moduleFile: string): string {
  let rel = relative(join(projectDir, GENERATED_DIR), moduleFile).split(sep).join("/");
  rel = rel.replace(/\.tsx?$/, ".js").replace(/\.mts$/, ".mjs").replace(/\.cts$/, ".cjs").replace(/\.d\.js$/, ".js");
  return rel.startsWith(".") ? rel : `./${rel}`;
}

export class ImportSet {
  private readonly byModule = new Map<string, Map<string, string>>();
  private readonly used: Set<string>;
  private readonly locals = new Map<string, string>();

  constructor(
    private readonly projectDir: string,
    reserved: readonly string[],
  ) {
    this.used = new Set(reserved);
  }

  /** The local name under which `ref` is available (added on first use). */
  local(ref: ClassRef): string {
    const key = `${ref.module}\0${ref.exportName}`;
    const existing = this.locals.get(key);
    if (existing) return existing;
    let name = ref.className === "default" ? "DefaultExport" : ref.className;
    for (let i = 2; this.used.has(name); i++) name = `${ref.className}_${i}`;
    this.used.add(name);
    this.locals.set(key, name);
    const spec = specifierFrom(this.projectDir, ref.module);
    if (!this.byModule.has(spec)) this.byModule.set(spec, new Map());
    this.byModule.get(spec)!.set(name, ref.exportName);
    return name;
  }

  hasModule(moduleFile: string): boolean {
    return this.byModule.has(specifierFrom(this.projectDir, moduleFile));
  }

  render(typeOnly: boolean): string[] {
    const lines: string[] = [];
    for (const spec of [...this.byModule.keys()].sort()) {
      const names = [...this.byModule.get(spec)!.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([local, exported]) => (local === exported ? local : `${exported} as ${local}`));
      lines.push(`import ${typeOnly ? "type " : ""}{ ${names.join(", ")} } from ${JSON.stringify(spec)};`);
    }
    return lines;
  }
}

export function relativeForComment(projectDir: string, file: string): string {
  const rel = relative(projectDir, file).split(sep).join("/");
  return rel || dirname(file);
}
