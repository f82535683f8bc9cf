/**
 * `sdx keys generate <file>`: an Ed25519 key pair for signing bundles (the private key in `<file>`,
 * readable by its owner only, the public key in `<file>.pub`); `sdx keys fingerprint <file>`: the
 * fingerprint install binds an extension id to. And how `sdx build` finds the key to sign with.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeSync } from "node:fs";
import { dirname, resolve } from "node:path";
import pc from "picocolors";
import { fingerprintOfKeyFile, generateSigningKey, loadSigningKey } from "@sdx/bundle-format";
import type { KeyObject } from "node:crypto";
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

/** The key `sdx build` signs with: `--key`, else `$SDX_SIGNING_KEY`, else none (an unsigned bundle). */
export function signingKeyFor(option: string | undefined): { key: KeyObject; file: string } | null {
  const file = option ?? (process.env[SIGNING_KEY_ENV] || undefined);
  if (!file) return null;
  const path = resolve(file);
  const source = option ? path : `${path} (from ${SIGNING_KEY_ENV})`;
  return { key: loadSigningKey(readKeyFile(path), source), file: path };
}
