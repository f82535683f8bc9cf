/**
 * The house's rules that eslint cannot see (docs/architecture.md): no import cycle between files
 * or between the host's folders, and what installing a runtime package pulls in. The floors
 * themselves ("an import only points down") are `no-restricted-imports` rules in eslint.config.js.
 */
import { describe, expect, it } from "vitest";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const PACKAGES = readdirSync(join(ROOT, "packages")).filter((name) => statSync(join(ROOT, "packages", name)).isDirectory());

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "__tests__" ? [] : sourceFiles(path);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts") && !entry.name.endsWith(".d.ts") ? [path] : [];
  });
}

/** Relative imports of each file (type-only imports included: they are edges of the design too). */
function importGraph(files: string[]): Map<string, string[]> {
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const text = readFileSync(file, "utf8");
    const targets = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^;]*?from\s+"(\.{1,2}\/[^"]+)"/g)]
      .map((m) => resolve(dirname(file), m[1]!.replace(/\.js$/, ".ts")))
      .filter((target) => known.has(target));
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/** Strongly connected components with more than one member (Tarjan): the import cycles. */
function cycles<T>(graph: Map<T, T[]>): T[][] {
  let index = 0;
  const stack: T[] = [];
  const meta = new Map<T, { index: number; low: number; onStack: boolean }>();
  const found: T[][] = [];
  const visit = (node: T) => {
    meta.set(node, { index, low: index, onStack: true });
    index++;
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (!meta.has(next)) {
        visit(next);
        meta.get(node)!.low = Math.min(meta.get(node)!.low, meta.get(next)!.low);
      } else if (meta.get(next)!.onStack) meta.get(node)!.low = Math.min(meta.get(node)!.low, meta.get(next)!.index);
    }
    if (meta.get(node)!.low === meta.get(node)!.index) {
      const component: T[] = [];
      let member: T;
      do {
        member = stack.pop()!;
        meta.get(member)!.onStack = false;
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || (graph.get(node) ?? []).includes(node)) found.push(component);
    }
  };
  for (const node of graph.keys()) if (!meta.has(node)) visit(node);
  return found;
}

describe("the house", () => {
  it.each(PACKAGES)("packages/%s has no import cycle between its files", (name) => {
    const src = join(ROOT, "packages", name, "src");
    const graph = importGraph(sourceFiles(src));
    expect(cycles(graph).map((c) => c.map((f) => relative(src, f)).sort())).toEqual([]);
  });

  it("the host's folders form no cycle", () => {
    const src = join(ROOT, "packages/host/src");
    const folderOf = (file: string) => relative(src, file).split("/")[0]!.replace(/\.ts$/, "");
    const folders = new Map<string, string[]>();
    for (const [file, targets] of importGraph(sourceFiles(src))) {
      const from = folderOf(file);
      const edges = folders.get(from) ?? [];
      for (const target of targets) if (folderOf(target) !== from) edges.push(folderOf(target));
      folders.set(from, [...new Set(edges)]);
    }
    expect(folders.get("store")).not.toContain("ops");
    expect(cycles(folders)).toEqual([]);
  });

  /** Every dependency a package pulls in, through the workspace packages it depends on. */
  function installs(name: string, seen = new Set<string>()): Set<string> {
    const manifest = JSON.parse(readFileSync(join(ROOT, "packages", name.replace(/^@sdx\//, ""), "package.json"), "utf8")) as { dependencies?: Record<string, string> };
    for (const dep of Object.keys(manifest.dependencies ?? {})) {
      if (seen.has(dep)) continue;
      seen.add(dep);
      if (dep.startsWith("@sdx/")) installs(dep, seen);
    }
    return seen;
  }

  it("installing @sdx/host installs no build toolchain", () => {
    const deps = installs("@sdx/host");
    for (const tool of ["@sdx/bundle", "@sdx/codegen", "@sdx/cli", "esbuild", "ts-morph", "typescript", "assemblyscript"]) expect(deps).not.toContain(tool);
    expect(deps).toContain("@sdx/bundle-format");
    expect(deps).toContain("@sdx/sandbox");
  });

  it("@sdx/sandbox depends on the protocol and QuickJS only; @sdx/bundle-format on no build tool", () => {
    // spdx-*: the manifest schema checks that a license is an SPDX expression (@sdx/sdk/manifest, host-side).
    expect([...installs("@sdx/sandbox")].sort()).toEqual([
      "@jitl/quickjs-wasmfile-release-sync", "@sdx/sdk", "quickjs-emscripten-core", "spdx-expression-parse", "zod",
    ]);
    const format = installs("@sdx/bundle-format");
    for (const tool of ["@sdx/bundle", "@sdx/codegen", "esbuild", "ts-morph", "assemblyscript"]) expect(format).not.toContain(tool);
  });
});
