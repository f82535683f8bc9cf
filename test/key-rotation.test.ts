/**
 * Key rotation through the real CLI: an author moves an extension id to a new key with
 * `sdx keys rotate`, and `sdx build --key <new>` carries the statement; a library bound to the old
 * key (or to any key earlier in the chain) installs the new bundle without --replace-author,
 * rebinds the id and audits it. A statement for another id, or one copied beside another key,
 * changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { copyFileSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { sdx, sdxJson, tempDir } from "./helpers/cli.js";

const work = tempDir("sdx-rotate-");
afterAll(() => rmSync(work, { recursive: true, force: true }));
const project = join(work, "notes");
const key = (name: string) => join(work, "keys", `${name}.key`);
const fingerprints: Record<string, string> = {};
let id = "";

async function build(signer: string): Promise<string> {
  const built = await sdxJson<{ bundlePath: string; signedBy: string }>(["build", project, "--key", key(signer)]);
  expect(built.status, built.stderr).toBe(0);
  expect(built.json.signedBy).toBe(fingerprints[signer]);
  const copy = join(work, `${signer}.sdx.wasm`);
  writeFileSync(copy, readFileSync(built.json.bundlePath));
  return copy;
}

async function install(bundle: string, library: string) {
  return sdx(["install", bundle, "--library", join(work, library), "--grant", work]);
}

function audited(library: string): Array<{ op: string; detail: string }> {
  const db = new Database(join(work, library, "library.db"), { readonly: true });
  try {
    return db.prepare("SELECT op, detail FROM audit_log WHERE op LIKE 'author.%' ORDER BY id").all() as Array<{ op: string; detail: string }>;
  } finally {
    db.close();
  }
}

describe("key rotation", () => {
  const bundles: Record<string, string> = {};

  beforeAll(async () => {
    expect((await sdx(["init", project])).status).toBe(0);
    for (const name of ["alice", "alice2", "alice3", "mallory"]) {
      fingerprints[name] = (await sdxJson<{ fingerprint: string }>(["keys", "generate", key(name)])).json.fingerprint;
    }
    bundles.alice = await build("alice");
    id = (await sdxJson<{ manifest: { id: string } }>(["inspect", bundles.alice])).json.manifest.id;
    expect((await install(bundles.alice, "library")).status).toBe(0);
  });

  it("keys rotate writes a statement the old key signed; the new key's bundles carry it and installs follow it", async () => {
    // The new key's public half is enough; the statements go beside its private file.
    const rotated = await sdxJson<{ from: string; to: string; ids: string[]; file: string; statements: number }>(["keys", "rotate", key("alice"), `${key("alice2")}.pub`, "--id", id]);
    expect(rotated.status, rotated.stderr).toBe(0);
    expect(rotated.json).toEqual({ from: fingerprints.alice, to: fingerprints.alice2, ids: [id], file: `${key("alice2")}.rotations.json`, statements: 1 });

    bundles.alice2 = await build("alice2");
    const inspected = await sdx(["inspect", bundles.alice2]);
    expect(inspected.stdout).toContain(`key rotation: ${fingerprints.alice} handed ${id} to ${fingerprints.alice2}`);
    const installed = await install(bundles.alice2, "library");
    expect(installed.status, installed.stderr).toBe(0);
    expect(installed.stdout).toContain(`signed by ${fingerprints.alice2}, a key ${fingerprints.alice} handed this id to`);
    expect(audited("library").map((row) => [row.op, JSON.parse(row.detail)])).toEqual([
      ["author.rotate", { from: fingerprints.alice, to: fingerprints.alice2, via: [fingerprints.alice, fingerprints.alice2] }],
    ]);
    // Now bound to the new key: the old key's bundles are another author's.
    const back = await sdxJson<{ error: { code: string } }>(["install", bundles.alice, "--library", join(work, "library"), "--grant", work]);
    expect(back.json.error.code).toBe("SDX3030");
  });

  it("rotations chain: a library still bound to the first key installs a bundle of the third", async () => {
    const again = await sdxJson<{ statements: number }>(["keys", "rotate", key("alice2"), key("alice3"), "--id", id]);
    expect(again.json.statements).toBe(2); // alice → alice2, inherited, and alice2 → alice3
    bundles.alice3 = await build("alice3");
    expect((await install(bundles.alice, "old-library")).status).toBe(0);
    const installed = await install(bundles.alice3, "old-library");
    expect(installed.status, installed.stderr).toBe(0);
    expect(JSON.parse(audited("old-library")[0]!.detail).via).toEqual([fingerprints.alice, fingerprints.alice2, fingerprints.alice3]);
  });

  it("a statement for other ids, or copied beside another key, moves nothing", async () => {
    await sdxJson(["keys", "rotate", key("alice"), key("mallory"), "--id", "org.example.other"]);
    bundles.mallory = await build("mallory");
    expect((await install(bundles.alice, "third-library")).status).toBe(0);
    const refused = await sdxJson<{ error: { code: string; message: string } }>(["install", bundles.mallory, "--library", join(work, "third-library"), "--grant", work]);
    expect(refused.status).toBe(1);
    expect(refused.json.error).toMatchObject({ code: "SDX3030", message: expect.stringContaining("sdx keys rotate") });
    expect(audited("third-library")).toEqual([]);

    copyFileSync(`${key("alice2")}.rotations.json`, `${key("mallory")}.rotations.json`);
    const stray = await sdxJson<{ error: { code: string; message: string } }>(["build", project, "--key", key("mallory")]);
    expect(stray.status).toBe(1);
    expect(stray.json.error).toMatchObject({ code: "SDX2012", message: expect.stringContaining("neither this key") });
  });
});
