/**
 * Who owns an extension id: the attacks of issue 13 against install, with real signed bundles. The
 * bundle on disk and the grants of the installed extension must survive every refused install.
 */
import fs from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { generateSigningKey, loadSigningKey, readBundle, writeBundle } from "@sdx/bundle-format";
import type { Manifest } from "@sdx/sdk/manifest";
import { getInstalled, grantsFor, installExtension, uninstallExtension } from "./install.js";
import { boundKeyOf, rotationChain } from "./author.js";
import { readAudit } from "../store/audit.js";
import type { Library } from "../store/library.js";
import { cleanupTempDirs, hostError, makeManifest, openLibrary, tempDir } from "../store/__tests__/fixture.js";

afterAll(cleanupTempDirs);

const alice = generateSigningKey();
const mallory = generateSigningKey();
const permissions: Manifest["permissions"] = [{ kind: "read_entries", glob: "**/*.txt" }, { kind: "write_tags" }];

async function bundle(options: { version?: string; guestJs?: string; key?: typeof alice | null; permissions?: Manifest["permissions"] } = {}) {
  const manifest = makeManifest({ version: options.version ?? "1.0.0", permissions: options.permissions ?? permissions, models: [] });
  const bytes = await writeBundle(
    { manifestJson: JSON.stringify(manifest), guestJs: options.guestJs ?? "globalThis.author = 'alice';", schemaSql: "", uiManifestJson: null, prompts: {}, assets: {}, kernels: null },
    { signingKey: options.key ? loadSigningKey(options.key.privateKeyPem, "key") : undefined },
  );
  return readBundle(bytes);
}

/** Alice's 1.0.0, installed with read_entries limited to one folder. */
async function aliceInstalled(): Promise<{ library: Library; scope: string; bundlePath: string; bytes: Buffer }> {
  const library = openLibrary();
  const scope = tempDir();
  const installed = installExtension(library, await bundle({ key: alice }), { grants: [{ permission: 0, scope: [scope] }] });
  expect(installed.author).toEqual({ change: "bound", signedBy: alice.fingerprint, previousKey: null });
  return { library, scope, bundlePath: installed.bundlePath, bytes: fs.readFileSync(installed.bundlePath) };
}

function expectUntouched(state: Awaited<ReturnType<typeof aliceInstalled>>): void {
  expect(fs.readFileSync(state.bundlePath).equals(state.bytes)).toBe(true);
  expect(grantsFor(state.library, "org.example.notes")).toEqual([{ index: 0, permission: permissions[0], scope: [state.scope] }]);
  expect(getInstalled(state.library, "org.example.notes")?.signedBy).toBe(alice.fingerprint);
  expect(boundKeyOf(state.library, "org.example.notes")).toBe(alice.fingerprint);
}

