import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { kernelExports, readProjectFiles } from "./project-files.js";

const dir = mkdtempSync(join(tmpdir(), "sdx-files-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("project files", () => {
  it("lists exported kernel functions syntactically, ignoring comments and private functions", () => {
    const src = "// export function fake(\nexport function dot(a: f32): f32 { return a; }\nfunction hidden(): void {}\n@inline export function scale(x: f64): f64 { return x; }\n";
    expect(kernelExports(src)).toEqual(["dot", "scale"]);
  });

  it("follows re-exports into the project's own modules and the SDK's stock kernels", () => {
    const project = join(dir, "reexports");
    mkdirSync(join(project, "kernels/lib"), { recursive: true });
    writeFileSync(join(project, "kernels/main.ts"), 'export * from "@sdx/sdk/kernels";\nexport * from "./lib/math";\nexport { helper as renamed } from "./lib/other";\n');
    writeFileSync(join(project, "kernels/lib/math.ts"), "export function twice(x: i32): i32 { return 2 * x; }\n");
    expect(readProjectFiles(project).kernels).toEqual(["bestMatchIndex", "cosineAt", "dot", "renamed", "twice"]);
  });

  it("reads prompts (sorted, relative, no dotfiles), kernels and the UI manifest", () => {
    mkdirSync(join(dir, "prompts/sub"), { recursive: true });
    mkdirSync(join(dir, "kernels"), { recursive: true });
    writeFileSync(join(dir, "prompts/z.jinja"), "");
    writeFileSync(join(dir, "prompts/sub/a.jinja"), "");
    writeFileSync(join(dir, "prompts/.DS_Store"), "");
    writeFileSync(join(dir, "kernels/b.ts"), "export function b(): void {}\n");
    writeFileSync(join(dir, "kernels/a.ts"), "export function a(): void {}\nexport function b(): void {}\n");
    expect(readProjectFiles(dir)).toEqual({ hasUi: false, prompts: ["sub/a.jinja", "z.jinja"], kernels: ["a", "b"] });
    writeFileSync(join(dir, "ui_manifest.json"), "{}");
    expect(readProjectFiles(dir).hasUi).toBe(true);
  });
});
