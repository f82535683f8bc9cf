/**
 * The user's values for an extension's `@setting` fields (the settings pane), kept in
 * `library.db`. Every invocation receives the defaults from the manifest overridden by these.
 * Values are validated against the manifest's settings schema when written; values left over
 * from an older version that no longer fit are ignored on read (the default applies). Settings
 * sync between devices (each setting is a register of the extension's sync row).
 */
import type { Manifest, ManifestSetting } from "@sdx/sdk/manifest";
import type { Library } from "./library.js";
import { sdxError } from "./errors.js";
import { stampRow } from "./sync-rows.js";

const SCHEMA = `CREATE TABLE IF NOT EXISTS extension_settings (
    extension_id TEXT NOT NULL,
    name TEXT NOT NULL,
    value TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (extension_id, name)
)`;

function fits(setting: ManifestSetting, value: unknown): boolean {
  switch (setting.type) {
    case "boolean": return typeof value === "boolean";
    case "number": return typeof value === "number" && Number.isFinite(value);
    case "string": return typeof value === "string" && (!setting.options || setting.options.includes(value));
    case "string[]": return Array.isArray(value) && value.every((v) => typeof v === "string" && (!setting.options || setting.options.includes(v)));
  }
}

/** Defaults overridden by the user's stored values. */
export function readSettings(library: Library, manifest: Manifest): Record<string, unknown> {
  library.db.exec(SCHEMA);
  const stored = new Map(
    (library.db.prepare("SELECT name, value FROM extension_settings WHERE extension_id = ?").all(manifest.id) as Array<{ name: string; value: string }>)
      .map((row) => [row.name, JSON.parse(row.value) as unknown]),
  );
  return Object.fromEntries(manifest.settings.map((s) => {
    const value = stored.get(s.name);
    return [s.name, value !== undefined && fits(s, value) ? value : s.default];
  }));
}

/** Validates and stores values (by setting name); throws SDX3002 naming the bad setting. */
export function writeSettings(library: Library, manifest: Manifest, values: Record<string, unknown>, options: { stamp?: boolean } = {}): Record<string, unknown> {
  library.db.exec(SCHEMA);
  for (const [name, value] of Object.entries(values)) {
    const setting = manifest.settings.find((s) => s.name === name);
    if (!setting) {
      throw sdxError("SDX3002", `${manifest.id} has no setting "${name}"; settings: ${manifest.settings.map((s) => s.name).join(", ") || "none"}`);
    }
    if (!fits(setting, value)) {
      throw sdxError("SDX3002", `setting "${name}" expects ${setting.type}${setting.options ? ` (one of ${setting.options.join(", ")})` : ""}, got ${JSON.stringify(value)}`);
    }
  }
  const now = new Date().toISOString();
  const upsert = library.db.prepare(`INSERT INTO extension_settings (extension_id, name, value, updated_at) VALUES (?, ?, ?, ?)
    ON CONFLICT (extension_id, name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`);
  library.db.transaction(() => {
    for (const [name, value] of Object.entries(values)) upsert.run(manifest.id, name, JSON.stringify(value), now);
    // A setting is the user's choice for the library: it syncs (one register per setting).
    if (options.stamp !== false && Object.keys(values).length > 0) stampRow(library, "extension", manifest.id, Object.keys(values).map((n) => `s.${n}`), library.hlc.now());
  }).immediate();
  return readSettings(library, manifest);
}

/** Every stored value of an extension, as JSON text by setting name (for a sync batch). */
export function storedSettings(library: Library, extensionId: string): Record<string, string> {
  library.db.exec(SCHEMA);
  const rows = library.db.prepare("SELECT name, value FROM extension_settings WHERE extension_id = ?").all(extensionId) as Array<{ name: string; value: string }>;
  return Object.fromEntries(rows.map((r) => [r.name, r.value]));
}
