/**
 * `ui_manifest.json` (spec §7): the extension's sidebar sections and views, rendered by the
 * frontend with components the core provides. One zod schema, the single definition of its shape:
 * the build checks the file against it (with line and column, and every query against the
 * extension's named queries), `schema/ui-manifest.schema.json` is generated from it
 * (`npm run gen:schema`) so editors validate and complete the file through `"$schema"`, and the
 * UI preview reads it.
 * @see docs/ui.md
 */
import { z } from "zod";

/** The components the core provides (docs/ui.md says what data each needs). `*_view` are the spec's spellings. */
export const UI_COMPONENTS = ["list", "grid", "table", "map", "timeline", "detail"] as const;
export type UiComponent = (typeof UI_COMPONENTS)[number];
const ALIASES = { list_view: "list", grid_view: "grid", table_view: "table", map_view: "map", timeline_view: "timeline", detail_view: "detail", people_view: "grid" } as const;

/** The component a spelling names (`map_view` → `map`). */
export function uiComponent(name: string): UiComponent {
  return (ALIASES as Record<string, UiComponent>)[name] ?? (name as UiComponent);
}

const id = z.string().regex(/^[A-Za-z0-9_-]+$/, "letters, digits, _ and -").describe("Unique among sections and views.");
const label = z.string().min(1).describe("Shown to the user.");
const icon = z.string().regex(/^assets\/[^\\]+\.(png|svg)$/, "a .png or .svg file under assets/").describe("A .png or .svg under assets/, bundled with the extension.");
const component = z.enum([...UI_COMPONENTS, ...(Object.keys(ALIASES) as Array<keyof typeof ALIASES>)]);
const query = z.string().min(1).describe("The name of an @query() method of the extension, or filter-language text such as \"tags LIKE '#person:%'\" (docs/queries.md).");
const onSelect = z.object({
  view: id.describe("The view to open."),
  param: z.string().regex(/^[A-Za-z_$][A-Za-z0-9_$]*$/).describe("The view's query parameter that receives the selected row's id."),
}).strict().describe("What choosing a row opens: a view whose query takes the row's id.");

export const uiSectionSchema = z.object({
  id,
  label,
  icon: icon.optional(),
  query,
  render_type: component.describe("How the section's rows are shown."),
  on_select: onSelect.optional(),
}).strict();

export const uiViewSchema = z.object({
  id,
  label,
  icon: icon.optional(),
  component: component.describe("The core component that renders the view."),
  data_source: z.string().regex(/^(query:[A-Za-z_$][A-Za-z0-9_$]*|model:[A-Za-z_$][A-Za-z0-9_$]*|filter:.+)$/s, "query:<named query>, model:<Model> or filter:<filter-language text>")
    .describe("query:<name of an @query() method>, model:<Model> (all of the extension's models of that type) or filter:<filter-language text>."),
  on_select: onSelect.optional(),
}).strict();

export const uiActionSchema = z.object({
  id,
  label,
  action: z.string().regex(/^[A-Za-z_$][A-Za-z0-9_$]*$/).describe("An @action() method of the extension: the button shows its preview and asks before executing."),
}).strict();

export const uiManifestSchema = z.object({
  $schema: z.string().optional().describe("For editors: the JSON Schema of this file (@sdx/sdk/ui-manifest.schema.json)."),
  sidebar_sections: z.array(uiSectionSchema).default([]),
  views: z.array(uiViewSchema).default([]),
  /** Buttons for the extension's actions (preview, confirm, execute, undo). */
  actions: z.array(uiActionSchema).default([]),
  /** The spec's context menu entries: actions offered on a selected row. */
  context_menu: z.array(uiActionSchema).optional(),
}).strict();

export type UiManifest = z.output<typeof uiManifestSchema>;
export type UiSection = z.output<typeof uiSectionSchema>;
export type UiView = z.output<typeof uiViewSchema>;
