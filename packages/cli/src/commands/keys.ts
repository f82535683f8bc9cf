/**
 * `sdx keys generate <file>`: an Ed25519 key pair for signing bundles (the private key in `<file>`,
 * readable by its owner only, the public key in `<file>.pub`); `sdx keys fingerprint <file>`: the
 * fingerprint install binds an extension id to; `sdx keys rotate <old> <new> --id …`: a statement,
 * signed by the old key, that hands those ids to the new one, kept in `<new>.rotations.json` (with
 * the old key's own, so rotations chain). And how `sdx build` finds the key to sign with, and the
 * statements beside it that go into the bundle.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from "node:fs";
import { dirname, resolve } from "node:path";
import pc from "picocolors";
import { fingerprintOfKeyFile, generateSigningKey, keyFingerprint, loadSigningKey, rawPublicKey, signRotation, verifyRotation, type KeyRotation, type VerifiedRotation } from "@sdx/bundle-format";
import { createPublicKey, type KeyObject } from "node:crypto";
import { UserError } from "../errors.js";
import type { CommandResult } from "../output.js";

/** The environment variable naming the private key `sdx build` signs with when `--key` is not given. */
export const SIGNING_KEY_ENV = "SDX_SIGNING_KEY";

function writeNew(file: string, text: string, mode: number): void {
  // "wx": never overwrite a key; losing one means losing the extension ids bound to it.
  const fd = openSync(file, "wx", mode);
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}

export async function keysGenerate(file: string): Promise<CommandResult<{ privateKey: string; publicKey: string; fingerprint: string }>> {
  const privatePath = resolve(file);
  const publicPath = `${privatePath}.pub`;
  for (const path of [privatePath, publicPath]) {
    if (existsSync(path)) throw new UserError(`${path} already exists; sdx never overwrites a key (extensions installed with it are bound to it). Choose another file.`);
  }
  const key = generateSigningKey();
  try {
    // A new folder for keys is private too (mode 700); an existing one is left as it is.
    mkdirSync(dirname(privatePath), { recursive: true, mode: 0o700 });
    writeNew(privatePath, key.privateKeyPem, 0o600);
    writeNew(publicPath, key.publicKeyPem, 0o644);
  } catch (error) {
    throw new UserError(`cannot write the key: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message} (${privatePath})`);
  }
  return {
    data: { privateKey: privatePath, publicKey: publicPath, fingerprint: key.fingerprint },
    human: [
      `${pc.green("✔")} wrote the private key ${pc.bold(privatePath)} (keep it secret and backed up; sign with \`sdx build --key ${file}\`)`,
      `  and the public key ${publicPath}`,
      `  fingerprint ${key.fingerprint}`,
    ].join("\n"),
  };
}

export async function keysFingerprint(file: string): Promise<CommandResult<{ file: string; fingerprint: string }>> {
  const path = resolve(file);
  const fingerprint = fingerprintOfKeyFile(readKeyFile(path), path);
  return { data: { file: path, fingerprint }, human: fingerprint };
}

