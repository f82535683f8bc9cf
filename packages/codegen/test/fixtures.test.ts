/**
 * Golden fixtures: every valid fixture produces exactly its expected artifacts; every broken
 * fixture fails with exactly the diagnostics marked in its sources (code AND line:col), rendered
 * as in its diagnostics.txt. Every SDX1xxx code has a broken fixture.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CODES } from "@sdx/sdk/codes";
import { diagnosticsToJson, generate, renderDiagnostics } from "@sdx/codegen";
import { actualMarkers, expectedMarkers, expectFile, FIXTURES, fixtureNames } from "./fixture-harness.js";

describe("valid fixtures", () => {
  for (const name of fixtureNames("valid-")) {
    it(name, () => {
      const dir = join(FIXTURES, name);
      const result = generate({ projectDir: dir });
      expect(actualMarkers(diagnosticsToJson(result.diagnostics, dir))).toEqual(expectedMarkers(dir));
      expect(result.ok).toBe(true);
      const a = result.artifacts!;
      expectFile(join(dir, "expected/manifest.json"), a.manifestJson);
      expectFile(join(dir, "expected/schema.sql"), a.schemaSql);
      expectFile(join(dir, "expected/bindings.ts"), a.bindingsTs);
      expectFile(join(dir, "expected/entry.ts"), a.entryTs);
    });
  }
});

describe("broken fixtures", () => {
  for (const name of fixtureNames("bad-")) {
    it(name, () => {
      const dir = join(FIXTURES, name);
      const result = generate({ projectDir: dir });
      const expected = expectedMarkers(dir);
      expect(expected.length, "a broken fixture marks its expected diagnostics").toBeGreaterThan(0);
      expect(actualMarkers(diagnosticsToJson(result.diagnostics, dir))).toEqual(expected);
      expect(result.ok).toBe(false);
      expect(result.artifacts).toBeNull();
      expectFile(join(dir, "diagnostics.txt"), renderDiagnostics(result.diagnostics, { cwd: dir, color: false }));
    });
  }

  it("cover every SDX1xxx code (SDX1037, an internal error, is covered in emit/manifest.test.ts)", () => {
    // The markers are asserted equal to the real diagnostics above, so they are the codes produced.
    const seenCodes = new Set(fixtureNames("bad-").flatMap((n) => expectedMarkers(join(FIXTURES, n)).map((m) => m.split(" ").pop()!)));
    const codegenCodes = Object.keys(CODES).filter((c) => c.startsWith("SDX1") && c !== "SDX1037");
    expect(codegenCodes.filter((c) => !seenCodes.has(c))).toEqual([]);
  });
});
