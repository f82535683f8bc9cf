/**
 * Bundles an entry shaped like the generated one (author classes from `@sdx/sdk` + `startGuest`)
 * the way `sdx build` does, checks that neither zod nor any `node:` module got in, and runs the
 * bundle in a bare `vm` realm (ECMAScript built-ins only, like QuickJS) to prove the guest
 * globals are installed (already for an author module's top-level code) and a job runs end to end
 * against the test host double. test/guest-globals-at-load.test.ts does the same in QuickJS.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import vm from "node:vm";
import { build } from "esbuild";
import { afterAll, describe, expect, it } from "vitest";
import { entry, MemoryHost } from "./__tests__/memory-host.js";

const sdkSrc = fileURLToPath(new URL("../", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "sdx-guest-bundle-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ENTRY = `
import { extension, job, task, model, Permission } from ${JSON.stringify(join(sdkSrc, "index.ts"))};
import { startGuest } from ${JSON.stringify(join(sdkSrc, "guest/index.ts"))};
import { topLevel } from "./top-level";

@model({ version: "1.0.0", scope: "content", sync: "shared" })
export class Note { id; words = 0; }

@extension({ id: "org.example.notes", name: "Notes", version: "0.1.0", description: "", minCoreVersion: "2.0.0",
  requiredFeatures: [], permissions: [Permission.readEntries({ glob: "**/*.txt" })] })
export class Notes {
  @task({ retries: 2, timeoutMs: 5000 })
  async countWords(ctx, entry) {
    return new TextDecoder().decode(await entry.read()).split(/\\s+/).filter(Boolean).length;
  }
  @job({ parallelism: 2, trigger: "user_initiated" })
  async countAll(ctx, location) {
    const out = [];
    for (const entry of await ctx.vdfs().queryEntries().inLocation(location).collect()) {
      const note = new Note();
      note.words = await ctx.run(this.countWords, entry);
      await ctx.vdfs().createModelForContent(entry.contentUuid, note);
      out.push(note.words);
    }
    const url = new URL("../b?x=1", "https://example.com/a/");
    console.log("counted", out, url.href, structuredClone({ n: 1 }));
    return { out, uuid: crypto.randomUUID().length, url: url.searchParams.get("x"), topLevel };
  }
}

const param = (name, sdkType) => ({ name, schema: {}, optional: false, sdkType });
startGuest({
  manifest: { manifestVersion: 1, protocolVersion: 1, id: "org.example.notes", name: "Notes", version: "0.1.0", description: "",
    minCoreVersion: "2.0.0", requiredFeatures: [], permissions: [], settings: [], models: [{ name: "Note", className: "Note",
    version: "1.0.0", scope: "content", sync: "shared", schema: {}, blobFields: [] }],
    jobs: [{ name: "countAll", parallelism: 2, trigger: "user_initiated", params: [param("location", "SdPath")] }],
    tasks: [{ name: "countWords", retries: 2, timeoutMs: 5000, backoffMs: 100, params: [param("entry", "Entry")], returns: {} }],
    actions: [], agent: null, memory: null, aiModels: [], prompts: [], kernels: [], hasInit: false, hasUi: false },
  extensionClass: Notes, models: { Note },
});
`;

// An author module whose top level uses the globals: the generated entry imports it after the runtime.
const TOP_LEVEL = `export const topLevel = [new TextEncoder().encode("héllo").length, new URL("https://a.b/c").pathname];\n`;

// An extension that never touches a Web API at load time: they must stay uncompiled until used.
const LAZY_ENTRY = `
import { extension, job } from ${JSON.stringify(join(sdkSrc, "index.ts"))};
import { startGuest } from ${JSON.stringify(join(sdkSrc, "guest/index.ts"))};

const loaded = () => ["URL", "TextEncoder", "DOMException", "crypto"].filter((name) => !Object.getOwnPropertyDescriptor(globalThis, name).get);

@extension({ id: "org.example.lazy", name: "Lazy", version: "0.1.0", description: "", minCoreVersion: "2.0.0", requiredFeatures: [], permissions: [] })
export class Lazy {
  @job()
  async probe(ctx) {
    const before = loaded();
    const host = new URL("https://example.com/a").host;
    return { before, host, after: loaded() };
  }
}

