/**
 * Stage helper: esbuild's source map of the guest → the map stored in the bundle (`sdx.guest.map`).
 *
 * Input: the map esbuild wrote for an output file in `outDir`. Output: the same map with every
 * source named so that it is the same on every machine: a file of the project as its path relative
 * to the project (`src/index.ts`), a file of a package outside it (the sdx installation's SDK) as
 * `<package name>/<path inside the package>` (`@sdx/sdk/src/guest/invoke.ts`). No sources content:
 * the host only needs file:line:col. The SDK's own runtime (`@sdx/*`) is left unmapped: it is most
 * of the guest's code and none of the author's, and its map would grow the bundle by half; the host
 * shows its frames as the sdx runtime. Must not: read anything but the package.json files above a
 * source outside the project.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { decode, encode, type SourceMapSegment } from "@jridgewell/sourcemap-codec";

interface RawMap {
  version: number;
  sources: string[];
  names?: string[];
  mappings: string;
  sourcesContent?: unknown;
  sourceRoot?: string;
  [key: string]: unknown;
}

const posix = (path: string) => path.split(sep).join("/");

/** The nearest package.json above `file` with a name, as [name, its directory]. */
function owningPackage(file: string, cache: Map<string, [string, string] | null>): [string, string] | null {
  let dir = dirname(file);
  const seen: string[] = [];
  for (;;) {
    const cached = cache.get(dir);
    if (cached !== undefined) {
      for (const d of seen) cache.set(d, cached);
      return cached;
    }
    seen.push(dir);
    const manifest = join(dir, "package.json");
    if (existsSync(manifest)) {
      try {
        const name = (JSON.parse(readFileSync(manifest, "utf8")) as { name?: unknown }).name;
        if (typeof name === "string" && name) {
          for (const d of seen) cache.set(d, [name, dir]);
          return [name, dir];
        }
      } catch {
        // an unreadable package.json: keep looking above it
      }
    }
    const parent = dirname(dir);
    if (parent === dir) {
      for (const d of seen) cache.set(d, null);
      return null;
    }
    dir = parent;
  }
}

/** A source path as the bundle names it (see the header). */
export function stableSourceName(absolute: string, projectDir: string, cache = new Map<string, [string, string] | null>()): string {
  const inProject = relative(projectDir, absolute);
  if (!inProject.startsWith("..") && !inProject.startsWith(sep) && !inProject.split(sep).includes("node_modules")) return posix(inProject);
  const pkg = owningPackage(absolute, cache);
  if (pkg) return `${pkg[0]}/${posix(relative(pkg[1], absolute))}`;
  return posix(inProject);
}

/** Sources the map leaves out: the SDK's runtime (see the header). */
const isRuntime = (name: string) => name.startsWith("@sdx/");

export function normalizeSourceMap(mapJson: string, outDir: string, projectDir: string): string {
  const map = JSON.parse(mapJson) as RawMap;
  const root = map.sourceRoot ? resolve(outDir, map.sourceRoot) : outDir;
  const cache = new Map<string, [string, string] | null>();
  const named = map.sources.map((source) => stableSourceName(resolve(root, source), projectDir, cache));
  // Keep the sources that stay, renumbered, and the names their segments use.
  const sourceIndex = new Map<number, number>();
  const sources: string[] = [];
  named.forEach((name, i) => {
    if (!isRuntime(name)) sourceIndex.set(i, sources.push(name) - 1);
  });
  const names: string[] = [];
  const nameIndex = new Map<number, number>();
  const lines = decode(map.mappings).map((line) =>
    line.flatMap((segment): SourceMapSegment[] => {
      if (segment.length === 1) return [];
      const source = sourceIndex.get(segment[1]);
      if (source === undefined) return [];
      if (segment.length === 4) return [[segment[0], source, segment[2], segment[3]]];
      const oldName = segment[4];
      let name = nameIndex.get(oldName);
      if (name === undefined) nameIndex.set(oldName, (name = names.push(map.names?.[oldName] ?? "") - 1));
      return [[segment[0], source, segment[2], segment[3], name]];
    }),
  );
  return JSON.stringify({ version: map.version, sources, names, mappings: encode(lines) });
}
