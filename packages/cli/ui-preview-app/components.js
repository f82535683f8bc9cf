// The components the core provides (docs/ui.md): list, grid, table, timeline, map and detail render
// the rows of a named query; the settings pane is generated from the extension's @setting fields.
import { useEffect, useState } from "preact/hooks";
import { html } from "htm/preact";
import { api, withToken } from "./api.js";
import { MapView } from "./map.js";

function Thumb({ row, size = "small" }) {
  if (row.thumbnail) return html`<img class=${`thumb ${size}`} src=${withToken(`/api/thumbnail/${row.thumbnail}`)} alt=${row.title} loading="lazy" />`;
  const initials = row.title.split(/\s+/).map((w) => w[0] ?? "").join("").slice(0, 2).toUpperCase();
  return html`<span class=${`thumb ${size} placeholder`}>${initials}</span>`;
}

const when = (row) => (row.date ? new Date(row.date).toLocaleDateString(undefined, { year: "numeric", month: "short", day: "numeric", timeZone: "UTC" }) : "");

function List({ rows, choose }) {
  return html`<ul class="list">${rows.map((row) => html`
    <li class="row" data-id=${row.id} onClick=${() => choose(row)}><${Thumb} row=${row} />
      <span class="title">${row.title}</span><span class="muted">${row.subtitle ?? ""} ${when(row)}</span></li>`)}</ul>`;
}

function Grid({ rows, choose }) {
  return html`<div class="grid">${rows.map((row) => html`
    <figure class="tile" data-id=${row.id} onClick=${() => choose(row)}><${Thumb} row=${row} size="large" />
      <figcaption>${row.title}${row.subtitle ? html`<br /><span class="muted">${row.subtitle}</span>` : ""}</figcaption></figure>`)}</div>`;
}

function Table({ rows, choose }) {
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row.data)))].filter((c) => rows.some((r) => typeof r.data[c] !== "object"));
  return html`<table class="table"><thead><tr><th>title</th>${columns.map((c) => html`<th>${c}</th>`)}</tr></thead>
    <tbody>${rows.map((row) => html`<tr data-id=${row.id} onClick=${() => choose(row)}><td>${row.title}</td>${columns.map((c) => html`<td>${typeof row.data[c] === "object" ? "" : String(row.data[c] ?? "")}</td>`)}</tr>`)}</tbody></table>`;
}

function Timeline({ rows, choose }) {
  const groups = new Map();
  for (const row of rows) {
    const key = row.date ? row.date.slice(0, 7) : "undated";
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(row);
  }
  const heading = (key) => (key === "undated" ? "Undated" : new Date(`${key}-01T00:00:00Z`).toLocaleDateString(undefined, { year: "numeric", month: "long", timeZone: "UTC" }));
  return html`<div class="timeline">${[...groups].map(([key, items]) => html`
    <section><h3>${heading(key)}</h3>${items.map((row) => html`
      <div class="moment" data-id=${row.id} onClick=${() => choose(row)}><${Thumb} row=${row} size="medium" />
        <div><div class="title">${row.title}</div><div class="muted">${when(row)}</div></div></div>`)}</section>`)}</div>`;
}

/** One row: every field, its thumbnail and place. */
export function Detail({ row, close }) {
  if (!row) return html`<p class="muted">nothing selected</p>`;
  return html`<aside class="detail" data-id=${row.id}>
    ${close && html`<button class="close" onClick=${close}>×</button>`}
    <${Thumb} row=${row} size="large" />
    <h3>${row.title}</h3>
    <p class="muted">${row.kind === "model" ? row.modelType : "file"} · ${row.id}</p>
    <dl>
      ${row.date && html`<dt>date</dt><dd>${when(row)}</dd>`}
      ${row.location && html`<dt>place</dt><dd>${row.location.latitude.toFixed(4)}, ${row.location.longitude.toFixed(4)}</dd>`}
      ${Object.entries(row.data).map(([k, v]) => html`<dt>${k}</dt><dd>${typeof v === "object" ? JSON.stringify(v) : String(v)}</dd>`)}
    </dl>
  </aside>`;
}

