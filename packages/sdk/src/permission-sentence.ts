/**
 * The human-readable sentence of each permission: what `sdx install` asks ("Allow Notes to …?"),
 * what `sdx grants` and `sdx inspect` list, and what the manifest carries for a store to show
 * (`permissions[i].description`). One function, so the prompt, the listing and the store say the
 * same thing.
 *
 * The sentence completes "Allow <extension> to …". It is derived from the permission's data, and
 * every reader of a manifest checks that the description it carries is exactly this sentence, so an
 * author cannot describe `**\/*` as "read your notes". The wording is therefore part of the
 * manifest format: changing it bumps `MANIFEST_VERSION`, and the wording of every version a reader
 * accepts stays here.
 * @see docs/permissions.md
 */
import type { PermissionRequest } from "./types/permissions.js";

const PLACES = { local: "on this device", cloud: "in the cloud", any: "on this device or in the cloud" } as const;

function list(items: readonly string[]): string {
  return items.join(", ");
}

/** The sentence of a permission (manifest version 2 wording). @example `read files matching **\/*.jpg` */
export function permissionSentence(permission: PermissionRequest): string {
  switch (permission.kind) {
    case "read_entries":
      return `read files matching ${permission.glob}`;
    case "read_sidecars":
      return `read sidecars of kind ${list(permission.kinds)} of the files it can read`;
    case "write_sidecars":
      return `write sidecars of kind ${list(permission.kinds)} for the files it can read`;
    case "write_tags":
      return "add and remove tags";
    case "write_collections":
      return "create collections and add items to them";
    case "write_custom_metadata":
      return "store its own custom metadata on files";
    case "use_model":
      return `use ${permission.category} models, preferably ${PLACES[permission.preference]}`;
    case "dispatch_jobs":
      return "start its own jobs in the background";
    case "use_devices":
      return permission.capabilities.length ? `run work on devices with ${list(permission.capabilities)}` : "run work on other devices";
    case "write_files":
      return `move, rename and write files matching ${permission.glob}, only in actions you confirm`;
  }
}
