/**
 * Stage: `<project>/ui_manifest.json` → validated JSON text (spec §7). The frontend renders it
 * generically, so a bad key, an unknown component, a query the extension does not declare, an
 * action it does not have or a missing icon is a build error at the exact line and column of the
 * key or value (jsonc-parser keeps every node's offset), never a runtime surprise.
 * Input: the project directory and the generated manifest. Output: the canonical JSON text (what
 * the bundle carries) or located SDX2008 diagnostics. Must not: run queries.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { findNodeAtLocation, getNodeValue, parseTree, printParseErrorCode, type Node, type ParseError } from "jsonc-parser";
import type { Diagnostic } from "@sdx/codegen";
import { codeInfo } from "@sdx/sdk/codes";
import type { Manifest } from "@sdx/sdk/manifest";
import { checkQuery, parseFilter, type QuerySpec } from "@sdx/sdk/query";
import { uiManifestSchema, type UiManifest } from "@sdx/sdk/ui-manifest";

export { uiManifestSchema } from "@sdx/sdk/ui-manifest";

type ManifestPart = Pick<Manifest, "models" | "permissions" | "actions" | "queries">;
type Path = ReadonlyArray<string | number>;

export function checkUiManifest(projectDir: string, manifest: ManifestPart): { json: string | null; diagnostics: Diagnostic[] } {
  const file = join(projectDir, "ui_manifest.json");
  if (!existsSync(file)) return { json: null, diagnostics: [] };
  const text = readFileSync(file, "utf8");
  const diagnostics: Diagnostic[] = [];
  const report = (start: number, length: number, message: string) =>
    diagnostics.push({ code: "SDX2008", severity: "error", message: `ui_manifest.json: ${message}`, hint: codeInfo("SDX2008")?.hint ?? "", span: { file, start, length: Math.max(1, length) }, notes: [] });

  const errors: ParseError[] = [];
  const tree = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false });
  for (const error of errors) report(error.offset, error.length, `not valid JSON: ${printParseErrorCode(error.error)}`);
  if (errors.length || !tree) {
    if (!tree && !errors.length) report(0, 1, "the file is empty");
    return { json: null, diagnostics };
  }

  /** The node at `path`; for a key the object does not allow, its key's node. */
  const nodeAt = (path: Path, key?: string): Node => {
    const parent = findNodeAtLocation(tree, [...path]) ?? tree;
    if (key !== undefined && parent.type === "object") {
      const property = parent.children?.find((p) => p.children?.[0]?.value === key);
      if (property?.children?.[0]) return property.children[0];
    }
    return parent;
  };
  const at: At = (path, message, key, inner) => {
    const node = nodeAt(path, key);
    // Inside a string value: exact when the JSON text spells the string without escapes.
    const raw = text.slice(node.offset, node.offset + node.length);
    if (inner && node.type === "string" && raw === JSON.stringify(node.value)) report(node.offset + 1 + inner.offset, inner.length, message);
    else report(node.offset, node.length, message);
  };

  const parsed = uiManifestSchema.safeParse(getNodeValue(tree));
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path = issue.path as Path;
      const where = path.map(String).join(".") || "(top level)";
      if (issue.code === "unrecognized_keys") for (const key of issue.keys) at(path, `${where}: unknown key "${key}"`, key);
      else at(path, `${where}: ${issue.message}`);
    }
    return { json: null, diagnostics };
  }
  const ui = parsed.data;
  checkReferences(ui, manifest, projectDir, at);
  // Canonical text: stable bytes whatever the author's formatting; `$schema` is for editors only.
  const { $schema: _schema, ...rest } = ui;
  return { json: diagnostics.length ? null : JSON.stringify(rest), diagnostics };
}

