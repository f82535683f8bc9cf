import { describe, expect, it } from "vitest";
import { generateKeyPairSync } from "node:crypto";
import { MANIFEST_VERSION, type Manifest } from "@sdx/sdk/manifest";
import { PROTOCOL_VERSION } from "@sdx/sdk/protocol";
import {
  ENDORSED_SIGNATURE_FORMAT, fingerprintOfKeyFile, generateSigningKey, loadSigningKey, rawPublicKey, readBundle, readSections, signBundle, signRotation, SIGNATURE_SECTION,
  verifyRotation, withoutSignature, writeBundle, type BundleContents, type KeyRotation,
} from "./index.js";
import { encodeCustomSection } from "./wasm-sections.js";

const manifest: Manifest = {
  manifestVersion: MANIFEST_VERSION, protocolVersion: PROTOCOL_VERSION, id: "org.example.notes", name: "Notes",
  version: "1.0.0", description: "d", minCoreVersion: "2.0.0", requiredFeatures: [], permissions: [],
  settings: [], models: [], jobs: [], tasks: [], actions: [], agent: null, memory: null, aiModels: [], prompts: [],
  kernels: [], hasInit: false, hasUi: false, queries: [],
};

function contents(guestJs = "globalThis.x = 1;"): BundleContents {
  return { manifestJson: JSON.stringify(manifest), guestJs, schemaSql: "-- sql", uiManifestJson: null, prompts: {}, assets: {}, kernels: null };
}

const author = generateSigningKey();
const authorKey = loadSigningKey(author.privateKeyPem, "author.key");

describe("bundle signatures", () => {
  it("carry the signer's public key; reading verifies them and names the key's fingerprint", async () => {
    const signed = await writeBundle(contents(), { signingKey: authorKey });
    const loaded = await readBundle(signed);
    expect(loaded.signature?.fingerprint).toBe(author.fingerprint);
    expect(loaded.signature?.fingerprint).toBe(fingerprintOfKeyFile(author.publicKeyPem, "author.key.pub"));
    expect(readSections(signed).at(-1)?.name).toBe(SIGNATURE_SECTION);
    expect((await readBundle(await writeBundle(contents()))).signature).toBeNull();
  });

  it("are deterministic: the same sources and key give the same bytes", async () => {
    const a = await writeBundle(contents(), { signingKey: authorKey });
    const b = await writeBundle(contents(), { signingKey: authorKey });
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
  });

  it("refuses guest code swapped in with the integrity recomputed by the public writer, the old signature kept", async () => {
    const signed = await writeBundle(contents(), { signingKey: authorKey });
    const signatureSection = readSections(signed).at(-1)!;
    // The attack: rebuild the bundle around other code (valid integrity), then carry over the author's signature.
    const forged = await writeBundle(contents("globalThis.x = 'steal';"));
    const attack = Buffer.concat([forged, signed.subarray(signatureSection.start)]);
    await expect(readBundle(attack)).rejects.toMatchObject({ code: "SDX2010", message: expect.stringMatching(/changed after it was signed/) });
  });

  it("refuses any single changed byte of a signed bundle", async () => {
    const signed = await writeBundle(contents(), { signingKey: authorKey });
    const start = readSections(signed).at(-1)!.start;
    // Every byte of the signature section, and a sample of the rest (the unsigned part has its own every-byte test).
    const positions = [...Array.from({ length: signed.length - start }, (_, i) => start + i), 0, 9, Math.floor(start / 2), start - 1];
    for (const i of positions) {
      const copy = signed.slice();
      copy[i] = copy[i]! ^ 0x01;
      await expect(readBundle(copy), `byte ${i}`).rejects.toMatchObject({ code: expect.stringMatching(/^SDX200[45]$|^SDX2010$/) });
    }
  });

  it("refuses a signature by a key the record does not name", async () => {
    const signed = await writeBundle(contents(), { signingKey: authorKey });
    const section = readSections(signed).at(-1)!;
    const record = JSON.parse(new TextDecoder().decode(section.payload)) as Record<string, unknown>;
    const other = generateSigningKey();
    const otherPublic = Buffer.from(rawPublicKey(loadSigningKey(other.privateKeyPem, "other.key"))).toString("base64");
    const swapped = JSON.stringify({ ...record, publicKey: otherPublic });
    const attack = Buffer.concat([signed.subarray(0, section.start), encodeCustomSection(SIGNATURE_SECTION, new TextEncoder().encode(swapped))]);
    await expect(readBundle(attack)).rejects.toMatchObject({ code: "SDX2010", message: expect.stringMatching(/does not match/) });
  });

  it("re-signing replaces the signer; stripping the signature gives the unsigned bundle back", async () => {
    const unsigned = await writeBundle(contents());
    const signed = await signBundle(unsigned, authorKey);
    expect(Buffer.from(withoutSignature(signed)).equals(Buffer.from(unsigned))).toBe(true);
    const other = generateSigningKey();
    const resigned = await signBundle(signed, loadSigningKey(other.privateKeyPem, "other.key"));
    expect((await readBundle(resigned)).signature?.fingerprint).toBe(other.fingerprint);
    expect(readSections(resigned).filter((s) => s.name === SIGNATURE_SECTION)).toHaveLength(1);
  });

  it("refuses a second signature section, or one that is not last", async () => {
    const signed = await writeBundle(contents(), { signingKey: authorKey });
    const section = signed.subarray(readSections(signed).at(-1)!.start);
    await expect(readBundle(Buffer.concat([signed, section]))).rejects.toMatchObject({ code: "SDX2004" });
  });

  it("explains which key files cannot sign", () => {
    expect(() => loadSigningKey(author.publicKeyPem, "author.key.pub")).toThrow(expect.objectContaining({ code: "SDX2012", message: expect.stringMatching(/public key/) }));
    expect(() => loadSigningKey("hello", "notes.txt")).toThrow(expect.objectContaining({ code: "SDX2012" }));
    const rsa = generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    expect(() => loadSigningKey(rsa, "rsa.pem")).toThrow(expect.objectContaining({ code: "SDX2012", message: expect.stringMatching(/rsa key/) }));
  });
});

