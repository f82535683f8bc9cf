/** Reads a bundle file from disk and verifies it, turning file errors into user errors. */
import { readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { readBundle, type LoadedBundle } from "@sdx/bundle-format";
import { UserError } from "../errors.js";

export async function loadBundleFile(path: string): Promise<LoadedBundle> {
  const file = resolve(path);
  let bytes: Uint8Array;
  try {
    if (statSync(file).isDirectory()) throw new UserError(`${file} is a directory, not a bundle`);
    bytes = new Uint8Array(readFileSync(file));
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(`cannot read bundle ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  return readBundle(bytes);
}
