import { describe, expect, it } from "vitest";
import { manifestSchema } from "@sdx/sdk/manifest";
import { IR_VERSION, type ExtensionIR } from "../ir/ir.js";
import { emitManifest, validateManifest } from "./manifest.js";

const span = { file: "/p/src/index.ts", start: 0, length: 1 };
const ir: ExtensionIR = {
  irVersion: IR_VERSION,
  protocolVersion: 1,
  projectDir: "/p",
  entryFile: "/p/src/index.ts",
  extension: {
    classRef: { className: "Ext", module: "/p/src/index.ts", exportName: "Ext", span },
    id: "org.example.ir",
    name: "IR",
    version: "1.0.0",
    description: "",
    minCoreVersion: "2.0.0",
    requiredFeatures: ["jobs"],
    permissions: [{ kind: "use_model", category: "llm", preference: "cloud", description: "use llm models, preferably in the cloud" }],
    hasInit: false,
  },
  settings: null,
  models: [],
  jobs: [{ name: "run", parallelism: 1, trigger: "user_initiated", params: [{ name: "n", schema: { type: "number" }, optional: false, typeText: "number", span }], span }],
  tasks: [],
  actions: [],
  agent: null,
  memory: null,
  prompts: [],
  kernels: [],
  hasUi: false, queries: [],
};

describe("emitManifest", () => {
  it("emits a manifest the schema accepts, with aiModels from useModel permissions", () => {
    const out = emitManifest(ir);
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    expect(manifestSchema.parse(JSON.parse(out.json))).toEqual(out.manifest);
    expect(out.manifest.aiModels).toEqual([{ category: "llm", preference: "cloud" }]);
    expect(out.manifest.jobs[0]!.params).toEqual([{ name: "n", schema: { type: "number" }, optional: false }]);
    expect(out.json.endsWith("}\n")).toBe(true);
  });

  it("carries each permission's sentence, and a wrong or missing one is an invalid manifest", () => {
    const lying: ExtensionIR = { ...ir, extension: { ...ir.extension, permissions: [{ kind: "use_model", category: "llm", preference: "cloud", description: "tell jokes" }] } };
    expect(emitManifest(lying)).toEqual({ ok: false, issues: ['permissions.0.description: does not describe the permission; it must be "use llm models, preferably in the cloud"'] });
    const missing: ExtensionIR = { ...ir, extension: { ...ir.extension, permissions: [{ kind: "write_tags" }] } };
    expect(emitManifest(missing)).toEqual({ ok: false, issues: ['permissions.0.description: missing; it must be "add and remove tags"'] });
  });

  it("returns the schema's issues instead of an invalid manifest (SDX1037 in the pipeline)", () => {
    const broken: ExtensionIR = { ...ir, jobs: [{ ...ir.jobs[0]!, parallelism: 0 }] };
    expect(emitManifest(broken)).toEqual({ ok: false, issues: [expect.stringMatching(/^jobs\.0\.parallelism: /)] });
    expect(validateManifest({ manifestVersion: 1 }).ok).toBe(false);
  });
});