startGuest({
  manifest: { manifestVersion: 1, protocolVersion: 1, id: "org.example.lazy", name: "Lazy", version: "0.1.0", description: "",
    minCoreVersion: "2.0.0", requiredFeatures: [], permissions: [], settings: [], models: [],
    jobs: [{ name: "probe", parallelism: 1, trigger: "user_initiated", params: [] }],
    tasks: [], actions: [], agent: null, memory: null, aiModels: [], prompts: [], kernels: [], hasInit: false, hasUi: false },
  extensionClass: Lazy, models: {},
});
`;

async function bundle(minify: boolean, source = ENTRY) {
  const entryPath = join(dir, "entry.ts");
  writeFileSync(entryPath, source);
  writeFileSync(join(dir, "top-level.ts"), TOP_LEVEL);
  return build({
    entryPoints: [entryPath], bundle: true, format: "iife", target: "es2023", platform: "neutral", minify,
    metafile: true, write: false, logLevel: "silent",
  });
}

describe("guest bundle", () => {
  it("contains no zod and no node: module, and stays small", async () => {
    const result = await bundle(true);
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.filter((path) => /zod/.test(path))).toEqual([]);
    const imports = Object.values(result.metafile.inputs).flatMap((input) => input.imports.map((i) => i.path));
    // Only files: no node: built-in and no bare package ("<runtime>" is esbuild's own helpers).
    expect(imports.filter((path) => path !== "<runtime>" && (path.startsWith("node:") || !path.includes("/")))).toEqual([]);
    const code = result.outputFiles[0]!.text;
    expect(code.match(/\brequire\(|node:/)).toBeNull();
    // Decorators were lowered for QuickJS: no `@name(` left in code position.
    expect(code.match(/[;{}()\]]\s*@[A-Za-z_$][\w$]*\s*\(/)).toBeNull();
    // Budget for the runtime + SDK + a tiny extension, minified (measured ~48 KB).
    expect(code.length).toBeLessThan(64 * 1024);
  });

  it("runs in a bare realm: installs the globals and runs a job with a task through the host", async () => {
    const result = await bundle(false);
    const realm = vm.createContext({});
    vm.runInContext("delete globalThis.console", realm); // V8 gives every context an inspector console; QuickJS has none
    expect(vm.runInContext("[typeof TextDecoder, typeof URL, typeof console, typeof crypto, typeof structuredClone]", realm))
      .toEqual(["undefined", "undefined", "undefined", "undefined", "undefined"]);
    const host = new MemoryHost();
    host.entries = [entry(1), entry(2)];
    host.files.set("entry-1", "a b c");
    host.files.set("entry-2", "héllo 👍");
    host.install(realm);
    vm.runInContext(result.outputFiles[0]!.text, realm);
    const outcome = await host.invoke({
      kind: "job", name: "countAll", args: [{ device: "dev-1", path: "/docs" }],
      context: { ...host.context(), jobId: "job-1", resumeState: null },
    });
    expect(outcome).toEqual({ ok: true, value: { out: [3, 2], uuid: 36, url: "1", topLevel: [6, "/c"] } });
    expect(host.logs).toEqual([{ level: "info", message: "counted [ 3, 2 ] https://example.com/b?x=1 { n: 1 }" }]);
    expect(host.opsCalled().filter((op) => op === "tasks.run")).toHaveLength(2);
  });

  it("compiles the Web APIs only when the guest first uses one", async () => {
    const result = await bundle(false, LAZY_ENTRY);
    const realm = vm.createContext({});
    const host = new MemoryHost();
    host.install(realm);
    vm.runInContext(result.outputFiles[0]!.text, realm);
    // Loading the bundle and starting the guest compiled none of them.
    expect(vm.runInContext(`["URL", "TextEncoder", "structuredClone"].map((n) => typeof Object.getOwnPropertyDescriptor(globalThis, n).get)`, realm))
      .toEqual(["function", "function", "function"]);
    const outcome = await host.invoke({ kind: "job", name: "probe", args: [], context: { ...host.context(), jobId: "job-1", resumeState: null } });
    // The global read becomes a plain value; the others stay getters until read (the bundle is compiled once).
    expect(outcome).toEqual({ ok: true, value: { before: [], host: "example.com", after: ["URL"] } });
  });
});
