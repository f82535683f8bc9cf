/**
 * What a section or a view of ui_manifest.json shows, as a query the host runs: a section's
 * `query` is a named query or filter-language text; a view's `data_source` is `query:<name>`,
 * `model:<Model>` (all of that model) or `filter:<text>`.
 */
import { uiComponent, uiManifestSchema, type UiComponent, type UiManifest } from "@sdx/sdk/ui-manifest";
import type { QueryRef } from "@sdx/host";

export interface UiSource {
  ref: QueryRef;
  component: UiComponent;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** The bundle's ui_manifest.json, parsed (it was checked at build; an empty one when there is none). */
export function readUi(value: unknown): UiManifest {
  return uiManifestSchema.parse(value ?? {});
}

/** The query behind `section:<id>` or `view:<id>`, or null when there is no such section or view. */
export function sourceOf(ui: UiManifest, source: string): UiSource | null {
  const [kind, id] = [source.slice(0, source.indexOf(":")), source.slice(source.indexOf(":") + 1)];
  if (kind === "section") {
    const section = ui.sidebar_sections.find((s) => s.id === id);
    if (!section) return null;
    return { ref: IDENTIFIER.test(section.query) ? { name: section.query } : { filter: section.query }, component: uiComponent(section.render_type) };
  }
  if (kind === "view") {
    const view = ui.views.find((v) => v.id === id);
    if (!view) return null;
    const data = view.data_source;
    const ref: QueryRef = data.startsWith("query:") ? { name: data.slice(6) } : data.startsWith("model:") ? { filter: `FROM ${data.slice(6)}` } : { filter: data.slice(7) };
    return { ref, component: uiComponent(view.component) };
  }
  return null;
}
