/**
 * A decorator option is declared once: `DECORATOR_OPTIONS` in @sdx/sdk/manifest (its type is the
 * manifest field's zod schema). Adding an option touches that one place plus its analyzer, and this
 * test fails until both are done: every declared option needs a sample below, is accepted by the
 * analyzer, reaches the manifest with the sample's value, and has a wrong-kind value reported at
 * the value; an undeclared option is refused with the declared names as the hint.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DECORATOR_OPTIONS, type DecoratorName, type Manifest, type ManifestOptions, type OptionName } from "@sdx/sdk/manifest";
import { diagnosticsToJson, generate } from "@sdx/codegen";

/** A value written as code other than its JSON (a permission builder call). */
class Written {
  constructor(readonly source: string, readonly value: unknown) {}
}
type Sample<D extends DecoratorName> = { readonly [K in OptionName<D>]?: ManifestOptions<D>[K] | Written };

/** Uses of each decorator that together write every declared option (some exclude each other, e.g. a job's event and everySeconds). */
const SAMPLES: { readonly [D in DecoratorName]: ReadonlyArray<Sample<D>> } = {
  extension: [{
    id: "org.example.options", name: "Options", version: "1.2.3", description: "Every option", minCoreVersion: "2.0.0",
    requiredFeatures: ["jobs"], permissions: new Written("[Permission.writeTags()]", [{ kind: "write_tags", description: "add and remove tags" }]),
    author: "Jane Doe <jane@example.com>", license: "MIT", homepage: "https://example.com/options", repository: "https://github.com/example/options",
    icon: "assets/icon.png",
  }],
  model: [{ version: "1.0.0", scope: "entry", sync: "device_owned", name: "Renamed" }],
  blobData: [{ compression: "none", lazy: true, quantize: "f16" }],
  setting: [{ label: "Mode", default: "fast", description: "How fast", options: ["fast", "slow"] }, { label: "On", default: true }],
  job: [{ parallelism: 4, trigger: "on_event", event: "entry_indexed", kinds: ["image"] }, { trigger: "scheduled", everySeconds: 60 }],
  task: [{ retries: 3, timeoutMs: 5000, backoffMs: 250 }],
  action: [{ title: "Do it" }],
  query: [{ label: "Everything" }],
  agent: [{ scheduleEverySeconds: 30 }],
  agentTrail: [{ level: "debug", format: "jsonl" }],
};
const DECORATORS = Object.keys(DECORATOR_OPTIONS) as DecoratorName[];
const samples = (d: DecoratorName): ReadonlyArray<Readonly<Record<string, unknown>>> => SAMPLES[d];
const valueOf = (v: unknown) => (v instanceof Written ? v.value : v);

type Render = (decorator: DecoratorName, index: number, key: string, value: unknown) => string;
interface Project {
  dir: string;
  /** `decorator.index.key` → where its value is written (1-based, as diagnostics report). */
  at: Map<string, { line: number; col: number }>;
}

