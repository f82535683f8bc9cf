/**
 * The bundle of an installed extension, read from where install put it and checked against the
 * hash recorded then: the host loads it to run, the UI preview to serve its ui_manifest.json.
 */
import { readFileSync } from "node:fs";
import { readBundle, type LoadedBundle } from "@sdx/bundle-format";
import { sdxError } from "../errors.js";
import type { Library } from "../store/library.js";
import { getInstalled } from "./install.js";

export async function readInstalledBundle(library: Library, extensionId: string): Promise<{ installed: NonNullable<ReturnType<typeof getInstalled>>; bundle: LoadedBundle }> {
  const installed = getInstalled(library, extensionId);
  if (!installed) throw sdxError("SDX3010", `extension ${extensionId} is not installed in the library at ${library.dir}`);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(installed.bundlePath));
  } catch (error) {
    throw sdxError("SDX3021", `the bundle of ${extensionId} is missing (${installed.bundlePath}): ${(error as Error).message}; install it again`);
  }
  const bundle = await readBundle(bytes);
  if (bundle.hash !== installed.bundleHash) {
    throw sdxError("SDX3021", `the bundle of ${extensionId} at ${installed.bundlePath} is not the one that was installed (hash ${bundle.hash}, installed ${installed.bundleHash}); install it again`);
  }
  return { installed, bundle };
}