describe("who owns an extension id", () => {
  it("binds the id to the key of its first signed install; the same key upgrades silently", async () => {
    const state = await aliceInstalled();
    const upgrade = installExtension(state.library, await bundle({ key: alice, version: "1.1.0" }), { grants: [] });
    expect(upgrade.author).toEqual({ change: "same", signedBy: alice.fingerprint, previousKey: alice.fingerprint });
  });

  it("refuses guest code swapped in and re-hashed with the public writer (unsigned over signed)", async () => {
    const state = await aliceInstalled();
    const forged = await bundle({ guestJs: "globalThis.author = 'mallory';" });
    expect(forged.signature).toBeNull();
    const error = await hostError(() => installExtension(state.library, forged, { grants: [{ permission: 0, scope: [] }, { permission: 1, scope: [] }] }));
    expect(error.code).toBe("SDX3030");
    expect(error.message).toMatch(/bound to the key sha256:[0-9a-f]{64}.*this bundle is not signed.*--replace-author/);
    expectUntouched(state);
  });

  it("refuses another author's bundle relabelled with the installed id, even when it asks for every permission", async () => {
    const state = await aliceInstalled();
    const relabelled = await bundle({ key: mallory, version: "1.0.0", guestJs: "globalThis.author = 'mallory';" });
    const error = await hostError(() => installExtension(state.library, relabelled, { grants: [{ permission: 0, scope: [] }, { permission: 1, scope: [] }] }));
    expect(error.code).toBe("SDX3030");
    expect(error.message).toContain(`signed by another key (${mallory.fingerprint})`);
    expectUntouched(state);
    expect(fs.readdirSync(`${state.library.extensionsDir()}/org.example.notes`)).toEqual(["1.0.0.sdx.wasm"]); // no temporary file left
  });

  it("--replace-author rebinds the id to the new key, and says so in the audit log", async () => {
    const state = await aliceInstalled();
    const installed = installExtension(state.library, await bundle({ key: mallory, version: "2.0.0" }), { grants: [], replaceAuthor: true });
    expect(installed.author).toEqual({ change: "replaced", signedBy: mallory.fingerprint, previousKey: alice.fingerprint });
    expect(boundKeyOf(state.library, "org.example.notes")).toBe(mallory.fingerprint);
    expect(readAudit(state.library, { who: "host" }).find((a) => a.op === "author.replace")?.detail).toEqual({ from: alice.fingerprint, to: mallory.fingerprint });
    // Now Alice's key is the stranger.
    expect((await hostError(async () => installExtension(state.library, await bundle({ key: alice, version: "3.0.0" }), { grants: [] }))).code).toBe("SDX3030");
  });

  it("refuses a downgrade (9.0.0 → 0.0.1) unless --allow-downgrade", async () => {
    const library = openLibrary();
    installExtension(library, await bundle({ key: alice, version: "9.0.0" }), { grants: [] });
    const error = await hostError(async () => installExtension(library, await bundle({ key: alice, version: "0.0.1" }), { grants: [] }));
    expect(error.code).toBe("SDX3031");
    expect(error.message).toMatch(/9\.0\.0 is installed; 0\.0\.1 is older.*--allow-downgrade/);
    expect(getInstalled(library, "org.example.notes")?.version).toBe("9.0.0");
    const down = installExtension(library, await bundle({ key: alice, version: "0.0.1" }), { grants: [], allowDowngrade: true });
    expect(down).toMatchObject({ version: "0.0.1", previousVersion: "9.0.0" });
  });

  it("unsigned bundles install for local development; a signed one over them binds the id from then on", async () => {
    const library = openLibrary();
    expect(installExtension(library, await bundle(), { grants: [] }).author.change).toBe("unsigned");
    expect(installExtension(library, await bundle({ version: "1.0.1" }), { grants: [] }).author.change).toBe("unsigned");
    expect(installExtension(library, await bundle({ key: alice, version: "1.0.2" }), { grants: [] }).author.change).toBe("bound");
    expect((await hostError(async () => installExtension(library, await bundle({ version: "1.0.3" }), { grants: [] }))).code).toBe("SDX3030");
  });

  it("an uninstall that keeps the models keeps the binding; --purge releases the id", async () => {
    const state = await aliceInstalled();
    uninstallExtension(state.library, "org.example.notes");
    expect((await hostError(async () => installExtension(state.library, await bundle({ key: mallory }), { grants: [] }))).code).toBe("SDX3030");
    installExtension(state.library, await bundle({ key: alice }), { grants: [] });
    uninstallExtension(state.library, "org.example.notes", { purge: true });
    expect(installExtension(state.library, await bundle({ key: mallory }), { grants: [] }).author.change).toBe("bound");
  });
});

describe("rotationChain", () => {
  const id = "org.example.notes";
  const r = (from: string, to: string, ids = [id]) => ({ from, to, ids });

  it("follows statements naming the id from the bound key to the signer, in order", () => {
    expect(rotationChain([r("b", "c"), r("a", "b")], "a", "c", id)).toEqual(["a", "b", "c"]);
    expect(rotationChain([r("a", "x"), r("a", "b"), r("b", "c"), r("x", "y")], "a", "c", id)).toEqual(["a", "b", "c"]);
  });

  it("finds nothing when a link names other ids, points elsewhere, or goes in circles", () => {
    expect(rotationChain([r("a", "b", ["org.example.other"]), r("b", "c")], "a", "c", id)).toBeNull();
    expect(rotationChain([r("b", "c")], "a", "c", id)).toBeNull(); // nothing from the bound key
    expect(rotationChain([r("a", "b"), r("b", "a")], "a", "c", id)).toBeNull();
    expect(rotationChain([], "a", "c", id)).toBeNull();
  });
});