describe("key rotation statements", () => {
  const next = generateSigningKey();
  const nextKey = loadSigningKey(next.privateKeyPem, "next.key");
  const third = generateSigningKey();
  const thirdKey = loadSigningKey(third.privateKeyPem, "third.key");

  it("a statement signed by the old key names both keys and the ids; a bundle carries it as format 2", async () => {
    const statement = signRotation(authorKey, nextKey, ["org.example.notes", "org.example.notes"]);
    expect(verifyRotation(statement)).toEqual({ from: author.fingerprint, to: next.fingerprint, ids: ["org.example.notes"] });
    const bundle = await writeBundle(contents(), { signingKey: nextKey, endorsements: [statement] });
    const loaded = await readBundle(bundle);
    expect(loaded.signature).toMatchObject({ fingerprint: next.fingerprint, endorsements: [{ from: author.fingerprint, to: next.fingerprint, ids: ["org.example.notes"] }] });
    expect(JSON.parse(new TextDecoder().decode(readSections(bundle).at(-1)!.payload)).format).toBe(ENDORSED_SIGNATURE_FORMAT);
    // Without statements nothing changes: format 1, the same bytes as before rotations existed.
    expect(await writeBundle(contents(), { signingKey: nextKey, endorsements: [] })).toEqual(await writeBundle(contents(), { signingKey: nextKey }));
    expect((await readBundle(await writeBundle(contents(), { signingKey: nextKey }))).signature?.endorsements).toEqual([]);
  });

  it("refuses a statement whose ids, keys or signature were changed, in a bundle and on its own", async () => {
    const statement = signRotation(authorKey, nextKey, ["org.example.notes"]);
    const forged: KeyRotation[] = [
      { ...statement, ids: ["org.example.other"] },
      { ...statement, to: Buffer.from(rawPublicKey(thirdKey)).toString("base64") },
      { ...signRotation(thirdKey, nextKey, ["org.example.notes"]), from: statement.from },
      { ...statement, signature: statement.signature.slice(0, -4) + "AAA=" },
    ];
    for (const bad of forged) {
      expect(() => verifyRotation(bad)).toThrow(/SDX2010|not signed by the key|malformed/);
      // A hand-made section: the writer itself refuses to sign with a bad statement.
      await expect(writeBundle(contents(), { signingKey: nextKey, endorsements: [bad] })).rejects.toMatchObject({ code: "SDX2010" });
      const good = await writeBundle(contents(), { signingKey: nextKey, endorsements: [statement] });
      const section = readSections(good).at(-1)!;
      const record = JSON.parse(new TextDecoder().decode(section.payload));
      record.endorsements = [bad];
      const tampered = new Uint8Array([...good.subarray(0, section.start), ...encodeCustomSection(SIGNATURE_SECTION, new TextEncoder().encode(JSON.stringify(record)))]);
      await expect(readBundle(tampered)).rejects.toMatchObject({ code: "SDX2010" });
    }
    expect(() => signRotation(authorKey, authorKey, ["org.example.notes"])).toThrow(/another key/);
    expect(() => signRotation(authorKey, nextKey, [])).toThrow(/names the extension ids/);
  });
});
