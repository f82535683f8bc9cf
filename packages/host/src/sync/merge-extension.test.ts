/**
 * Extension installs and settings between real libraries (batches moved by hand), with real
 * bundles: a synced install grants nothing until this device's user consents, an upgrade keeps
 * this device's grants, every device converges on the highest version, an author this device does
 * not trust is refused, an uninstall travels and keeps the data.
 */
import fs from "node:fs";
import { blake3 } from "hash-wasm";
import { afterAll, describe, expect, it } from "vitest";
import { generateSigningKey, loadSigningKey, readBundle, writeBundle } from "@sdx/bundle-format";
import type { Manifest } from "@sdx/sdk/manifest";
import { getInstalled, grantsFor, installExtension, uninstallExtension, updateGrants } from "../extensions/install.js";
import { readAudit } from "../store/audit.js";
import { cleanupTempDirs, call, hostError, makeManifest, openLibrary, personModel } from "../store/__tests__/fixture.js";
import type { Library } from "../store/library.js";
import { readSettings, writeSettings } from "../store/settings.js";
import { createLibraryOpContext } from "../ops/library-context.js";
import { nextBatch, pairByHand, pull, sharedSnapshot, syncBoth } from "./__tests__/exchange.js";
import { applyBatch } from "./apply.js";

afterAll(cleanupTempDirs);

const ID = "org.example.notes";
const alice = generateSigningKey();
const mallory = generateSigningKey();
const BASE: Manifest["permissions"] = [{ kind: "read_entries", glob: "**/*.txt" }, { kind: "write_tags" }];
const SETTINGS: Manifest["settings"] = [
  { name: "threshold", label: "Threshold", type: "number", default: 1 },
  { name: "mode", label: "Mode", type: "string", default: "fast" },
];

async function bundle(version: string, options: { key?: typeof alice | null; permissions?: Manifest["permissions"] } = {}) {
  const manifest = makeManifest({ version, permissions: options.permissions ?? BASE, settings: SETTINGS, models: [personModel] });
  const key = options.key === undefined ? alice : options.key;
  const bytes = await writeBundle(
    { manifestJson: JSON.stringify(manifest), guestJs: `globalThis.v = '${version}';`, schemaSql: "", uiManifestJson: null, prompts: {}, assets: {}, kernels: null },
    { signingKey: key ? loadSigningKey(key.privateKeyPem, "key") : undefined },
  );
  return readBundle(bytes);
}

function pair(): [Library, Library] {
  const a = openLibrary();
  const b = openLibrary();
  pairByHand(a, b);
  return [a, b];
}

const manifestOf = (library: Library) => getInstalled(library, ID)!.manifest;