type At = (path: Path, message: string, key?: string, inner?: { offset: number; length: number }) => void;

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Checks filter-language text the way the host will run it; problems at the string's node. */
function checkFilter(text: string, manifest: ManifestPart, path: Path, at: At, prefix = 0): QuerySpec | null {
  const parsed = parseFilter(text);
  if (!parsed.ok) {
    at(path, `"${text}": ${parsed.error.message}`, undefined, { offset: prefix + parsed.error.offset, length: parsed.error.length });
    return null;
  }
  const problems = checkQuery(parsed.spec, manifest, parsed.params);
  for (const problem of problems) at(path, `"${text}": ${problem.message}`);
  return problems.length ? null : parsed.spec;
}

function checkReferences(ui: UiManifest, manifest: ManifestPart, projectDir: string, at: At): void {
  const queries = new Map(manifest.queries.map((q) => [q.name, q]));
  const known = [...queries.keys()].join(", ") || "none";
  const ids = new Map<string, string>();
  const uniqueId = (id: string, path: Path) => {
    const prior = ids.get(id);
    if (prior) at([...path, "id"], `id "${id}" is already used by ${prior}`);
    else ids.set(id, path.map(String).join("."));
  };
  const icon = (value: string | undefined, path: Path) => {
    if (value && !existsSync(join(projectDir, value))) at([...path, "icon"], `icon "${value}" does not exist (put it under assets/)`);
  };
  const views = new Map(ui.views.map((v) => [v.id, v]));
  /** Parameters of what a view shows (a named query's; none for model: and filter: sources). */
  const viewParams = (source: string): string[] | null => (source.startsWith("query:") ? queries.get(source.slice(6))?.params.map((p) => p.name) ?? null : []);
  const onSelect = (value: { view: string; param: string } | undefined, path: Path) => {
    if (!value) return;
    const view = views.get(value.view);
    if (!view) return at([...path, "on_select", "view"], `no view "${value.view}" (views: ${[...views.keys()].join(", ") || "none"})`);
    const params = viewParams(view.data_source);
    if (params && !params.includes(value.param)) at([...path, "on_select", "param"], `view "${value.view}" takes no parameter "${value.param}" (its parameters: ${params.join(", ") || "none"})`);
  };

  ui.sidebar_sections.forEach((section, i) => {
    const path = ["sidebar_sections", i];
    uniqueId(section.id, path);
    icon(section.icon, path);
    if (IDENTIFIER.test(section.query)) {
      const query = queries.get(section.query);
      if (!query) at([...path, "query"], `no @query() method "${section.query}" (queries: ${known})`);
      else if (query.params.some((p) => !p.optional)) at([...path, "query"], `query "${section.query}" needs parameters (${query.params.map((p) => p.name).join(", ")}): a section's query takes none; open it from on_select instead`);
    } else checkFilter(section.query, manifest, [...path, "query"], at);
    onSelect(section.on_select, path);
  });
  ui.views.forEach((view, i) => {
    const path = ["views", i];
    uniqueId(view.id, path);
    icon(view.icon, path);
    const source = view.data_source;
    if (source.startsWith("query:") && !queries.has(source.slice(6))) at([...path, "data_source"], `no @query() method "${source.slice(6)}" (queries: ${known})`);
    if (source.startsWith("model:") && !manifest.models.some((m) => m.name === source.slice(6))) {
      at([...path, "data_source"], `no model ${source.slice(6)} in this extension (models: ${manifest.models.map((m) => m.name).join(", ") || "none"})`);
    }
    if (source.startsWith("filter:")) checkFilter(source.slice(7), manifest, [...path, "data_source"], at, "filter:".length);
    onSelect(view.on_select, path);
  });
  const actions = manifest.actions.map((a) => a.name);
  for (const [list, entries] of [["actions", ui.actions], ["context_menu", ui.context_menu ?? []]] as const) {
    entries.forEach((entry, i) => {
      if (!actions.includes(entry.action)) at([list, i, "action"], `no @action() method "${entry.action}" (actions: ${actions.join(", ") || "none"})`);
    });
  }
}
