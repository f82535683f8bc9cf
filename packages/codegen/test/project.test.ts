/**
 * Projects as users have them: anywhere on disk without node_modules (the sdk resolves from this
 * sdx installation), with or without tsconfig.json; reruns are byte-identical; a session picks up
 * edits; the generated files type-check in the author's project.
 */
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { basename, join } from "node:path";
import { describe, expect, it } from "vitest";
import { CodegenSession, diagnosticsToJson, generate, writeArtifacts, type GeneratedArtifacts } from "@sdx/codegen";
import { createProjectSetup } from "../src/program/project.js";
import { ts } from "../src/program/typescript.js";
import { FIXTURES } from "./fixture-harness.js";
import { tempCopy } from "./temp-project.js";

const expectedManifest = (name: string) => readFileSync(join(FIXTURES, name, "expected/manifest.json"), "utf8");
const codes = (dir: string, r: ReturnType<typeof generate>) => diagnosticsToJson(r.diagnostics, dir).map((d) => `${d.file}:${d.line}:${d.col} ${d.code}`);

describe("a project outside the repository, without node_modules", () => {
  it("builds without tsconfig.json (default options, sdk and guest globals from the installation)", () => {
    const dir = tempCopy("valid-notes");
    expect(existsSync(join(dir, "..", "node_modules"))).toBe(false);
    const result = generate({ projectDir: dir });
    expect(codes(dir, result)).toEqual([]);
    expect(result.artifacts!.manifestJson).toBe(expectedManifest("valid-notes"));
  });

  it("builds with an sdx-init style tsconfig.json that includes files outside the extension", () => {
    const dir = tempCopy("valid-notes");
    writeFileSync(
      join(dir, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: { target: "ES2023", module: "ESNext", moduleResolution: "Bundler", strict: true, lib: ["ES2023"], types: ["@sdx/sdk/guest-env"], skipLibCheck: true, noEmit: true },
        include: ["src", "test"],
      }),
    );
    // A test file the tsconfig includes but the extension never imports: not type-checked as part of it.
    writeFileSync(join(dir, "src", "notes.test.ts"), `import { it } from "vitest";\nit("counts", () => {});\n`);
    const result = generate({ projectDir: dir });
    expect(codes(dir, result)).toEqual([]);
    expect(result.artifacts!.manifestJson).toBe(expectedManifest("valid-notes"));
  });

  it("reports type errors of the project's own files at their location", () => {
    const dir = tempCopy("valid-notes");
    const file = join(dir, "src/index.ts");
    writeFileSync(file, readFileSync(file, "utf8").replace("note.words = await", "note.title = await"));
    const result = generate({ projectDir: dir });
    expect(result.ok).toBe(false);
    expect(codes(dir, result)).toEqual(["src/index.ts:19:7 SDX1031"]);
  });

  it("builds the full example (every decorator) with its package.json entry", () => {
    const dir = tempCopy("valid-full");
    const result = generate({ projectDir: dir });
    // The permissions it requests for the manifest's sake but never uses are warnings.
    expect(codes(dir, result).filter((c) => !c.endsWith("unused-permission"))).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.artifacts!.manifestJson).toBe(expectedManifest("valid-full"));
  });
});

describe("determinism", () => {
  const all = (a: GeneratedArtifacts) => [a.manifestJson, a.schemaSql, a.bindingsTs, a.entryTs];

  it("gives byte-identical artifacts on reruns and in another directory", () => {
    const first = generate({ projectDir: join(FIXTURES, "valid-full") }).artifacts!;
    const second = generate({ projectDir: join(FIXTURES, "valid-full") }).artifacts!;
    const elsewhere = generate({ projectDir: tempCopy("valid-full") }).artifacts!;
    expect(all(second)).toEqual(all(first));
    expect(all(elsewhere)).toEqual(all(first));
  });
});

