// The preview page: the extension's sidebar (sections, views, settings, actions) and the component
// that renders what is selected, all from the preview's JSON API (packages/cli/src/ui-preview/api.ts).
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { html } from "htm/preact";
import { api, withToken } from "./api.js";
import { RowsView, SettingsPane } from "./components.js";
import { ActionPane } from "./actions.js";

function Icon({ path }) {
  return path ? html`<img class="icon" src=${withToken(`/api/asset/${path}`)} alt="" />` : html`<span class="icon"></span>`;
}

function Sidebar({ info, selected, select }) {
  const item = (key, label, icon) => html`
    <li><button class=${selected.key === key ? "active" : ""} data-nav=${key} onClick=${() => select({ key })}>
      <${Icon} path=${icon} /> ${label}
    </button></li>`;
  return html`<nav class="sidebar">
    <h1>${info.extension.name}</h1>
    <p class="muted">${info.extension.id} ${info.extension.version}</p>
    ${info.ui.sidebar_sections.length > 0 && html`<h2>Sections</h2><ul>${info.ui.sidebar_sections.map((s) => item(`section:${s.id}`, s.label, s.icon))}</ul>`}
    ${info.ui.views.length > 0 && html`<h2>Views</h2><ul>${info.ui.views.map((v) => item(`view:${v.id}`, v.label, v.icon))}</ul>`}
    <h2>Extension</h2>
    <ul>
      ${item("settings", "Settings")}
      ${(info.ui.actions.length > 0 || info.actions.length > 0) && item("actions", "Actions")}
    </ul>
  </nav>`;
}

function labelOf(info, key) {
  const [kind, id] = [key.slice(0, key.indexOf(":")), key.slice(key.indexOf(":") + 1)];
  const entry = kind === "section" ? info.ui.sidebar_sections.find((s) => s.id === id) : info.ui.views.find((v) => v.id === id);
  return entry ? { label: entry.label, onSelect: entry.on_select } : null;
}

function App() {
  const [info, setInfo] = useState(null);
  const [error, setError] = useState(null);
  const [selected, setSelected] = useState({ key: "" });
  const [revision, setRevision] = useState(0);

  useEffect(() => {
    api("/api/ui").then((data) => {
      setInfo(data);
      setSelected((current) => current.key ? current : { key: data.ui.views[0] ? `view:${data.ui.views[0].id}` : data.ui.sidebar_sections[0] ? `section:${data.ui.sidebar_sections[0].id}` : "settings" });
    }, (e) => setError(e.message));
  }, [revision]);

  useEffect(() => {
    const events = new EventSource(withToken("/api/events"));
    events.addEventListener("change", () => setRevision((r) => r + 1));
    return () => events.close();
  }, []);

  if (error) return html`<main class="error">${error}</main>`;
  if (!info) return html`<main class="muted">loading…</main>`;
  const { key, params } = selected;
  let content;
  if (key === "settings") content = html`<${SettingsPane} info=${info} />`;
  else if (key === "actions") content = html`<${ActionPane} info=${info} />`;
  else {
    const meta = labelOf(info, key);
    content = meta
      ? html`<${RowsView} key=${`${key}:${JSON.stringify(params ?? {})}`} source=${key} title=${meta.label} params=${params ?? {}} revision=${revision}
          onSelect=${meta.onSelect ? (row) => setSelected({ key: `view:${meta.onSelect.view}`, params: { [meta.onSelect.param]: row.id }, from: row.title }) : null}
          subtitle=${selected.from} />`
      : html`<p class="muted">nothing to show</p>`;
  }
  return html`<div class="layout" data-revision=${info.revision}>
    <${Sidebar} info=${info} selected=${selected} select=${setSelected} />
    <main>${content}</main>
  </div>`;
}

render(html`<${App} />`, document.getElementById("app"));
