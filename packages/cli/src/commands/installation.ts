/**
 * Where the sdx packages of this CLI live, so `sdx init` can wire a new project to them: no
 * package registry has them, and a project must build, type-check and test anywhere on disk.
 *
 * Two sources: the installation this CLI runs from (each `@sdx/*` package's directory, found
 * the way Node finds it from the CLI; in a clone of the repository these are its packages/),
 * linked with `file:` dependencies; or a directory of tarballs made by `npm run pack`
 * (`--packages <dir>`), for a project that must not depend on the clone staying where it is.
 */
import { existsSync, readFileSync, realpathSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { UserError } from "../errors.js";

/** What an extension project installs: the SDK (types, runtime), the CLI (`sdx`), and the test harness when there is one. */
export const PROJECT_PACKAGES = ["@sdx/sdk", "@sdx/cli", "@sdx/testing"] as const;
/** Required in every installation; `@sdx/testing` is added when the installation has it. */
const REQUIRED = new Set(["@sdx/sdk", "@sdx/cli"]);

/** The test runner of generated projects, pinned to the version sdx itself is tested with. */
export const VITEST_VERSION = "3.2.7";

/** The CLI package's own directory (dist/commands/ → the package). */
const CLI_DIR = fileURLToPath(new URL("../..", import.meta.url));

/** The directory Node would load `name` from, starting at the CLI (symlinks resolved), or null. */
function packageDir(name: string): string | null {
  if (name === "@sdx/cli") return realpathSync(CLI_DIR);
  for (let dir = CLI_DIR; ; dir = dirname(dir)) {
    const candidate = join(dir, "node_modules", name);
    if (existsSync(join(candidate, "package.json"))) return realpathSync(candidate);
    if (dirname(dir) === dir) return null;
  }
}

/** `file:` dependencies on the packages of this installation (absolute, so the project can live anywhere). */
export function linkedDependencies(): Record<string, string> {
  const deps: Record<string, string> = {};
  for (const name of PROJECT_PACKAGES) {
    const dir = packageDir(name);
    if (dir) deps[name] = `file:${dir}`;
    else if (REQUIRED.has(name)) throw new UserError(`cannot find ${name} next to this sdx (${CLI_DIR}); reinstall sdx or pass --packages <dir of tarballs from npm run pack>`);
  }
  return deps;
}

/**
 * `file:` dependencies on the tarballs in `dir` (from `npm run pack`): every one of them, since npm
 * finds the @sdx packages the installed ones depend on only at the project's top level.
 */
export function tarballDependencies(dir: string): Record<string, string> {
  const abs = resolve(dir);
  if (!existsSync(abs)) throw new UserError(`--packages: no such directory ${abs}; run \`npm run pack\` in the sdx repository first`);
  const index = join(abs, "packages.json");
  if (!existsSync(index)) throw new UserError(`--packages: ${abs} has no packages.json; it is written by \`npm run pack\` in the sdx repository`);
  const listed = JSON.parse(readFileSync(index, "utf8")) as Record<string, string>;
  const deps: Record<string, string> = {};
  for (const [name, file] of Object.entries(listed)) {
    if (!existsSync(join(abs, file))) throw new UserError(`--packages: ${join(abs, file)} is missing; run \`npm run pack\` again`);
    deps[name] = `file:${join(abs, file)}`;
  }
  for (const name of REQUIRED) if (!deps[name]) throw new UserError(`--packages: ${abs} has no tarball of ${name}`);
  return deps;
}
