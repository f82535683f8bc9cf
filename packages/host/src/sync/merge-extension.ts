/**
 * Merging an extension's install (docs/devices.md#extensions-and-settings). Which extensions a
 * library has, at which bundle, and the user's settings are the library's, so they travel.
 * Registers: `@` (installed or uninstalled, last writer wins), `bundle` (the bundle, by hash) and
 * `s.<name>` (each setting, last writer wins).
 *
 * Choices (each device's user stays in charge of what runs there):
 * - Grants never travel. A synced first install grants nothing here: the extension's calls are
 *   refused until this device's user consents (`sdx grants <id> --grant <path>`). A synced upgrade
 *   keeps what this device granted, for the permissions the new version still requests unchanged;
 *   a new or changed permission waits for consent.
 * - A bundle arrives by hash and is verified like any bundle (integrity, signature, manifest,
 *   compatibility), then installed with the same checks as `sdx install` and none of its
 *   overrides: an id bound here to another author's key is refused (the batch is refused, SDX3045
 *   naming SDX3030), so a key change needs `--replace-author` on every device.
 * - The bundle register converges on the highest version (equal versions: the newer install). A
 *   sync never downgrades; a device that receives an older version than it has stamps its own
 *   again, so the newer one travels back (an `--allow-downgrade` on one device is undone by the
 *   next sync).
 */
import type { LoadedBundle } from "@sdx/bundle-format";
import type { Manifest, ManifestPermission } from "@sdx/sdk/manifest";
import semverCompare from "semver/functions/compare.js";
import { SdxError } from "../errors.js";
import { getInstalled, grantsFor, installExtension, uninstallExtension, type GrantInput } from "../extensions/install.js";
import { writeAudit } from "../store/audit.js";
import { writeSettings } from "../store/settings.js";
import { putSyncRow, syncRow, type Clocks } from "../store/sync-rows.js";
import { refused, type MergeContext, type MergeOutcome } from "./merge-context.js";
import { winners } from "./merge-model.js";
import type { SyncRecord } from "./wire.js";

type ExtensionRecord = Extract<SyncRecord, { entity: "extension" }>;

/** A permission's data without its sentence (two versions request "the same" permission when these match). */
function permissionKey(p: ManifestPermission): string {
  const { description: _sentence, ...data } = p;
  return JSON.stringify(data, Object.keys(data).sort());
}

/** What this device granted that `manifest` still requests unchanged (nothing for a first install). */
export function keptGrants(ctx: MergeContext, id: string, manifest: Manifest): GrantInput[] {
  const installed = getInstalled(ctx.library, id);
  if (!installed) return [];
  const granted = new Map(grantsFor(ctx.library, id).map((g) => [permissionKey(installed.manifest.permissions[g.index]!), g.scope]));
  return manifest.permissions.flatMap((p, index) => {
    const scope = granted.get(permissionKey(p));
    return scope ? [{ permission: index, scope }] : [];
  });
}

function install(ctx: MergeContext, record: ExtensionRecord, bundles: ReadonlyMap<string, LoadedBundle>): void {
  const id = record.key;
  const hash = record.value!.bundleHash;
  const bundle = bundles.get(hash);
  if (!bundle) throw refused(`the bundle ${hash} of ${id} was neither sent nor installed here`);
  if (bundle.manifest.id !== id) throw refused(`the bundle sent for ${id} is ${bundle.manifest.id}'s`);
  try {
    const grants = keptGrants(ctx, id, bundle.manifest);
    const result = installExtension(ctx.library, bundle, { grants, stamp: false, keepFiles: true });
    const waiting = bundle.manifest.permissions.length - grants.length;
    writeAudit(ctx.library, "sync", "sync.install", id, "ok", { version: result.version, previous: result.previousVersion, from: ctx.peer, granted: grants.length, awaitingConsent: waiting });
  } catch (error) {
    if (error instanceof SdxError) throw refused(`installing ${id} ${bundle.manifest.version}: ${error.code} ${error.message}`);
    throw error;
  }
}

function applySettings(ctx: MergeContext, record: ExtensionRecord, won: readonly string[]): void {
  const manifest = getInstalled(ctx.library, record.key)?.manifest;
  if (!manifest || !record.value) return;
  for (const field of won) {
    if (!field.startsWith("s.")) continue;
    const text = record.value.settings[field.slice(2)];
    if (text === undefined) continue;
    try {
      writeSettings(ctx.library, manifest, { [field.slice(2)]: JSON.parse(text) as unknown }, { stamp: false });
      ctx.changedSettings.add(record.key);
    } catch (error) {
      // A setting this version does not have (or no longer accepts): the default applies here.
      if (!(error instanceof SdxError || error instanceof SyntaxError)) throw error;
    }
  }
}

export function mergeExtension(ctx: MergeContext, record: ExtensionRecord, bundles: ReadonlyMap<string, LoadedBundle>): MergeOutcome {
  const id = record.key;
  const { library } = ctx;
  const local = syncRow(library, "extension", id);
  const won = winners(local?.clocks, record.clocks);
  if (won.length === 0) return "unchanged";
  const clocks: Clocks = { ...local?.clocks };
  for (const field of won) if (field !== "bundle") clocks[field] = record.clocks[field]!;
  const deleted = won.includes("@") ? record.deleted : local ? local.deleted : record.deleted;
  const installed = getInstalled(library, id);
  const value = record.value;
  let changed = false;
  if (deleted) {
    if (installed) {
      uninstallExtension(library, id, { stamp: false, keepFiles: true });
      changed = true;
    }
  } else if (!value) {
    return "unchanged"; // uninstalled where it came from, installed again here since
  } else if (!installed) {
    install(ctx, record, bundles);
    clocks.bundle = record.clocks.bundle ?? clocks.bundle!;
    changed = true;
  } else if (installed.bundleHash === value.bundleHash) {
    if (won.includes("bundle")) clocks.bundle = record.clocks.bundle!;
  } else {
    const order = semverCompare(value.version, installed.version);
    if (order > 0 || (order === 0 && won.includes("bundle"))) {
      install(ctx, record, bundles);
      clocks.bundle = record.clocks.bundle!;
      changed = true;
    } else if (order < 0) {
      // Ours is newer: stamped again so it travels back and the peer converges on it.
      clocks.bundle = library.hlc.now();
    }
  }
  if (!deleted) applySettings(ctx, record, won);
  if (changed) ctx.extensionChanged(id);
  putSyncRow(library, "extension", id, clocks, deleted);
  return "applied";
}
