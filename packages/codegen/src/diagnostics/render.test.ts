import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Diagnostic } from "./diagnostic.js";
import { sortDiagnostics } from "./diagnostic.js";
import { diagnosticsToJson, positionOf, renderDiagnostics } from "./render.js";

const dir = mkdtempSync(join(tmpdir(), "sdx-render-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = join(dir, "src.ts");
const text = "line one\n  const x = bad;\nlast\n";
writeFileSync(file, text);

const error: Diagnostic = {
  code: "SDX1007",
  severity: "error",
  message: "Decorator option must be a literal",
  span: { file, start: text.indexOf("bad"), length: 3 },
  hint: "Use a literal.",
  notes: [{ message: "declared here", span: { file, start: 0, length: 4 } }],
};
const warning: Diagnostic = { code: "unvalidated-type", severity: "warning", message: "any", span: null, hint: "", notes: [] };

describe("positionOf", () => {
  it("is 1-based and counts UTF-16 units on the line", () => {
    expect(positionOf(text, 0)).toEqual({ line: 1, col: 1 });
    expect(positionOf(text, text.indexOf("bad"))).toEqual({ line: 2, col: 13 });
    expect(positionOf("é\nx", 2)).toEqual({ line: 2, col: 1 });
  });
});

describe("renderDiagnostics", () => {
  it("prints tsc-style location, code frame, hint and notes, without color by default", () => {
    expect(renderDiagnostics([error, warning], { cwd: dir })).toBe(
      [
        "src.ts:2:13 - error SDX1007: Decorator option must be a literal",
        "",
        "    1 | line one",
        "  > 2 |   const x = bad;",
        "      |             ^^^",
        "    3 | last",
        "",
        "  hint: Use a literal.",
        "  note: declared here (src.ts:1:1)",
        "",
        "warning unvalidated-type: any",
        "",
        "Found 1 error and 1 warning.",
        "",
      ].join("\n"),
    );
  });

  it("colors on request", () => {
    const colored = renderDiagnostics([error], { cwd: dir, color: true });
    expect(colored).toContain("\u001b[");
    // eslint-disable-next-line no-control-regex -- stripping ANSI escapes is the point
    expect(colored.replace(/\u001b\[[0-9;]*m/g, "")).toContain("src.ts:2:13 - error SDX1007");
  });

  it("renders nothing for no diagnostics", () => {
    expect(renderDiagnostics([])).toBe("");
  });
});

describe("diagnosticsToJson", () => {
  it("gives relative files and 1-based positions, 0 when unknown", () => {
    expect(diagnosticsToJson([error, warning], dir)).toEqual([
      { code: "SDX1007", severity: "error", message: error.message, hint: "Use a literal.", file: "src.ts", line: 2, col: 13 },
      { code: "unvalidated-type", severity: "warning", message: "any", hint: "", file: "", line: 0, col: 0 },
    ]);
  });
});

describe("sortDiagnostics", () => {
  it("orders by file and position, spanless first", () => {
    const later = { ...error, span: { file, start: 1, length: 1 } };
    const earlier = { ...error, span: { file, start: 0, length: 1 } };
    expect(sortDiagnostics([later, error, warning, earlier])).toEqual([warning, earlier, later, error]);
  });
});
