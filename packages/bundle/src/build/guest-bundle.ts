/**
 * Stage: generated/entry.ts + the author's sources → one guest JavaScript file (esbuild: iife,
 * target es2023 so TC39 decorators are lowered for QuickJS) and its source map (sources named the
 * same on every machine, source-map.ts), so the host can point a guest stack at the author's
 * TypeScript. Must not: let a Node built-in into the guest (located SDX2001 error), or depend on
 * the project having @sdx/sdk installed.
 */
import { builtinModules, createRequire } from "node:module";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
// require(), not import: Node scans a CommonJS module for named exports before an ESM import
// (~70 ms of CPU for esbuild's API at every build).
// eslint-disable-next-line @typescript-eslint/no-require-imports
import esbuild = require("esbuild");
import type { Diagnostic } from "@sdx/codegen";
import { bundleDiagnostic } from "./diagnostics.js";
import { normalizeSourceMap } from "./source-map.js";

const require = createRequire(import.meta.url);
const NODE_BUILTINS = new Set(builtinModules.flatMap((m) => [m, m.split("/")[0]!]));

/** The sdk this sdx installation ships, used when the project has none of its own. */
export function installedSdkDir(): string {
  return dirname(require.resolve("@sdx/sdk/package.json"));
}

function sdkResolverPlugin(projectDir: string): esbuild.Plugin {
  const projectHasSdk = existsSync(join(projectDir, "node_modules", "@sdx", "sdk", "package.json"));
  return {
    name: "sdx-sdk",
    setup(build) {
      if (projectHasSdk) return;
      build.onResolve({ filter: /^@sdx\/sdk(\/.*)?$/ }, (args) => ({ path: require.resolve(args.path) }));
    },
  };
}

const forbidNodePlugin: esbuild.Plugin = {
  name: "sdx-sandbox-imports",
  setup(build) {
    build.onResolve({ filter: /.*/ }, (args) => {
      const bare = args.path.startsWith("node:") ? args.path.slice(5) : args.path;
      if (args.path.startsWith("node:") || NODE_BUILTINS.has(bare)) {
        return { errors: [{ text: `"${args.path}" is a Node built-in; extensions run in a sandbox without Node` }] };
      }
      return undefined;
    });
  },
};

export interface GuestBundleResult {
  js: string | null;
  /** Source map (v3 JSON) of `js`; null when the build failed. */
  map: string | null;
  diagnostics: Diagnostic[];
}

export interface GuestBundler {
  build(): Promise<GuestBundleResult>;
  dispose(): Promise<void>;
}

/** An incremental esbuild context: the first build is cold, later ones reuse esbuild's caches. */
export async function createGuestBundler(projectDir: string, entryFile: string): Promise<GuestBundler> {
  // Nothing is written (write: false); the name only places the map's relative source paths.
  const outfile = join(projectDir, "generated", "guest.js");
  const context = await esbuild.context({
    absWorkingDir: projectDir,
    entryPoints: [entryFile],
    bundle: true,
    write: false,
    format: "iife",
    platform: "neutral",
    mainFields: ["module", "main"],
    conditions: ["sdx-guest", "import", "default"],
    target: "es2023",
    charset: "utf8",
    legalComments: "none",
    logLevel: "silent",
    outfile,
    // "external": a map beside the code and no sourceMappingURL comment in it; its sources are
    // renamed to machine-independent names, so bundles stay byte-identical across machines.
    sourcemap: "external",
    sourcesContent: false,
    plugins: [forbidNodePlugin, sdkResolverPlugin(projectDir)],
  });
  return {
    async build() {
      try {
        const result = await context.rebuild();
        const files = result.outputFiles ?? [];
        const js = files.find((f) => f.path.endsWith(".js"))?.text ?? "";
        const map = files.find((f) => f.path.endsWith(".map"))?.text;
        return { js, map: map ? normalizeSourceMap(map, dirname(outfile), projectDir) : null, diagnostics: [] };
      } catch (error) {
        const failure = error as esbuild.BuildFailure;
        if (!Array.isArray(failure.errors)) throw error;
        return {
          js: null,
          map: null,
          diagnostics: failure.errors.map((message) =>
            bundleDiagnostic(
              message.pluginName === "sdx-sandbox-imports" ? "SDX2001" : "SDX2002",
              message.text,
              message.location ? { ...message.location, cwd: projectDir } : null,
            ),
          ),
        };
      }
    },
    dispose: () => context.dispose(),
  };
}
