/**
 * Stage: generated/entry.ts + the author's sources → one guest JavaScript file (esbuild: iife,
 * target es2023 so TC39 decorators are lowered for QuickJS) and its source map (sources named the
 * same on every machine, source-map.ts), so the host can point a guest stack at the author's
 * TypeScript. Must not: let a Node built-in into the guest (located SDX2001 error; a package of the
 * same name installed in node_modules, such as the `events` polyfill, is plain JavaScript and is
 * bundled), depend on the project having @sdx/sdk installed, or register an esbuild plugin (esbuild
 * would wait for this thread, which runs codegen's checks while esbuild bundles).
 */
import { createRequire, isBuiltin } from "node:module";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
// require(), not import: Node scans a CommonJS module for named exports before an ESM import
// (~70 ms of CPU for esbuild's API at every build).
// eslint-disable-next-line @typescript-eslint/no-require-imports
import esbuild = require("esbuild");
import type { Diagnostic } from "@sdx/codegen";
import { bundleDiagnostic } from "./diagnostics.js";
import { normalizeSourceMap } from "./source-map.js";

// Not named `require`: under vitest the `import … = require()` above becomes a call to `require`.
const localRequire = createRequire(import.meta.url);

/** The sdk this sdx installation ships, used when the project has none of its own. */
export function installedSdkDir(): string {
  return dirname(localRequire.resolve("@sdx/sdk/package.json"));
}

/** A package name no registry package has, so nothing but the link below answers it. */
const INSTALLED_SDK_NAME = "@sdx-installed/sdk";

/**
 * Without its own `@sdx/sdk` a project gets the sdk installed with sdx: `@sdx/sdk` is aliased to a
 * name that only a directory of the bundler's scratch space holds, a link to that sdk, so esbuild
 * resolves it (exports map and conditions included) without asking JavaScript. A plugin's callback
 * would wait for this thread, which runs the type checks while esbuild bundles.
 */
function installedSdkOptions(projectDir: string, scratch: string): Pick<esbuild.BuildOptions, "alias" | "nodePaths"> {
  if (existsSync(join(projectDir, "node_modules", "@sdx", "sdk", "package.json"))) return {};
  const modules = join(scratch, "modules");
  const link = join(modules, INSTALLED_SDK_NAME);
  mkdirSync(dirname(link), { recursive: true });
  symlinkSync(installedSdkDir(), link, "junction");
  return { alias: { "@sdx/sdk": INSTALLED_SDK_NAME }, nodePaths: [modules] };
}

/** esbuild's own error for an import it cannot resolve; for a Node built-in it adds a note saying so. */
const UNRESOLVED = /^Could not resolve "(.+)"$/;

/** SDX2001 for an import of a Node built-in, SDX2002 for any other bundling error. */
function bundleError(message: esbuild.Message, projectDir: string): Diagnostic {
  const location = message.location ? { ...message.location, cwd: projectDir } : null;
  const unresolved = UNRESOLVED.exec(message.text)?.[1];
  if (unresolved !== undefined && isBuiltin(unresolved)) {
    return bundleDiagnostic("SDX2001", `"${unresolved}" is a Node built-in; extensions run in a sandbox without Node`, location);
  }
  return bundleDiagnostic("SDX2002", message.text, location);
}

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
  // esbuild writes the guest to a scratch directory (outside the project, where no linter or
  // compiler of the author's finds it) and answers with its name only: an answer carrying the
  // code would wait in the pipe for this thread, busy with the type checks while esbuild works.
  const scratch = mkdtempSync(join(tmpdir(), "sdx-guest-"));
  const outfile = join(scratch, "guest.js");
  let context: esbuild.BuildContext;
  try {
    context = await esbuild.context({
      absWorkingDir: projectDir,
      entryPoints: [entryFile],
      bundle: true,
      write: true,
      format: "iife",
      platform: "neutral",
      mainFields: ["module", "main"],
      conditions: ["sdx-guest", "import", "default"],
      target: "es2023",
      charset: "utf8",
      legalComments: "none",
      // QuickJS compiles the whole script before running any of it, and comments and indentation
      // are a fifth of a bundle: without them a VM starts ~2 ms sooner (Photos: 154 → 126 KiB).
      // Names stay, and stacks still point at the author's TypeScript through the source map.
      minifyWhitespace: true,
      logLevel: "silent",
      outfile,
      // "external": a map beside the code and no sourceMappingURL comment in it; its sources are
      // renamed to machine-independent names, so bundles stay byte-identical across machines.
      sourcemap: "external",
      sourcesContent: false,
      // No plugins: esbuild would wait for this thread to answer them (see installedSdkOptions).
      ...installedSdkOptions(projectDir, scratch),
    });
  } catch (error) {
    rmSync(scratch, { recursive: true, force: true });
    throw error;
  }
  return {
    async build() {
      try {
        await context.rebuild();
        const js = readFileSync(outfile, "utf8");
        const map = readFileSync(`${outfile}.map`, "utf8");
        return { js, map: normalizeSourceMap(map, dirname(outfile), projectDir), diagnostics: [] };
      } catch (error) {
        const failure = error as esbuild.BuildFailure;
        if (!Array.isArray(failure.errors)) throw error;
        return {
          js: null,
          map: null,
          diagnostics: failure.errors.map((message) => bundleError(message, projectDir)),
        };
      }
    },
    async dispose() {
      await context.dispose();
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}
