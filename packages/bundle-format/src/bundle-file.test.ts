import { describe, expect, it } from "vitest";
import { SdxError } from "@sdx/sdk/errors";
import { readBundle, writeBundle, type BundleContents } from "./index.js";
import { MANIFEST_VERSION, type Manifest } from "@sdx/sdk/manifest";
import { PROTOCOL_VERSION } from "@sdx/sdk/protocol";

// @types/node declares WebAssembly's types but not the global value; this is the part used here.
const { WebAssembly: wasm } = globalThis as unknown as {
  WebAssembly: { compile(bytes: Uint8Array): Promise<object>; Module: { customSections(module: object, name: string): ArrayBuffer[] } };
};

const manifest: Manifest = {
  manifestVersion: MANIFEST_VERSION, protocolVersion: PROTOCOL_VERSION, id: "org.example.notes", name: "Notes",
  version: "0.1.0", description: "d", minCoreVersion: "2.0.0", requiredFeatures: [], permissions: [{ kind: "write_tags", description: "add and remove tags" }],
  settings: [], models: [], jobs: [], tasks: [], actions: [], agent: null, memory: null, aiModels: [], prompts: ["caption.jinja"],
  kernels: [], hasInit: false, hasUi: true, queries: [],
};

function contents(overrides: Partial<BundleContents> = {}): BundleContents {
  return {
    manifestJson: JSON.stringify(manifest), guestJs: "globalThis.x = 1;", schemaSql: "-- sql", uiManifestJson: "{\"views\":[]}",
    prompts: { "caption.jinja": "Describe {{ photo }}" }, assets: { "icon.png": Uint8Array.of(1, 2, 3) }, kernels: null, ...overrides,
  };
}

describe("bundle format", () => {
  it("round-trips every part and is a real wasm module whose custom sections are readable without running it", async () => {
    const bytes = await writeBundle(contents());
    const loaded = await readBundle(bytes);
    expect(loaded.manifest.id).toBe("org.example.notes");
    expect(loaded.guestJs).toBe("globalThis.x = 1;");
    expect(loaded.prompts).toEqual({ "caption.jinja": "Describe {{ photo }}" });
    expect([...loaded.assets["icon.png"]!]).toEqual([1, 2, 3]);
    expect(loaded.uiManifest).toEqual({ views: [] });
    expect(loaded.hasKernels).toBe(false);
    const module = await wasm.compile(bytes);
    const [manifestSection] = wasm.Module.customSections(module, "sdx.manifest");
    expect(JSON.parse(new TextDecoder().decode(manifestSection))).toMatchObject({ id: "org.example.notes" });
  });

  it("is deterministic", async () => {
    const a = await writeBundle(contents());
    const b = await writeBundle(contents({ prompts: { "caption.jinja": "Describe {{ photo }}" } }));
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
  });

  it("refuses a bundle with any single byte changed", async () => {
    const bytes = await writeBundle(contents());
    let refused = 0;
    for (let i = 0; i < bytes.length; i++) {
      const copy = bytes.slice();
      copy[i] = copy[i]! ^ 0x01;
      await expect(readBundle(copy)).rejects.toBeInstanceOf(SdxError);
      refused++;
    }
    expect(refused).toBe(bytes.length);
  });

  it("names the modified section", async () => {
    const bytes = await writeBundle(contents());
    const text = Buffer.from(bytes).toString("latin1");
    const copy = bytes.slice();
    copy[text.indexOf("globalThis.x")] = "G".charCodeAt(0);
    await expect(readBundle(copy)).rejects.toThrow(/section sdx\.guest was modified/);
  });

  it("refuses truncated files, foreign files and invalid manifests with distinct codes", async () => {
    const bytes = await writeBundle(contents());
    await expect(readBundle(bytes.subarray(0, bytes.length - 10))).rejects.toMatchObject({ code: "SDX2004" });
    await expect(readBundle(new TextEncoder().encode("PK\u0003\u0004 zip"))).rejects.toMatchObject({ code: "SDX2004" });
    const bad = await writeBundle(contents({ manifestJson: JSON.stringify({ ...manifest, surprise: true }) }));
    await expect(readBundle(bad)).rejects.toMatchObject({ code: "SDX2006" });
    const future = await writeBundle(contents({ manifestJson: JSON.stringify({ ...manifest, protocolVersion: 99 }) }));
    await expect(readBundle(future)).rejects.toMatchObject({ code: "SDX2009" });
    const newer = await writeBundle(contents({ manifestJson: JSON.stringify({ ...manifest, manifestVersion: 3, newField: true }) }));
    await expect(readBundle(newer)).rejects.toMatchObject({ code: "SDX2011", message: expect.stringMatching(/manifest version 3 is newer than this sdx reads \(1–2\)/) });
  });

  it("lists every issue of an invalid manifest, each with a JSON pointer, a code and a message", async () => {
    const broken = { ...manifest, version: "one", permissions: [{ kind: "read_entries", glob: "", description: "read everything" }], extra: 1 };
    const error = await readBundle(await writeBundle(contents({ manifestJson: JSON.stringify(broken) }))).catch((e: SdxError) => e);
    expect(error).toMatchObject({ code: "SDX2006" });
    expect((error as SdxError).data).toEqual({
      issues: expect.arrayContaining([
        { path: "version", pointer: "/version", code: "SDX2006", message: "a semantic version like 1.2.3" },
        { path: "permissions.0.glob", pointer: "/permissions/0/glob", code: "SDX2006", message: expect.any(String) },
        { path: "", pointer: "", code: "SDX2006", message: expect.stringMatching(/extra/) },
      ]),
    });
  });
});
