/**
 * What `sdx build` reports when the guest bundle or a check fails, through the real CLI. esbuild
 * bundles on its own thread while the main thread runs codegen's checks, so these are the cases
 * where one side fails and the other does not: a Node built-in (esbuild refuses it, the checks do
 * not), and a type error (the checks refuse it, esbuild does not).
 */
import { describe, expect, it, beforeAll } from "vitest";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sdx, sdxJson, tempDir } from "./helpers/cli.js";

interface BuildJson {
  ok: boolean;
  bundlePath: string | null;
  diagnostics: Array<{ code: string; severity: string; message: string; file: string | null; line: number; col: number }>;
}

describe("sdx build errors from either side of the bundler", () => {
  const project = join(tempDir("sdx-build-errors-"), "errs");
  const index = join(project, "src", "index.ts");
  let original = "";

  beforeAll(async () => {
    expect((await sdx(["init", project])).status).toBe(0);
    original = readFileSync(index, "utf8");
  });

  const build = () => sdxJson<BuildJson>(["build", project, "--json"]);
  const errors = (json: BuildJson) => json.diagnostics.filter((d) => d.severity === "error");

  it("a Node built-in in the guest is SDX2001 at its import, and no bundle is written", async () => {
    // The project has no Node types: without the comment the type check would refuse the import first.
    writeFileSync(index, `// @ts-ignore: Node's types are not installed\nimport { readFileSync } from "node:fs";\nexport const read = readFileSync;\n${original}`);
    const result = await build();
    expect(result.status).toBe(1);
    expect(result.json.ok).toBe(false);
    expect(result.json.bundlePath).toBeNull();
    expect(errors(result.json)).toEqual([
      expect.objectContaining({ code: "SDX2001", file: "src/index.ts", line: 2, message: expect.stringContaining("node:fs") }),
    ]);
    expect(existsSync(join(project, "dist"))).toBe(false);
  });

  it("a type error found while the bundle is made fails the build; generated/ still follows the decorators", async () => {
    writeFileSync(index, original.replace("filter(Boolean).length;", "filter(Boolean).length.toUpperCase();").replace("retries: 2", "retries: 4"));
    const result = await build();
    expect(result.status).toBe(1);
    expect(errors(result.json)).toEqual([expect.objectContaining({ code: "SDX1031", file: "src/index.ts", message: expect.stringContaining("toUpperCase") })]);
    expect(existsSync(join(project, "dist"))).toBe(false);
    const manifest = JSON.parse(readFileSync(join(project, "generated", "manifest.json"), "utf8")) as { tasks: Array<{ retries: number }> };
    expect(manifest.tasks[0]!.retries).toBe(4);
  });

  it("fixed, the same project builds", async () => {
    writeFileSync(index, original);
    const result = await build();
    expect(result.status, JSON.stringify(result.json.diagnostics)).toBe(0);
    expect(result.json.ok).toBe(true);
    expect(existsSync(result.json.bundlePath!)).toBe(true);
    rmSync(join(project, "dist"), { recursive: true, force: true });
  });
});