describe("writeArtifacts and the generated TypeScript", () => {
  it("writes generated/{manifest.json,schema.sql,bindings.ts,entry.ts}, which type-check in the project", () => {
    const dir = tempCopy("valid-full");
    const result = generate({ projectDir: dir });
    const paths = writeArtifacts(dir, result.artifacts!);
    expect(paths.map((p) => p.slice(dir.length + 1))).toEqual(["generated/manifest.json", "generated/schema.sql", "generated/bindings.ts", "generated/entry.ts"]);
    expect(readFileSync(paths[0]!, "utf8")).toBe(result.artifacts!.manifestJson);

    // Types flow from the author's class: these assertions only compile if the bindings are exact.
    writeFileSync(
      join(dir, "generated/check.ts"),
      [
        `import type { JobParams, TaskResults, HookParams, ModelTypes } from "./bindings.js";`,
        `import { createDispatch, models } from "./bindings.js";`,
        `import type { Entry, SdPath } from "@sdx/sdk";`,
        `import type { PersonModel } from "../src/models.js";`,
        `type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;`,
        `const a: Equal<JobParams["analyzePhotos"], [location: SdPath, force?: boolean]> = true;`,
        `const b: Equal<TaskResults["classifyScene"], Array<{ label: string; score: number }>> = true;`,
        `const c: Equal<HookParams["onNewPhoto"], [entry: Entry]> = true;`,
        `const d: Equal<ModelTypes["Person"], PersonModel> = true;`,
        `const e: "f16" = models.PhotoAnalysis.blobFields[0].quantize;`,
        `const dispatch = createDispatch(async () => undefined);`,
        `void dispatch.job("analyzePhotos", { device: "d", path: "/p" });`,
        `// @ts-expect-error: the job takes an SdPath, not a string`,
        `void dispatch.job("analyzePhotos", "/p");`,
        `// @ts-expect-error: there is no such task`,
        `void dispatch.task("nope");`,
        `void [a, b, c, d, e];`,
        ``,
      ].join("\n"),
    );
    const setup = createProjectSetup({ projectDir: dir, entry: "generated/check.ts" });
    setup.project.addRoot(join(dir, "generated/entry.ts"));
    const generated = ts
      .getPreEmitDiagnostics(setup.project.program())
      .filter((d) => d.file?.fileName.includes("/generated/"))
      .map((d) => `${basename(d.file!.fileName)}:${d.file!.getLineAndCharacterOfPosition(d.start ?? 0).line + 1} ${JSON.stringify(ts.flattenDiagnosticMessageText(d.messageText, "\n"))}`);
    expect(generated).toEqual([]);
  });
});

