#!/usr/bin/env node
// Generates the published artifacts that are derived from single sources of truth:
//   packages/sdk/schema/manifest.schema.json  ← the zod manifest schema (for editors and the store)
//   packages/sdk/schema/ui-manifest.schema.json ← the zod ui_manifest schema (for editors, through "$schema")
//   docs/troubleshooting.md (the code table)   ← packages/sdk/src/codes/*.ts
// `npm test` checks both are up to date (test/generated-docs.test.ts); run `npm run gen:schema` after changing them.
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { renderManifestSchema, renderTroubleshooting, renderUiManifestSchema } from "./generated-docs.mjs";

const root = (p) => fileURLToPath(new URL(`../${p}`, import.meta.url));
mkdirSync(root("packages/sdk/schema"), { recursive: true });
writeFileSync(root("packages/sdk/schema/manifest.schema.json"), await renderManifestSchema());
writeFileSync(root("packages/sdk/schema/ui-manifest.schema.json"), await renderUiManifestSchema());
writeFileSync(root("docs/troubleshooting.md"), await renderTroubleshooting());
console.log("wrote packages/sdk/schema/manifest.schema.json, ui-manifest.schema.json and docs/troubleshooting.md");
