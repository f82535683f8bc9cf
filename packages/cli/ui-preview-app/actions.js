// Actions as the core shows them: a button per action (ui_manifest.json "actions", else every
// @action), its parameters, then preview → confirm → execute, and undo for a reversible one.
import { useState } from "preact/hooks";
import { html } from "htm/preact";
import { api } from "./api.js";

function describe(change) {
  const parts = [change.type];
  for (const key of ["name", "tag", "modelType", "source", "destination", "path"]) if (change[key] !== undefined) parts.push(`${key}: ${typeof change[key] === "object" ? JSON.stringify(change[key]) : change[key]}`);
  return parts.join(" · ");
}

function ActionCard({ action, label }) {
  const [params, setParams] = useState({});
  const [state, setState] = useState({ step: "idle" });
  const run = (promise, next) => promise.then(next, (e) => setState({ step: "failed", message: e.message }));
  const preview = () => run(api("/api/actions/preview", { method: "POST", body: { action: action.name, params } }), (outcome) =>
    setState(outcome.state === "previewed" ? { step: "previewed", outcome } : { step: "failed", message: outcome.error ? `${outcome.error.code}: ${outcome.error.message}` : outcome.state }));
  const execute = () => run(api(`/api/actions/${state.outcome.actionId}/execute`, { method: "POST" }), (outcome) =>
    setState(outcome.state === "executed" ? { step: "executed", outcome: { ...outcome, preview: state.outcome.preview } } : { step: "failed", message: outcome.error ? `${outcome.error.code}: ${outcome.error.message}` : outcome.state }));
  const undo = () => run(api(`/api/actions/${state.outcome.actionId}/undo`, { method: "POST" }), (outcome) =>
    setState(outcome.state === "undone" ? { step: "undone" } : { step: "failed", message: outcome.error ? `${outcome.error.code}: ${outcome.error.message}` : outcome.state }));
  const changes = state.outcome?.preview?.changes ?? [];
  return html`<article class="action" data-action=${action.name} data-step=${state.step}>
    <h3>${label}</h3>
    ${action.params.map((p) => html`<label><span>${p.name}${p.sdkType ? html` <small class="muted">(${p.sdkType === "SdPath" ? "a folder path" : p.sdkType})</small>` : ""}</span>
      <input name=${p.name} value=${params[p.name] ?? ""} onInput=${(e) => setParams({ ...params, [p.name]: e.target.value })} /></label>`)}
    ${(state.step === "idle" || state.step === "failed" || state.step === "undone") && html`<button class="preview" onClick=${preview}>Preview</button>`}
    ${state.step === "failed" && html`<p class="error">${state.message}</p>`}
    ${state.step === "undone" && html`<p class="ok">Undone: the library is as it was.</p>`}
    ${(state.step === "previewed" || state.step === "executed") && html`
      <div class="preview-box"><p><b>${state.outcome.preview.title}</b> · ${changes.length} change${changes.length === 1 ? "" : "s"}${state.outcome.preview.reversible ? " · reversible" : ""}</p>
        <ul class="changes">${changes.slice(0, 50).map((c) => html`<li>${describe(c)}</li>`)}</ul>
        ${changes.length > 50 && html`<p class="muted">and ${changes.length - 50} more</p>`}
      </div>`}
    ${state.step === "previewed" && html`<p>Apply these changes?</p><button class="confirm" onClick=${execute}>Confirm and execute</button> <button onClick=${() => setState({ step: "idle" })}>Cancel</button>`}
    ${state.step === "executed" && html`<p class="ok">Executed.</p>${state.outcome.preview.reversible && html`<button class="undo" onClick=${undo}>Undo</button>`}`}
  </article>`;
}

export function ActionPane({ info }) {
  const listed = info.ui.actions.length ? info.ui.actions.map((a) => ({ action: info.actions.find((m) => m.name === a.action), label: a.label })) : info.actions.map((a) => ({ action: a, label: a.title }));
  return html`<section class="view actions"><h2>Actions</h2>
    <p class="muted">Each action shows what it would change and asks before it changes anything.</p>
    ${listed.filter((a) => a.action).map((a) => html`<${ActionCard} action=${a.action} label=${a.label} />`)}</section>`;
}
