import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
// @ts-expect-error plain ESM script without types
import { renderManifestSchema, renderTroubleshooting, renderUiManifestSchema } from "../scripts/generated-docs.mjs";

const read = (p: string) => readFileSync(new URL(`../${p}`, import.meta.url), "utf8");

describe("generated documentation is up to date (run `npm run gen:schema`)", () => {
  it("manifest.schema.json matches the zod manifest schema", async () => {
    expect(read("packages/sdk/schema/manifest.schema.json")).toBe(await renderManifestSchema());
  });
  it("ui-manifest.schema.json matches the zod ui_manifest schema", async () => {
    expect(read("packages/sdk/schema/ui-manifest.schema.json")).toBe(await renderUiManifestSchema());
  });
  it("troubleshooting.md lists every error code", async () => {
    expect(read("docs/troubleshooting.md")).toBe(await renderTroubleshooting());
  });
});
