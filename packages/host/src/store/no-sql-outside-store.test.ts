/**
 * SQL lives in store/ only (docs: ARCHITECTURE.md). This test reads every source file of the host
 * outside store/ and of the CLI, and fails on SQL text in a string or template literal, or on a
 * call that runs SQL or reaches a statement cache (`.prepare(`, `.exec(`, `.pragma(`, `.stmt(`,
 * `db.transaction(`). Comments do not count; `regex.exec(…)` on a regular expression literal does
 * not either. Tests (`*.test.ts`, `__tests__/`) may inspect a database directly and are not read.
 *
 * It also checks the floors store/ depends on: store/ imports nothing above it, core/ and
 * extensions/ never import ops/ or above.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const HOST_SRC = fileURLToPath(new URL("../", import.meta.url));
const CLI_SRC = fileURLToPath(new URL("../../../cli/src/", import.meta.url));

/** Folders of packages/host/src not read: store/ is where SQL belongs. */
const EXEMPT_HOST_FOLDERS = ["store"];

const SQL_PATTERNS: ReadonlyArray<[string, RegExp]> = [
  ["SELECT", /\bSELECT\s/],
  ["INSERT", /\bINSERT\s/],
  ["UPDATE … SET", /\bUPDATE\b[\s\S]*\bSET\b/],
  ["DELETE FROM", /\bDELETE\s+FROM\b/],
  ["CREATE TABLE", /\bCREATE\s+(TEMP\s+|TEMPORARY\s+|VIRTUAL\s+)?TABLE\b/],
  ["PRAGMA", /\bPRAGMA\b/],
  ["BEGIN", /\bBEGIN\b/],
];

const SQL_CALLS = new Set(["prepare", "exec", "pragma", "stmt"]);

function isTest(file: string): boolean {
  return file.endsWith(".test.ts") || file.split(path.sep).includes("__tests__");
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(full));
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") && !isTest(full)) out.push(full);
  }
  return out;
}

/** Where a source text has SQL: `line: what`, one per finding. */
function sqlFindings(fileName: string, text: string): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const findings: string[] = [];
  const at = (node: ts.Node) => source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
  const checkText = (node: ts.Node, value: string) => {
    for (const [name, pattern] of SQL_PATTERNS) if (pattern.test(value)) findings.push(`${at(node)}: ${name} in a string`);
  };
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) checkText(node, node.text);
    else if (ts.isTemplateExpression(node)) {
      // The literal parts with a placeholder for each `${…}` (whose own literals are visited below).
      checkText(node, [node.head.text, ...node.templateSpans.map((span) => span.literal.text)].join(" ? "));
    }
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression)) {
      const { expression: receiver, name } = node.expression;
      const method = name.text;
      if (SQL_CALLS.has(method) && !(method === "exec" && ts.isRegularExpressionLiteral(receiver))) findings.push(`${at(node)}: .${method}(`);
      if (method === "transaction" && ts.isPropertyAccessExpression(receiver) && receiver.name.text === "db") findings.push(`${at(node)}: db.transaction(`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return findings;
}

const FLOORS: Record<string, readonly string[]> = {
  store: ["ops", "extensions", "core", "jobs", "actions", "agents", "host"],
  core: ["ops", "jobs", "actions", "agents", "host"],
  extensions: ["ops", "jobs", "actions", "agents", "host"],
};

function importsOf(file: string): string[] {
  const source = ts.createSourceFile(file, fs.readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const out: string[] = [];
  for (const statement of source.statements) {
    if ((ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) && statement.moduleSpecifier && ts.isStringLiteral(statement.moduleSpecifier)) {
      out.push(statement.moduleSpecifier.text);
    }
  }
  return out;
}

describe("no SQL outside store/", () => {
  it("finds SQL strings and SQL calls, not comments or regex.exec", () => {
    const sample = [
      "// SELECT * FROM models; BEGIN IMMEDIATE",
      "const a = library.stmt(\"SELECT 1\");",
      "const b = `UPDATE ${t} SET x = 1`;",
      "db.exec(\"BEGIN IMMEDIATE\");",
      "library.db.transaction(() => 1)();",
      "const c = /\\bPRAGMA\\b/i.exec(text);",
      "const d = \"the job was cancelled\";",
    ].join("\n");
    expect(sqlFindings("sample.ts", sample)).toEqual([
      "2: .stmt(", "2: SELECT in a string", "3: UPDATE … SET in a string", "4: .exec(", "4: BEGIN in a string", "5: db.transaction(",
    ]);
  });

  it("packages/host/src (but store/) and packages/cli/src contain no SQL", () => {
    const files = [
      ...sourceFiles(HOST_SRC).filter((f) => !EXEMPT_HOST_FOLDERS.includes(path.relative(HOST_SRC, f).split(path.sep)[0])),
      ...sourceFiles(CLI_SRC),
    ];
    expect(files.length).toBeGreaterThan(50);
    const findings = files.flatMap((file) => sqlFindings(file, fs.readFileSync(file, "utf8")).map((f) => `${path.relative(path.join(HOST_SRC, "../.."), file)}:${f}`));
    expect(findings).toEqual([]);
  });

  it("store/ imports nothing above it; core/ and extensions/ never import ops/ or above", () => {
    const violations: string[] = [];
    for (const [floor, above] of Object.entries(FLOORS)) {
      for (const file of sourceFiles(path.join(HOST_SRC, floor))) {
        for (const specifier of importsOf(file)) {
          if (!specifier.startsWith(".")) continue;
          const target = path.relative(HOST_SRC, path.resolve(path.dirname(file), specifier)).split(path.sep)[0];
          if (above.includes(target)) violations.push(`${path.relative(HOST_SRC, file)} imports ${specifier}`);
        }
      }
    }
    expect(violations).toEqual([]);
  });
});