describe("extension installs and settings", () => {
  it("a first install travels with its bundle, settings and models, and grants nothing until this device's user consents", async () => {
    const [a, b] = pair();
    installExtension(a, await bundle("1.0.0"), { grants: [{ permission: 0, scope: ["/home/a/Notes"] }, { permission: 1, scope: [] }] });
    writeSettings(a, manifestOf(a), { threshold: 7 });
    const person = await call(createLibraryOpContext(a, ID), "models.create", { modelType: "Person", scope: { standalone: true }, data: { name: "Ada", photoCount: 1 }, blobs: {} });

    const outcomes = await pull(a, b);
    // What a running host is told: reload this extension; its settings changed.
    expect(outcomes.flatMap((o) => o.extensions)).toEqual([ID]);
    expect(outcomes.flatMap((o) => o.settings)).toEqual([ID]);
    const installed = getInstalled(b, ID)!;
    expect(installed.bundleHash).toBe(getInstalled(a, ID)!.bundleHash);
    expect(installed.signedBy).toBe(alice.fingerprint);
    expect(fs.readFileSync(installed.bundlePath).equals(fs.readFileSync(getInstalled(a, ID)!.bundlePath))).toBe(true);
    expect(grantsFor(b, ID)).toEqual([]);
    expect(readSettings(b, manifestOf(b))).toEqual({ threshold: 7, mode: "fast" });
    expect(sharedSnapshot(b)).toBe(sharedSnapshot(a));
    expect(readAudit(b, { who: "sync" }).find((r) => r.op === "sync.install")?.detail).toMatchObject({ version: "1.0.0", granted: 0, awaitingConsent: 2 });
    // Without consent the extension's calls are refused here; after it, they run.
    const ctx = createLibraryOpContext(b, ID);
    expect((await hostError(() => call(ctx, "tags.add", { target: { model: person.uuid }, tag: "#x" }))).code).toBe("SDX3001");
    updateGrants(b, ID, [{ permission: 1, scope: [] }]);
    await call(createLibraryOpContext(b, ID), "tags.add", { target: { model: person.uuid }, tag: "#x" });
    // Grants never travel: B's consent does not change A's grants, nor A's B's.
    await syncBoth(a, b);
    expect(grantsFor(a, ID).map((g) => g.index)).toEqual([0, 1]);
    expect(grantsFor(b, ID).map((g) => g.index)).toEqual([1]);
  });

  it("an upgrade keeps this device's grants for unchanged permissions; a new permission waits for consent; settings merge last-writer-wins", async () => {
    const [a, b] = pair();
    installExtension(a, await bundle("1.0.0"), { grants: [{ permission: 0, scope: ["/home/a"] }, { permission: 1, scope: [] }] });
    await pull(a, b);
    updateGrants(b, ID, [{ permission: 0, scope: ["/home/b"] }]);
    installExtension(a, await bundle("1.1.0", { permissions: [...BASE, { kind: "write_collections" }] }), { grants: [0, 1, 2].map((permission) => ({ permission, scope: [] })) });
    writeSettings(b, manifestOf(b), { mode: "slow" });
    // Later on the wall clock: two writes in the same millisecond on two devices that have not met
    // are ordered by device id, not by which came second.
    const wrote = Date.now();
    while (Date.now() <= wrote) { /* the next millisecond */ }
    writeSettings(a, manifestOf(a), { mode: "thorough", threshold: 3 }); // later: wins the mode everywhere

    await syncBoth(a, b);
    await syncBoth(a, b);
    expect(getInstalled(b, ID)!.version).toBe("1.1.0");
    expect(grantsFor(b, ID).map((g) => [g.index, g.scope])).toEqual([[0, ["/home/b"]]]);
    expect(readSettings(a, manifestOf(a))).toEqual({ threshold: 3, mode: "thorough" });
    expect(readSettings(b, manifestOf(b))).toEqual({ threshold: 3, mode: "thorough" });
    // The replaced bundle file is gone once the batch committed.
    expect(fs.readdirSync(`${b.extensionsDir()}/${ID}`)).toEqual(["1.1.0.sdx.wasm"]);
  });

  it("every device converges on the highest version: a later install of an older one does not downgrade the others", async () => {
    const [a, b] = pair();
    installExtension(a, await bundle("1.2.0"), { grants: [] });
    installExtension(b, await bundle("1.0.0"), { grants: [] }); // later, older
    await syncBoth(a, b);
    await syncBoth(a, b);
    expect(getInstalled(a, ID)!.version).toBe("1.2.0");
    expect(getInstalled(b, ID)!.version).toBe("1.2.0");
    // A deliberate downgrade on one device is undone by the next sync (documented).
    installExtension(b, await bundle("1.1.0"), { grants: [], allowDowngrade: true });
    await syncBoth(a, b);
    await syncBoth(a, b);
    expect([getInstalled(a, ID)!.version, getInstalled(b, ID)!.version]).toEqual(["1.2.0", "1.2.0"]);
    expect(nextBatch(a, b).records).toEqual([]);
    expect(nextBatch(b, a).records).toEqual([]);
  });

  it("a bundle by another author than the one this device trusts is refused, logged, and changes nothing", async () => {
    const [a, b] = pair();
    installExtension(b, await bundle("1.0.0"), { grants: [{ permission: 1, scope: [] }] });
    installExtension(a, await bundle("2.0.0", { key: mallory }), { grants: [] });
    const before = fs.readFileSync(getInstalled(b, ID)!.bundlePath);
    const error = await hostError(() => applyBatch(b, a.deviceUuid, nextBatch(a, b)));
    expect(error.code).toBe("SDX3045");
    expect(error.message).toMatch(/SDX3030/);
    expect(getInstalled(b, ID)!.version).toBe("1.0.0");
    expect(getInstalled(b, ID)!.signedBy).toBe(alice.fingerprint);
    expect(grantsFor(b, ID).map((g) => g.index)).toEqual([1]);
    expect(fs.readFileSync(getInstalled(b, ID)!.bundlePath).equals(before)).toBe(true);
    expect(fs.readdirSync(`${b.extensionsDir()}/${ID}`)).toEqual(["1.0.0.sdx.wasm"]);
    expect(readAudit(b, { who: "sync", result: "denied" })).toHaveLength(1);
    // An unsigned bundle over a signed install is refused the same way.
    const [c, d] = pair();
    installExtension(d, await bundle("1.0.0"), { grants: [] });
    installExtension(c, await bundle("1.5.0", { key: null }), { grants: [] });
    expect((await hostError(() => applyBatch(d, c.deviceUuid, nextBatch(c, d)))).message).toMatch(/SDX3030/);
  });

  it("an uninstall travels (data kept, files gone); a bundle that does not verify is refused", async () => {
    const [a, b] = pair();
    installExtension(a, await bundle("1.0.0"), { grants: [] });
    await call(createLibraryOpContext(a, ID), "models.create", { modelType: "Person", scope: { standalone: true }, data: { name: "Ada", photoCount: 1 }, blobs: {} });
    await pull(a, b);
    uninstallExtension(a, ID);
    await pull(a, b);
    expect(getInstalled(b, ID)).toBeNull();
    expect(fs.existsSync(`${b.extensionsDir()}/${ID}`)).toBe(false);
    expect(b.db.prepare("SELECT count(*) AS n FROM models").get()).toEqual({ n: 1 });

    const [c, d] = pair();
    installExtension(c, await bundle("1.0.0"), { grants: [] });
    const batch = nextBatch(c, d);
    const record = batch.records.find((r) => r.entity === "extension")!;
    const garbage = new TextEncoder().encode("not a bundle at all");
    if (record.entity !== "extension" || !record.value) throw new Error("expected an install");
    record.value.bundleHash = await blake3(garbage);
    batch.blobData = { [record.value.bundleHash]: garbage };
    const error = await hostError(() => applyBatch(d, c.deviceUuid, batch));
    expect(error.code).toBe("SDX3045");
    expect(error.message).toMatch(/does not verify/);
    expect(getInstalled(d, ID)).toBeNull();
  });
});
