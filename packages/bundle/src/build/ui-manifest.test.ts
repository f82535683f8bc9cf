import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Manifest } from "@sdx/sdk/manifest";
import { checkUiManifest } from "./ui-manifest.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const manifest: Pick<Manifest, "models" | "permissions" | "actions" | "queries"> = {
  models: [{ name: "Person", className: "Person", version: "1.0.0", scope: "standalone", sync: "shared", schema: { type: "object", properties: { name: { type: "string" }, photoCount: { type: "number" } } }, blobFields: [] }],
  permissions: [{ kind: "read_entries", glob: "**/*" }],
  actions: [{ name: "organize", title: "Organize", execute: "organizeExecute", params: [] }],
  queries: [
    { name: "people", params: [], from: { kind: "models", model: "Person" }, where: [], show: {} },
    { name: "photosOf", params: [{ name: "personId", schema: { type: "string" }, optional: false }], from: { kind: "entries" }, where: [], show: {} },
  ],
};

/** Checks `json` as a project's ui_manifest.json; problems as `line:col message` (1-based, like the renderer). */
function check(json: string, files: string[] = []): { ok: boolean; problems: string[]; json: string | null } {
  const dir = mkdtempSync(join(tmpdir(), "sdx-ui-"));
  dirs.push(dir);
  writeFileSync(join(dir, "ui_manifest.json"), json);
  for (const file of files) {
    mkdirSync(join(dir, file, ".."), { recursive: true });
    writeFileSync(join(dir, file), "<svg/>");
  }
  const result = checkUiManifest(dir, manifest);
  const problems = result.diagnostics.map((d) => {
    const before = json.slice(0, d.span!.start);
    const line = before.split("\n").length;
    const col = d.span!.start - (before.lastIndexOf("\n") + 1) + 1;
    return `${line}:${col} ${d.code} ${d.message.replace(/^ui_manifest\.json: /, "")}`;
  });
  return { ok: result.json !== null, problems, json: result.json };
}

describe("ui_manifest.json at build", () => {
  it("accepts $schema, named queries, filter text, on_select, actions and existing icons; the bundle gets canonical JSON without $schema", () => {
    const result = check(`{
  "$schema": "./node_modules/@sdx/sdk/schema/ui-manifest.schema.json",
  "sidebar_sections": [
    { "id": "people", "label": "People", "icon": "assets/people.svg", "query": "people", "render_type": "grid", "on_select": { "view": "person", "param": "personId" } },
    { "id": "tagged", "label": "Tagged", "query": "tags LIKE '#person:%'", "render_type": "list" }
  ],
  "views": [
    { "id": "person", "label": "Person", "component": "grid", "data_source": "query:photosOf" },
    { "id": "map", "label": "Places", "component": "map_view", "data_source": "filter:FROM Person WHERE photoCount > 0" }
  ],
  "actions": [{ "id": "organize", "label": "Organize", "action": "organize" }]
}`, ["assets/people.svg"]);
    expect(result.problems).toEqual([]);
    expect(JSON.parse(result.json!)).not.toHaveProperty("$schema");
    expect(JSON.parse(result.json!).sidebar_sections).toHaveLength(2);
  });

  it("puts each problem at the line and column of its key or value", () => {
    const result = check(`{
  "sidebar_sections": [
    { "id": "people", "label": "People", "query": "nobody", "render_type": "grid", "colour": "red" },
    { "id": "people", "label": "Again", "query": "name = 'x' OR size > 3", "render_type": "carousel" }
  ],
  "views": [
    { "id": "v", "label": "V", "component": "map", "data_source": "query:photosOf", "icon": "assets/missing.svg" },
    { "id": "w", "label": "W", "component": "list", "data_source": "filter:FROM Secret", "on_select": { "view": "v", "param": "who" } }
  ],
  "actions": [{ "id": "x", "label": "X", "action": "explode" }]
}`);
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([
      '3:84 SDX2008 sidebar_sections.0: unknown key "colour"',
      '4:91 SDX2008 sidebar_sections.1.render_type: Invalid option: expected one of "list"|"grid"|"table"|"map"|"timeline"|"detail"|"list_view"|"grid_view"|"table_view"|"map_view"|"timeline_view"|"detail_view"|"people_view"',
    ]);
    // Shape first; the references are checked once the shape is right.
    const refs = check(`{
  "sidebar_sections": [
    { "id": "people", "label": "People", "query": "nobody", "render_type": "grid" },
    { "id": "people", "label": "Again", "query": "name = 'x' OR size > 3", "render_type": "list" }
  ],
  "views": [
    { "id": "v", "label": "V", "component": "map", "data_source": "query:photosOf", "icon": "assets/missing.svg" },
    { "id": "w", "label": "W", "component": "list", "data_source": "filter:FROM Secret", "on_select": { "view": "v", "param": "who" } }
  ],
  "actions": [{ "id": "x", "label": "X", "action": "explode" }]
}`);
    expect(refs.problems).toEqual([
      '3:51 SDX2008 no @query() method "nobody" (queries: people, photosOf)',
      '4:13 SDX2008 id "people" is already used by sidebar_sections.0',
      '4:62 SDX2008 "name = \'x\' OR size > 3": OR is not part of the filter language: declare an @query() method, or use IN (…)',
      '7:93 SDX2008 icon "assets/missing.svg" does not exist (put it under assets/)',
      '8:68 SDX2008 "FROM Secret": no model Secret in this extension (its models: Person); a query reads only the extension\'s own models',
      '8:127 SDX2008 view "v" takes no parameter "who" (its parameters: personId)',
      '10:52 SDX2008 no @action() method "explode" (actions: organize)',
    ]);
  });

  it("locates JSON syntax errors", () => {
    expect(check(`{\n  "views": [\n    { "id": "a", }\n  ]\n}`).problems).toEqual(["3:18 SDX2008 not valid JSON: PropertyNameExpected", "3:18 SDX2008 not valid JSON: ValueExpected"]);
  });
});
