/**
 * Issue 13 through the real CLI: authors sign bundles (`sdx keys generate`, `sdx build --key` or
 * SDX_SIGNING_KEY), install binds an id to the key that first installed it, and the attacks that
 * used to install (swapped guest code re-hashed with the public writer, another author's bundle
 * relabelled with an installed id, a downgrade) are refused with a clear code unless the user says
 * so. Plus what a store ingests: `sdx inspect --json`, `sdx validate` of a bare manifest.json, and
 * the manifest's JSON Schema exported from @sdx/sdk.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { loadSigningKey, readBundle, writeBundle, type LoadedBundle } from "@sdx/bundle-format";
import { MANIFEST_VERSION, type Manifest } from "@sdx/sdk/manifest";
import { sdx, sdxJson, tempDir } from "./helpers/cli.js";

const work = tempDir("sdx-trust-");
afterAll(() => rmSync(work, { recursive: true, force: true }));
const project = join(work, "notes");
const alice = join(work, "keys", "alice.key");
const mallory = join(work, "keys", "mallory.key");
let aliceFingerprint = "";
let malloryFingerprint = "";
let signedPath = "";
let unsignedPath = "";

/** A bundle with the same contents as `bundle` except `changes`, as anyone can write with the public writer. */
async function rewrite(bundle: LoadedBundle, changes: { manifest?: Partial<Manifest>; guestJs?: string }, keyFile?: string): Promise<Uint8Array> {
  return writeBundle(
    {
      manifestJson: JSON.stringify({ ...bundle.manifest, ...changes.manifest }),
      guestJs: changes.guestJs ?? bundle.guestJs,
      schemaSql: bundle.schemaSql,
      uiManifestJson: bundle.uiManifest === null ? null : JSON.stringify(bundle.uiManifest),
      prompts: bundle.prompts,
      assets: bundle.assets,
      kernels: bundle.hasKernels ? bundle.bytes.subarray(0, bundle.code.size) : null,
    },
    { signingKey: keyFile ? loadSigningKey(readFileSync(keyFile, "utf8"), keyFile) : undefined },
  );
}

function file(name: string, bytes: Uint8Array): string {
  const path = join(work, name);
  writeFileSync(path, bytes);
  return path;
}