const COMPONENTS = { list: List, grid: Grid, table: Table, timeline: Timeline, map: MapView };

/** The rows of a section or view, page by page, in its component; a row opens `onSelect` or the detail pane. */
export function RowsView({ source, title, subtitle, params, revision, onSelect }) {
  const [pages, setPages] = useState({ rows: [], nextCursor: null, component: null });
  const [error, setError] = useState(null);
  const [chosen, setChosen] = useState(null);
  const load = (cursor) => {
    const query = new URLSearchParams({ source, params: JSON.stringify(params) });
    if (cursor) query.set("cursor", cursor);
    return api(`/api/rows?${query}`).then((page) => setPages((old) => ({ component: page.component, rows: cursor ? [...old.rows, ...page.rows] : page.rows, nextCursor: page.nextCursor })), (e) => setError(e.message));
  };
  useEffect(() => void load(null), [source, JSON.stringify(params), revision]);
  if (error) return html`<p class="error">${error}</p>`;
  if (!pages.component) return html`<p class="muted">loading…</p>`;
  const choose = (row) => (onSelect ? onSelect(row) : setChosen(row));
  const Component = COMPONENTS[pages.component];
  return html`<section class="view" data-component=${pages.component} data-rows=${pages.rows.length}>
    <header><h2>${title}</h2>${subtitle && html`<span class="muted">${subtitle}</span>`}<span class="count muted">${pages.rows.length}${pages.nextCursor ? "+" : ""} rows</span></header>
    <div class="body">
      <div class="content">
        ${pages.rows.length === 0 ? html`<p class="muted empty">No rows yet.</p>` : pages.component === "detail" ? html`<${Detail} row=${pages.rows[0]} />` : html`<${Component} rows=${pages.rows} choose=${choose} />`}
        ${pages.nextCursor && html`<button class="more" onClick=${() => load(pages.nextCursor)}>Load more</button>`}
      </div>
      ${chosen && html`<${Detail} row=${chosen} close=${() => setChosen(null)} />`}
    </div>
  </section>`;
}

/** The settings pane, generated from the extension's @setting fields. */
export function SettingsPane({ info }) {
  const [values, setValues] = useState(info.settings.values);
  const [status, setStatus] = useState("");
  const field = (f) => {
    const value = values[f.name];
    const set = (v) => setValues({ ...values, [f.name]: v });
    if (f.type === "boolean") return html`<input type="checkbox" name=${f.name} checked=${value} onChange=${(e) => set(e.target.checked)} />`;
    if (f.type === "number") return html`<input type="number" name=${f.name} value=${value} step="any" onInput=${(e) => set(Number(e.target.value))} />`;
    if (f.options) return html`<select name=${f.name} value=${value} onChange=${(e) => set(e.target.value)}>${f.options.map((o) => html`<option value=${o}>${o}</option>`)}</select>`;
    if (f.type === "string[]") return html`<input name=${f.name} value=${value.join(", ")} onInput=${(e) => set(e.target.value.split(",").map((s) => s.trim()).filter(Boolean))} />`;
    return html`<input name=${f.name} value=${value} onInput=${(e) => set(e.target.value)} />`;
  };
  const save = (event) => {
    event.preventDefault();
    api("/api/settings", { method: "POST", body: { values } }).then((saved) => { setValues(saved.values); setStatus("Saved."); }, (e) => setStatus(e.message));
  };
  if (info.settings.fields.length === 0) return html`<section class="view"><h2>Settings</h2><p class="muted">This extension has no settings.</p></section>`;
  return html`<section class="view settings"><h2>Settings</h2>
    <form onSubmit=${save}>
      ${info.settings.fields.map((f) => html`<label><span>${f.label}${f.description ? html`<br /><small class="muted">${f.description}</small>` : ""}</span>${field(f)}</label>`)}
      <button type="submit">Save</button> <span class="status">${status}</span>
    </form></section>`;
}
