/**
 * The extension part of a bundle's `schema.sql`, applied safely.
 *
 * The file starts with the core additions (already in the library as migration v2) and continues
 * after the marker line `-- sdx:section registrations` (`SCHEMA_SECTIONS` in @sdx/sdk/core-schema) with the extension's own statements:
 * model registrations and views or expression indexes over `models`. That text comes from a
 * bundle, so it is never run against the library directly: it runs in a scratch in-memory
 * database with the same schema, and only its permitted effects are carried over: registration
 * rows for this extension's own model types (which must agree with the manifest), and new views
 * and indexes (no tables, no triggers, no changes to anything that exists). Without the marker,
 * the registrations are derived from the manifest alone.
 */
import type { Manifest } from "@sdx/sdk/manifest";
import { SCHEMA_SECTIONS } from "@sdx/sdk/core-schema";
import { hostFailed, sdxError, SdxError } from "../store/errors.js";
import { runInScratchLibrary, type ModelTypeRow, type SchemaObject } from "../store/extensions-store.js";

export type { SchemaObject } from "../store/extensions-store.js";

export const REGISTRATIONS_MARKER = SCHEMA_SECTIONS.registrations;

/** A model type registration: a row of `extension_model_types`. */
export type Registration = ModelTypeRow;

export interface ExtensionSchema {
  registrations: Registration[];
  objects: SchemaObject[];
}

export function registrationsFromManifest(manifest: Manifest): Registration[] {
  return manifest.models.map((m) => ({
    extension_id: manifest.id,
    model_type: m.name,
    version: m.version,
    scope: m.scope,
    sync_strategy: m.sync,
    json_schema: JSON.stringify(m.schema),
    blob_fields: JSON.stringify(m.blobFields),
  }));
}

function incompatible(manifest: Manifest, message: string): SdxError {
  return sdxError("SDX3009", `${manifest.id}: schema.sql ${message}`);
}

/** Runs the extension part in a scratch database and returns what may be applied to the library. */
export function extensionSchema(manifest: Manifest, schemaSql: string): ExtensionSchema {
  const registrations = registrationsFromManifest(manifest);
  const markerAt = schemaSql.indexOf(`\n${REGISTRATIONS_MARKER}\n`) + 1;
  if (markerAt === 0) return { registrations, objects: [] };
  const part = schemaSql.slice(markerAt + REGISTRATIONS_MARKER.length);
  // Statements that reach outside the scratch database (files, extensions, settings) are refused outright.
  const code = part.replace(/'(?:[^']|'')*'/g, "''").replace(/--[^\n]*/g, "").replace(/\/\*[\s\S]*?\*\//g, "");
  const forbidden = /\b(ATTACH|DETACH|VACUUM|PRAGMA|load_extension|readfile|writefile)\b/i.exec(code);
  if (forbidden) throw incompatible(manifest, `uses ${forbidden[1].toUpperCase()}, which an extension's schema may not`);
  const run = runInScratchLibrary(part);
  if (!run.ok) throw hostFailed(`${manifest.id}: its schema.sql does not run: ${(run.error as Error).message}`, run.error);
  for (const row of run.registrations) {
    const declared = registrations.find((r) => r.model_type === row.model_type);
    if (row.extension_id !== manifest.id) throw incompatible(manifest, `registers a model type for another extension (${row.extension_id})`);
    if (!declared || declared.version !== row.version || declared.scope !== row.scope || declared.sync_strategy !== row.sync_strategy) {
      throw incompatible(manifest, `registers ${row.model_type} ${row.version} (${row.scope}, ${row.sync_strategy}), which the manifest does not declare`);
    }
  }
  const objects: SchemaObject[] = [];
  for (const object of run.created) {
    if (object.type !== "view" && object.type !== "index") {
      throw incompatible(manifest, `creates a ${object.type} (${object.name}); an extension may only add views and indexes`);
    }
    objects.push({ type: object.type, name: object.name, sql: object.sql });
  }
  if (run.dropped.length > 0) throw incompatible(manifest, `drops core objects (${run.dropped.join(", ")})`);
  return { registrations, objects };
}
