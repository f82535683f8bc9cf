import { describe, expect, it } from "vitest";
import { IR_VERSION, type ExtensionIR } from "../ir/ir.js";
import { emitEntry } from "./entry.js";
import { emitManifest } from "./manifest.js";

const span = { file: "/p/src/index.ts", start: 0, length: 1 };
const ref = (className: string, module: string) => ({ className, module, exportName: className, span });
const ir: ExtensionIR = {
  irVersion: IR_VERSION, protocolVersion: 1, projectDir: "/p", entryFile: "/p/src/index.ts",
  extension: { classRef: ref("Ext", "/p/src/ext.ts"), id: "org.example.entry", name: "E", version: "1.0.0", description: "", minCoreVersion: "2.0.0", requiredFeatures: [], permissions: [], hasInit: false },
  settings: null,
  models: [{ name: "Note", classRef: ref("Note", "/p/src/models.ts"), version: "1.0.0", scope: "content", sync: "shared", fields: [], schema: {}, blobFields: [] }],
  jobs: [], tasks: [], actions: [], agent: null, memory: null, prompts: [], kernels: [], hasUi: false, queries: [],
};

describe("emitEntry", () => {
  it("imports the guest runtime before any author module, so its globals exist when they run", () => {
    const manifest = emitManifest(ir);
    if (!manifest.ok) throw new Error(manifest.issues.join("\n"));
    const imports = emitEntry(ir, manifest.manifest).split("\n").filter((line) => line.startsWith("import "));
    expect(imports[0]).toBe(`import { startGuest } from "@sdx/sdk/guest";`);
    expect(imports.slice(1).map((line) => /"([^"]+)";$/.exec(line)?.[1])).toEqual(["../src/index.js", "../src/ext.js", "../src/models.js"]);
  });
});

describe("the manifest in the entry", () => {
  it("is JSON text the bundle parses back to the same manifest, backticks, ${ and backslashes included", () => {
    const tricky = { ...ir, extension: { ...ir.extension, description: "a `code` span, ${not} interpolated, \\ and \\u0041 and \"quotes\"\nnext line" } };
    const manifest = emitManifest(tricky);
    if (!manifest.ok) throw new Error(manifest.issues.join("\n"));
    const entry = emitEntry(tricky, manifest.manifest);
    const literal = /manifest: (JSON\.parse\(String\.raw`[\s\S]*?`\)),\n {2}extensionClass/.exec(entry)?.[1];
    expect(literal).toBeDefined();
    // Evaluate the expression as the bundle would.
    expect(new Function(`return ${literal};`)()).toEqual(manifest.manifest);
  });
});