describe("signed bundles and who owns an extension id", () => {
  beforeAll(() => {
    expect(sdx(["init", project]).status).toBe(0);
  });

  it("keys generate writes a private key only its owner can read and the public key beside it, and never overwrites", () => {
    const made = sdxJson<{ privateKey: string; publicKey: string; fingerprint: string }>(["keys", "generate", alice]);
    expect(made.status, made.stderr).toBe(0);
    expect(made.json).toEqual({ privateKey: alice, publicKey: `${alice}.pub`, fingerprint: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) });
    expect(statSync(alice).mode & 0o777).toBe(0o600);
    expect(readFileSync(`${alice}.pub`, "utf8")).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    aliceFingerprint = made.json.fingerprint;
    const before = readFileSync(alice, "utf8");
    const again = sdxJson<{ error: { message: string } }>(["keys", "generate", alice]);
    expect(again.status).toBe(1);
    expect(again.json.error.message).toMatch(/already exists; sdx never overwrites a key/);
    expect(readFileSync(alice, "utf8")).toBe(before);
    expect(sdxJson<{ fingerprint: string }>(["keys", "fingerprint", `${alice}.pub`]).json.fingerprint).toBe(aliceFingerprint);
    malloryFingerprint = sdxJson<{ fingerprint: string }>(["keys", "generate", mallory]).json.fingerprint;
  });

  it("build --key signs the bundle; SDX_SIGNING_KEY signs the same bytes; a public key cannot sign", () => {
    const unsigned = sdxJson<{ bundlePath: string; signedBy: string | null }>(["build", project]);
    expect(unsigned.json.signedBy).toBeNull();
    unsignedPath = file("unsigned.sdx.wasm", readFileSync(unsigned.json.bundlePath));
    const built = sdxJson<{ bundlePath: string; signedBy: string }>(["build", project, "--key", alice]);
    expect(built.status, built.stderr).toBe(0);
    expect(built.json.signedBy).toBe(aliceFingerprint);
    signedPath = file("signed.sdx.wasm", readFileSync(built.json.bundlePath));
    const viaEnv = sdx(["--json", "build", project], { env: { SDX_SIGNING_KEY: alice } });
    expect(JSON.parse(viaEnv.stdout).signedBy).toBe(aliceFingerprint);
    expect(readFileSync(built.json.bundlePath).equals(readFileSync(signedPath))).toBe(true);
    const pub = sdxJson<{ error: { code: string; message: string } }>(["build", project, "--key", `${alice}.pub`]);
    expect(pub.status).toBe(1);
    expect(pub.json.error).toMatchObject({ code: "SDX2012", message: expect.stringMatching(/is a public key/) });
  });

  it("inspect and validate name the signing key, or say plainly that a bundle is unsigned", () => {
    const inspected = sdxJson<{ signed: boolean; signature: { fingerprint: string }; permissions: Array<{ kind: string; description: string }> }>(["inspect", signedPath]);
    expect(inspected.json.signed).toBe(true);
    expect(inspected.json.signature.fingerprint).toBe(aliceFingerprint);
    expect(inspected.json.permissions.map((p) => p.description)).toEqual(["read files matching **/*.txt", "add and remove tags"]);
    expect(sdx(["inspect", unsignedPath]).stdout).toContain("unsigned: nothing proves who built this bundle");
    expect(sdxJson<{ signedBy: string }>(["validate", signedPath]).json.signedBy).toBe(aliceFingerprint);
  });

  it("install says an unsigned bundle is unsigned, and binds the id to the key of a signed one", () => {
    const dev = sdx(["install", unsignedPath, "--library", join(work, "dev-library"), "--yes"]);
    expect(dev.status, dev.stderr).toBe(0);
    expect(dev.stdout).toContain("unsigned: nothing proves who built this bundle");
    const installed = sdx(["install", signedPath, "--library", join(work, "library"), "--grant", work]);
    expect(installed.status, installed.stderr).toBe(0);
    expect(installed.stdout).toContain(`signed by ${aliceFingerprint}; this id is now bound to that key`);
  });

  it("refuses guest code swapped in and re-hashed with the public bundle writer, with or without the old signature", async () => {
    const library = join(work, "library");
    const storedBundle = join(library, "extensions", "org.example.notes", "0.1.0.sdx.wasm");
    const stored = readFileSync(storedBundle);
    const original = await readBundle(new Uint8Array(readFileSync(signedPath)));
    const forged = await rewrite(original, { guestJs: `${original.guestJs}\n/* exfiltrate */` });
    const unsigned = sdxJson<{ error: { code: string; message: string } }>(["install", file("forged.sdx.wasm", forged), "--library", library, "--yes"]);
    expect(unsigned.status).toBe(1);
    expect(unsigned.json.error).toMatchObject({ code: "SDX3030", message: expect.stringContaining("this bundle is not signed") });
    // The author's signature section carried over onto the forged bytes (the signed bundle is the unsigned one plus that section).
    const carried = Buffer.concat([forged, readFileSync(signedPath).subarray(readFileSync(unsignedPath).length)]);
    const withSignature = sdxJson<{ error: { code: string } }>(["install", file("forged-signed.sdx.wasm", carried), "--library", library, "--yes"]);
    expect(withSignature.status).toBe(1);
    expect(withSignature.json.error.code).toBe("SDX2010");
    expect(readFileSync(storedBundle).equals(stored)).toBe(true);
  });

  it("refuses another author's bundle relabelled with the installed id, even with --grant; --replace-author installs it and says so", async () => {
    const library = join(work, "library");
    const grantsBefore = sdxJson(["grants", "org.example.notes", "--library", library]).json;
    const theirs = await rewrite(await readBundle(new Uint8Array(readFileSync(unsignedPath))), { guestJs: "/* someone else's code */" }, mallory);
    const path = file("relabelled.sdx.wasm", theirs);
    const refused = sdxJson<{ error: { code: string; message: string } }>(["install", path, "--library", library, "--grant", work]);
    expect(refused.status).toBe(1);
    expect(refused.json.error.code).toBe("SDX3030");
    expect(refused.json.error.message).toContain(`bound to the key ${aliceFingerprint}`);
    expect(refused.json.error.message).toContain(`signed by another key (${malloryFingerprint})`);
    expect(sdxJson(["grants", "org.example.notes", "--library", library]).json).toEqual(grantsBefore);
    const replaced = sdx(["install", path, "--library", library, "--yes", "--replace-author"]);
    expect(replaced.status, replaced.stderr).toBe(0);
    expect(replaced.stdout).toContain(`author replaced (--replace-author): the id was bound to ${aliceFingerprint}, now to ${malloryFingerprint}`);
  });

  it("refuses a downgrade (9.0.0 → 0.0.1) unless --allow-downgrade", async () => {
    const library = join(work, "versions");
    const original = await readBundle(new Uint8Array(readFileSync(signedPath)));
    const v9 = file("v9.sdx.wasm", await rewrite(original, { manifest: { version: "9.0.0" } }, alice));
    const v0 = file("v0.sdx.wasm", await rewrite(original, { manifest: { version: "0.0.1" } }, alice));
    expect(sdx(["install", v9, "--library", library, "--yes"]).status).toBe(0);
    const down = sdxJson<{ error: { code: string; message: string } }>(["install", v0, "--library", library, "--yes"]);
    expect(down.status).toBe(1);
    expect(down.json.error).toMatchObject({ code: "SDX3031", message: expect.stringMatching(/9\.0\.0 is installed; 0\.0\.1 is older/) });
    const allowed = sdxJson<{ version: string; previousVersion: string }>(["install", v0, "--library", library, "--yes", "--allow-downgrade"]);
    expect(allowed.status).toBe(0);
    expect(allowed.json).toMatchObject({ version: "0.0.1", previousVersion: "9.0.0" });
  });
});