function readKeyFile(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    throw new UserError(`cannot read the key file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, "SDX2012");
  }
}

/** Where the rotation statements that hand ids to the key in `keyFile` are kept. */
export function rotationsFile(keyFile: string): string {
  return `${keyFile}.rotations.json`;
}

/** The statements in `<key>.rotations.json`, each checked (SDX2010 otherwise); none when the file does not exist. */
function readRotations(keyFile: string): Array<{ statement: KeyRotation; verified: VerifiedRotation }> {
  const path = rotationsFile(keyFile);
  if (!existsSync(path)) return [];
  let list: unknown;
  try {
    list = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new UserError(`cannot read the key rotations in ${path}: ${(error as Error).message}`, "SDX2012");
  }
  if (!Array.isArray(list)) throw new UserError(`${path} is not a list of key rotation statements (write it with \`sdx keys rotate\`)`, "SDX2012");
  return (list as KeyRotation[]).map((statement) => ({ statement, verified: verifyRotation(statement) }));
}

/**
 * The key `sdx build` signs with: `--key`, else `$SDX_SIGNING_KEY`, else none (an unsigned bundle);
 * with the rotation statements kept beside it, which every bundle it signs carries.
 */
export function signingKeyFor(option: string | undefined): { key: KeyObject; file: string; endorsements: KeyRotation[] } | null {
  const file = option ?? (process.env[SIGNING_KEY_ENV] || undefined);
  if (!file) return null;
  const path = resolve(file);
  const source = option ? path : `${path} (from ${SIGNING_KEY_ENV})`;
  const key = loadSigningKey(readKeyFile(path), source);
  const rotations = readRotations(path);
  const fingerprint = keyFingerprint(rawPublicKey(key));
  // Each statement leads to this key, directly or through another: a file copied beside the wrong key is caught here.
  const verified = rotations.map((r) => r.verified);
  const stray = verified.find((r) => r.to !== fingerprint && !verified.some((o) => o.from === r.to));
  if (stray) throw new UserError(`${rotationsFile(path)} hands ids to ${stray.to}, which is neither this key (${fingerprint}) nor on the way to it`, "SDX2012");
  return { key, file: path, endorsements: rotations.map((r) => r.statement) };
}

/** The Ed25519 public key in a `.pub` file, or SDX2012. */
function publicSigningKey(pem: string, source: string): KeyObject {
  try {
    const key = createPublicKey(pem);
    if (key.asymmetricKeyType === "ed25519") return key;
  } catch {
    // reported below
  }
  throw new UserError(`${source} is not an Ed25519 public key (write one with \`sdx keys generate\`)`, "SDX2012");
}

/**
 * `sdx keys rotate <old> <new> --id <id>…`: the old key hands the ids to the new one. The statement
 * goes into `<new>.rotations.json`, after the old key's own statements (how the old key got them),
 * so a bundle signed by the new key proves the whole chain to a library bound to any earlier key.
 */
export async function keysRotate(oldFile: string, newFile: string, ids: string[]): Promise<CommandResult<{ from: string; to: string; ids: string[]; file: string; statements: number }>> {
  if (ids.length === 0) throw new UserError("name the extension ids the new key takes over: sdx keys rotate <old> <new> --id <extension id>");
  const oldPath = resolve(oldFile);
  const old = loadSigningKey(readKeyFile(oldPath), oldPath);
  // The new key's public half is enough (rotating on the old key's machine): the statements go
  // beside where its private half is, `<new>` without `.pub`, to be copied there with it.
  const givenPath = resolve(newFile);
  const pem = readKeyFile(givenPath);
  const isPublic = /-----BEGIN PUBLIC KEY-----/.test(pem);
  const newPath = isPublic && givenPath.endsWith(".pub") ? givenPath.slice(0, -".pub".length) : givenPath;
  const next = isPublic ? publicSigningKey(pem, givenPath) : loadSigningKey(pem, givenPath);
  const statement = signRotation(old, next, ids);
  const verified = verifyRotation(statement);
  const existing = readRotations(newPath).map((r) => r.statement);
  const inherited = readRotations(oldPath).map((r) => r.statement).filter((r) => !existing.some((e) => e.signature === r.signature));
  const list = [...existing, ...inherited, ...(existing.some((e) => e.signature === statement.signature) ? [] : [statement])];
  const file = rotationsFile(newPath);
  try {
    writeFileSync(file, `${JSON.stringify(list, null, 2)}\n`);
  } catch (error) {
    throw new UserError(`cannot write ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  return {
    data: { from: verified.from, to: verified.to, ids: verified.ids, file, statements: list.length },
    human: [
      `${pc.green("✔")} ${verified.from} hands ${verified.ids.join(", ")} to ${verified.to}`,
      `  wrote ${file} (${list.length} statement${list.length === 1 ? "" : "s"}); \`sdx build --key ${isPublic ? newPath : newFile}\` puts ${list.length === 1 ? "it" : "them"} in every bundle it signs${isPublic ? " (keep the file beside that key)" : ""},`,
      "  and a library that has these ids bound to the old key installs them without --replace-author",
    ].join("\n"),
  };
}