const made: string[] = [];
afterAll(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** One extension using every sample, each option on its own line; `extra` adds an option to the first use of each decorator. */
function project(render: Render, extra?: string): Project {
  const lines: string[] = [];
  const at = new Map<string, { line: number; col: number }>();
  const use = (decorator: DecoratorName, index: number, indent: string) => {
    lines.push(`${indent}@${decorator}({`);
    for (const [key, value] of Object.entries(samples(decorator)[index]!)) {
      const prefix = `${indent}  ${key}: `;
      at.set(`${decorator}.${index}.${key}`, { line: lines.length + 1, col: prefix.length + 1 });
      lines.push(`${prefix}${render(decorator, index, key, value)},`);
    }
    if (extra && index === 0) lines.push(`${indent}  ${extra}`);
    lines.push(`${indent}})`);
  };
  const each = (decorator: DecoratorName, body: (index: number) => void) => samples(decorator).forEach((_, i) => body(i));
  const settingType = (value: unknown) => (Array.isArray(value) ? "string[]" : typeof value);

  lines.push(`import { action, actionExecute, agent, agentTrail, blobData, extension, job, model, Permission, query, setting, task } from "@sdx/sdk";`);
  lines.push(`import type { ActionContext, ActionPreview, JobContext, Query, TaskContext, Uuid } from "@sdx/sdk";`);
  each("model", (i) => {
    use("model", i, "");
    lines.push(`export class M${i} { id!: Uuid; }`);
  });
  lines.push(`@model({ version: "1.0.0", scope: "content" })`, `export class Blobs {`, `  id!: Uuid;`);
  each("blobData", (i) => {
    use("blobData", i, "  ");
    lines.push(`  b${i}?: number[];`);
  });
  lines.push(`}`, `export class Config {`);
  each("setting", (i) => {
    use("setting", i, "  ");
    lines.push(`  s${i}!: ${settingType(samples("setting")[i]!.default)};`);
  });
  lines.push(`}`);
  use("extension", 0, "");
  use("agent", 0, "");
  use("agentTrail", 0, "");
  lines.push(`export class Ext {`, `  config = new Config();`);
  each("job", (i) => {
    use("job", i, "  ");
    lines.push(`  async j${i}(ctx: JobContext): Promise<void> {}`);
  });
  each("task", (i) => {
    use("task", i, "  ");
    lines.push(`  async t${i}(ctx: TaskContext): Promise<number> { return 1; }`);
  });
  each("action", (i) => {
    use("action", i, "  ");
    lines.push(`  async a${i}(ctx: ActionContext): Promise<ActionPreview> { return {} as ActionPreview; }`);
    lines.push(`  @actionExecute() async a${i}Execute(ctx: ActionContext, preview: ActionPreview): Promise<void> {}`);
  });
  each("query", (i) => {
    use("query", i, "  ");
    lines.push(`  q${i}(q: Query) { return q.models(M0); }`);
  });
  lines.push(`}`, ``);

  const dir = join(mkdtempSync(join(tmpdir(), "sdx-options-")), "ext");
  made.push(dir);
  mkdirSync(join(dir, "src"), { recursive: true });
  writeFileSync(join(dir, "src/index.ts"), lines.join("\n"));
  mkdirSync(join(dir, "assets"));
  writeFileSync(join(dir, "assets/icon.png"), "png"); // the icon sample names a file that must exist

  return { dir, at };
}

/** Where the manifest holds the options of use `index` of `decorator`. */
function written(manifest: Manifest, decorator: DecoratorName, index: number): Readonly<Record<string, unknown>> | undefined {
  switch (decorator) {
    case "extension": return manifest;
    case "model": return manifest.models.find((m) => m.className === `M${index}`);
    case "blobData": return manifest.models.find((m) => m.className === "Blobs")?.blobFields.find((b) => b.name === `b${index}`);
    case "setting": return manifest.settings.find((s) => s.name === `s${index}`);
    case "job": return manifest.jobs.find((j) => j.name === `j${index}`);
    case "task": return manifest.tasks.find((t) => t.name === `t${index}`);
    case "action": return manifest.actions.find((a) => a.name === `a${index}`);
    case "query": return manifest.queries.find((q) => q.name === `q${index}`);
    case "agent": return manifest.agent ?? undefined;
    case "agentTrail": return manifest.agent?.trail ?? undefined;
  }
}

const asWritten: Render = (_d, _i, _k, value) => (value instanceof Written ? value.source : JSON.stringify(value));

describe("DECORATOR_OPTIONS, the one declaration of decorator options", () => {
  it("has a sample for every declared option", () => {
    for (const decorator of DECORATORS) {
      const sampled = new Set(samples(decorator).flatMap((s) => Object.keys(s)));
      expect(Object.keys(DECORATOR_OPTIONS[decorator].options).filter((k) => !sampled.has(k)), `@${decorator} options without a sample`).toEqual([]);
    }
  });

  it("every declared option is accepted by its analyzer and reaches the manifest as written", () => {
    const { dir } = project(asWritten);
    const result = generate({ projectDir: dir });
    // The sampled permissions are not used by the sample's (empty) methods: warnings only.
    expect(diagnosticsToJson(result.diagnostics, dir).filter((d) => d.code !== "unused-permission")).toEqual([]);
    const manifest = result.artifacts!.manifest;
    for (const decorator of DECORATORS) {
      samples(decorator).forEach((sample, index) => {
        const entry = written(manifest, decorator, index);
        for (const [key, value] of Object.entries(sample)) expect(entry?.[key], `@${decorator} #${index} ${key}`).toEqual(valueOf(value));
      });
    }
  });

  it("an option the table does not declare is refused, naming the declared ones", () => {
    const { dir } = project(asWritten, "bogus: 1,");
    const unknown = diagnosticsToJson(generate({ projectDir: dir }).diagnostics, dir).filter((d) => d.message === `Unknown option "bogus"`);
    expect(unknown.map((d) => d.hint).sort()).toEqual(DECORATORS.map((d) => `Known options: ${Object.keys(DECORATOR_OPTIONS[d].options).join(", ")}.`).sort());
  });

  it("a value of the wrong kind is reported at the value, for every declared option", () => {
    const { dir, at } = project((_d, _i, _k, value) => (typeof valueOf(value) === "string" ? "42" : `"wrong"`));
    const errors = new Set(diagnosticsToJson(generate({ projectDir: dir }).diagnostics, dir).filter((d) => d.severity === "error").map((d) => `${d.line}:${d.col}`));
    const unreported = [...at].filter(([, p]) => !errors.has(`${p.line}:${p.col}`)).map(([option]) => option);
    expect(unreported).toEqual([]);
  });
});
