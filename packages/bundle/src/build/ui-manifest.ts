/**
 * Stage: `<project>/ui_manifest.json` → validated JSON text (spec §7). The frontend renders these
 * generically, so unknown components or missing icons are build errors, not runtime surprises.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import type { Diagnostic } from "@sdx/codegen";
import { bundleDiagnostic } from "./diagnostics.js";

const sidebarSection = z.object({
  id: z.string().min(1),
  label: z.string().min(1),
  icon: z.string().optional(),
  query: z.string().min(1),
  render_type: z.enum(["list", "grid", "table", "timeline"]),
}).strict();
const view = z.object({
  id: z.string().min(1),
  label: z.string().min(1),
  component: z.enum(["map_view", "list_view", "grid_view", "timeline_view", "table_view", "people_view"]),
  data_source: z.string().regex(/^(query|model|tag):.+/, "data_source is query:<name>, model:<Type> or tag:<prefix>"),
  icon: z.string().optional(),
}).strict();
export const uiManifestSchema = z.object({
  sidebar_sections: z.array(sidebarSection).default([]),
  views: z.array(view).default([]),
  context_menu: z.array(z.object({ id: z.string(), label: z.string(), action: z.string() }).strict()).optional(),
}).strict();

export function checkUiManifest(projectDir: string, actionNames: string[]): { json: string | null; diagnostics: Diagnostic[] } {
  const file = join(projectDir, "ui_manifest.json");
  if (!existsSync(file)) return { json: null, diagnostics: [] };
  const text = readFileSync(file, "utf8");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const position = /position (\d+)/.exec((error as Error).message);
    const offset = position ? Number(position[1]) : 0;
    const line = text.slice(0, offset).split("\n").length;
    const column = offset - (text.lastIndexOf("\n", offset - 1) + 1);
    return { json: null, diagnostics: [bundleDiagnostic("SDX2008", `ui_manifest.json is not valid JSON: ${(error as Error).message}`, { file, line, column })] };
  }
  const parsed = uiManifestSchema.safeParse(value);
  if (!parsed.success) {
    return {
      json: null,
      diagnostics: parsed.error.issues.map((issue) => bundleDiagnostic("SDX2008", `ui_manifest.json ${issue.path.join(".")}: ${issue.message}`, { file, line: 1, column: 0 })),
    };
  }
  const diagnostics: Diagnostic[] = [];
  for (const item of [...parsed.data.sidebar_sections, ...parsed.data.views]) {
    if (item.icon && !existsSync(join(projectDir, item.icon))) {
      diagnostics.push(bundleDiagnostic("SDX2008", `ui_manifest.json: icon "${item.icon}" of "${item.id}" does not exist`, { file, line: 1, column: 0 }));
    }
  }
  for (const entry of parsed.data.context_menu ?? []) {
    if (!actionNames.includes(entry.action)) {
      diagnostics.push(bundleDiagnostic("SDX2008", `ui_manifest.json: context_menu "${entry.id}" names unknown action "${entry.action}"`, { file, line: 1, column: 0 }));
    }
  }
  // Canonical text: stable bytes whatever the author's formatting.
  return { json: diagnostics.length ? null : JSON.stringify(parsed.data), diagnostics };
}
