/**
 * A project made by `sdx init` works outside the repository, with no package registry for sdx's
 * own packages: `sdx init my-ext && cd my-ext && npm install && npm run build && npm test` in a
 * temporary directory, and the TypeScript compiler (what editors run) sees the SDK's types.
 * npm fetches only vitest's own dependencies (from its cache when it has them).
 */
import { describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { existsSync, lstatSync, readFileSync, realpathSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { sdxJson, tempDir } from "./helpers/cli.js";

const repo = fileURLToPath(new URL("..", import.meta.url));
const tsc = join(repo, "node_modules", "typescript", "bin", "tsc");

/**
 * A command as a shell runs it, with only the system PATH: no sdx of the repository on it.
 * Asynchronous: a minute-long spawnSync would starve vitest's own messages to its worker.
 */
function sh(cmd: string, args: string[], cwd: string): Promise<{ status: number; output: string }> {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0", PATH: (process.env.PATH ?? "").split(":").filter((p) => !p.startsWith(repo)).join(":") };
  for (const key of Object.keys(env)) if (key.startsWith("npm_") || key === "INIT_CWD" || key === "VITEST" || key.startsWith("VITEST_")) delete env[key];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status: status ?? -1, output }));
  });
}

describe("a project made by sdx init, outside the repository", () => {
  const work = tempDir("sdx-anywhere-");
  const project = join(work, "my-ext");

  it("depends on this installation's packages and the vitest sdx is tested with", async () => {
    expect(work.startsWith(repo)).toBe(false);
    const init = await sdxJson<{ devDependencies: Record<string, string> }>(["init", project]);
    expect(init.status).toBe(0);
    const pkg = JSON.parse(readFileSync(join(project, "package.json"), "utf8")) as { devDependencies: Record<string, string>; scripts: Record<string, string> };
    expect(pkg.devDependencies).toEqual(init.json.devDependencies);
    expect(pkg.devDependencies["@sdx/sdk"]).toBe(`file:${realpathSync(join(repo, "packages", "sdk"))}`);
    expect(pkg.devDependencies["@sdx/cli"]).toBe(`file:${realpathSync(join(repo, "packages", "cli"))}`);
    expect(pkg.devDependencies["@sdx/testing"]).toBe(`file:${realpathSync(join(repo, "packages", "testing"))}`);
    const rootPkg = JSON.parse(readFileSync(join(repo, "package.json"), "utf8")) as { devDependencies: Record<string, string> };
    expect(pkg.devDependencies.vitest).toBe(rootPkg.devDependencies.vitest);
    expect(pkg.scripts).toEqual({ build: "sdx build", test: "vitest run" });
  });

  it("npm install, npm run build and npm test pass", { timeout: 600_000 }, async () => {
    const install = await sh("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund"], project);
    expect(install.status, install.output).toBe(0);
    expect(lstatSync(join(project, "node_modules", "@sdx", "sdk")).isSymbolicLink()).toBe(true);
    expect(existsSync(join(project, "node_modules", ".bin", "sdx"))).toBe(true);

    const build = await sh("npm", ["run", "build"], project);
    expect(build.status, build.output).toBe(0);
    expect(build.output).toMatch(/✔ built dist\/org\.example\.my-ext-0\.1\.0\.sdx\.wasm/);

    const test = await sh("npm", ["test"], project);
    expect(test.status, test.output).toBe(0);
    expect(test.output).toMatch(/Tests\s+\d+ passed/);
    expect(test.output).not.toMatch(/failed/);
  });

  it("the TypeScript compiler (and so an editor) sees the SDK and the guest environment's types", async () => {
    const check = await sh(process.execPath, [tsc, "-p", "tsconfig.json"], project);
    expect(check.output).not.toMatch(/TS2688|TS2307/);
    expect(check.status, check.output).toBe(0);
  });
});