describe("manifests a store can ingest", () => {
  it("validate accepts a bare manifest.json and lists every issue of a bad one with a JSON pointer, a code and a message", () => {
    const manifestPath = join(project, "generated", "manifest.json");
    expect(existsSync(manifestPath)).toBe(true);
    const ok = sdxJson<{ kind: string; ok: boolean; issues: unknown[] }>(["validate", manifestPath]);
    expect(ok.status).toBe(0);
    expect(ok.json).toMatchObject({ kind: "manifest", ok: true, issues: [] });

    const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as Manifest;
    const bad = { ...manifest, version: "soon", license: "MIT-ish", permissions: [{ ...manifest.permissions[0], description: "read nothing at all" }], surprise: 1 };
    const badPath = join(work, "bad-manifest.json");
    writeFileSync(badPath, JSON.stringify(bad));
    const result = sdxJson<{ ok: boolean; issues: Array<{ pointer: string; code: string; message: string }> }>(["validate", badPath]);
    expect(result.status).toBe(1);
    expect(result.json.ok).toBe(false);
    expect(result.json.issues).toEqual(expect.arrayContaining([
      { pointer: "/version", code: "SDX2006", message: "a semantic version like 1.2.3" },
      { pointer: "/license", code: "SDX2006", message: expect.stringMatching(/SPDX/) },
      { pointer: "/permissions/0/description", code: "SDX2006", message: 'does not describe the permission; it must be "read files matching **/*.txt"' },
      { pointer: "", code: "SDX2006", message: expect.stringMatching(/surprise/) },
    ]));
    expect(sdx(["validate", badPath]).stdout).toContain("/permissions/0/description");

    const newer = join(work, "newer-manifest.json");
    writeFileSync(newer, JSON.stringify({ ...manifest, manifestVersion: MANIFEST_VERSION + 1 }));
    expect(sdxJson<{ issues: Array<{ code: string }> }>(["validate", newer]).json.issues).toEqual([expect.objectContaining({ code: "SDX2011", pointer: "/manifestVersion" })]);
  });

  it("validate lists the issues of a manifest inside a bundle the same way", async () => {
    const original = await readBundle(new Uint8Array(readFileSync(unsignedPath)));
    const broken = await writeBundle({
      manifestJson: JSON.stringify({ ...original.manifest, homepage: "example.com", permissions: [{ kind: "write_tags" }] }),
      guestJs: original.guestJs, schemaSql: original.schemaSql, uiManifestJson: null, prompts: original.prompts, assets: {}, kernels: null,
    });
    const result = sdxJson<{ kind: string; ok: boolean; issues: Array<{ pointer: string; code: string }> }>(["validate", file("broken-manifest.sdx.wasm", broken)]);
    expect(result.status).toBe(1);
    expect(result.json).toMatchObject({ kind: "bundle", ok: false });
    expect(result.json.issues.map((i) => `${i.pointer} ${i.code}`).sort()).toEqual(["/homepage SDX2006", "/permissions/0/description SDX2006"]);
  });

  it("the JSON Schema is exported from @sdx/sdk, with the manifest version in its $id", () => {
    const schemaPath = createRequire(import.meta.url).resolve("@sdx/sdk/manifest.schema.json");
    const schema = JSON.parse(readFileSync(schemaPath, "utf8")) as { $id: string; properties: Record<string, unknown> };
    expect(schema.$id).toBe(`https://spacedrive.com/schemas/sdx/manifest/v${MANIFEST_VERSION}.schema.json`);
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(["author", "license", "homepage", "repository", "icon"]));
  });
});