describe("CodegenSession", () => {
  it("re-reads changed files and regenerates, reusing the program", () => {
    const dir = tempCopy("valid-notes");
    const file = join(dir, "src/index.ts");
    const original = readFileSync(file, "utf8");
    const session = new CodegenSession({ projectDir: dir });
    expect(session.generate().artifacts!.manifest.jobs[0]!.parallelism).toBe(2);

    writeFileSync(file, original.replace("parallelism: 2", "parallelism: 3"));
    const changed = session.update([file]);
    expect(changed.artifacts!.manifest.jobs[0]!.parallelism).toBe(3);

    writeFileSync(file, original.replace("retries: 2", "retries: -2"));
    expect(codes(dir, session.update(["src/index.ts"]))).toEqual(["src/index.ts:11:20 SDX1013"]);

    writeFileSync(file, original);
    expect(session.update([file]).ok).toBe(true);
  });

  it("picks up a new module imported by a changed file", () => {
    const dir = tempCopy("valid-notes");
    const file = join(dir, "src/index.ts");
    const session = new CodegenSession({ projectDir: dir });
    expect(session.generate().ok).toBe(true);
    writeFileSync(
      join(dir, "src/tag.ts"),
      `import { model, type Uuid } from "@sdx/sdk";\n@model({ version: "1.0.0", scope: "standalone" })\nexport class Tag { id!: Uuid; label!: string; }\n`,
    );
    writeFileSync(file, `export { Tag } from "./tag.js";\n${readFileSync(file, "utf8")}`);
    const result = session.update([file, join(dir, "src/tag.ts")]);
    expect(result.artifacts!.manifest.models.map((m) => m.name)).toEqual(["Note", "Tag"]);
  });

  it("finds a module an unchanged file failed to import once it is created", () => {
    const dir = tempCopy("valid-notes");
    const file = join(dir, "src/index.ts");
    writeFileSync(file, `export { Tag } from "./tag.js";\n${readFileSync(file, "utf8")}`);
    const session = new CodegenSession({ projectDir: dir });
    expect(codes(dir, session.generate())).toEqual(["src/index.ts:1:21 SDX1031"]);
    writeFileSync(
      join(dir, "src/tag.ts"),
      `import { model, type Uuid } from "@sdx/sdk";\n@model({ version: "1.0.0", scope: "standalone" })\nexport class Tag { id!: Uuid; label!: string; }\n`,
    );
    const result = session.update([join(dir, "src/tag.ts")]);
    expect(result.artifacts?.manifest.models.map((m) => m.name)).toEqual(["Note", "Tag"]);
  });

  it("reports a type error an edit causes in an unchanged file and keeps reporting it until it is fixed", () => {
    const dir = tempCopy("valid-notes");
    const file = join(dir, "src/index.ts");
    const words = join(dir, "src/words.ts");
    writeFileSync(words, "export function countOf(text: string): number {\n  return text.split(/\\s+/).filter(Boolean).length;\n}\n");
    writeFileSync(file, readFileSync(file, "utf8").replace(
      "return new TextDecoder().decode(await entry.read()).split(/\\s+/).filter(Boolean).length;",
      "return countOf(new TextDecoder().decode(await entry.read()));",
    ).replace('} from "@sdx/sdk";', '} from "@sdx/sdk";\nimport { countOf } from "./words.js";'));
    const session = new CodegenSession({ projectDir: dir });
    expect(codes(dir, session.generate())).toEqual([]);

    // words.ts changes its exported type: index.ts, unchanged, no longer type-checks.
    writeFileSync(words, "export function countOf(text: string): string {\n  return text;\n}\n");
    const broken = codes(dir, session.update([words]));
    expect(broken).toHaveLength(1);
    expect(broken[0]).toMatch(/^src\/index\.ts:\d+:\d+ SDX1031$/);

    // A change elsewhere that cannot affect index.ts: its error is still reported (kept, not lost).
    writeFileSync(words, "export function countOf(text: string): string {\n  return text.trim();\n}\n");
    expect(codes(dir, session.update([words]))).toEqual(broken);

    writeFileSync(words, "export function countOf(text: string): number {\n  return text.length;\n}\n");
    expect(codes(dir, session.update([words]))).toEqual([]);
  });

  it("follows an edit of a helper's body in another file: the permission its new SDK call needs, an un-awaited call, and their removal", () => {
    const dir = tempCopy("valid-notes");
    const file = join(dir, "src/index.ts");
    const helper = join(dir, "src/mark.ts");
    const body = (inner: string) =>
      `import type { JobContext } from "@sdx/sdk";\nexport async function mark(ctx: JobContext, content: string): Promise<void> {\n  ${inner}\n}\n`;
    writeFileSync(helper, body("void content;"));
    writeFileSync(file, readFileSync(file, "utf8")
      .replace('await ctx.vdfs().addTagToContent(entry.contentUuid, "#counted");', 'await ctx.vdfs().addTagToContent(entry.contentUuid, "#counted");\n      await mark(ctx, entry.contentUuid);')
      .replace('} from "@sdx/sdk";', '} from "@sdx/sdk";\nimport { mark } from "./mark.js";'));
    const session = new CodegenSession({ projectDir: dir });
    expect(codes(dir, session.generate())).toEqual([]);
    // What the session reports after an edit is what a build from scratch reports.
    const all = (r: ReturnType<typeof generate>) => diagnosticsToJson(r.diagnostics, dir).map((d) => `${d.file}:${d.line}:${d.col} ${d.code}`);
    const update = (changed: string) => {
      const found = all(session.update([changed]));
      expect(found).toEqual(all(generate({ projectDir: dir })));
      return found;
    };

    // Only the helper's body changes (its exported type does not): index.ts is not re-checked, yet
    // what its job reaches through the helper is analyzed again.
    writeFileSync(helper, body('await ctx.vdfs().writeSidecar(content, "notes", { done: true });'));
    expect(update(helper)).toEqual(["src/mark.ts:3:20 SDX1040"]);

    writeFileSync(helper, body('ctx.vdfs().addTagToContent(content, "#marked");'));
    expect(update(helper)).toEqual(["src/mark.ts:3:3 floating-promise"]);

    writeFileSync(helper, body("void content;"));
    expect(update(helper)).toEqual([]);
    // An edit of the job itself (its file is parsed again) is seen too.
    writeFileSync(file, readFileSync(file, "utf8").replace("await mark(ctx, entry.contentUuid);", 'await ctx.vdfs().writeSidecar(entry.contentUuid, "notes", {});'));
    expect(update(file)).toEqual([expect.stringMatching(/^src\/index\.ts:\d+:\d+ SDX1040$/)]);
  });
});
