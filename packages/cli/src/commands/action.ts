/**
 * `sdx action <extension>.<action> --library <dir> [--param key=value]… [--yes]`: previews an
 * action (nothing changes), shows its changes as a table, asks for confirmation and executes it.
 * Without a terminal to ask on, it refuses unless `--yes` is given (CI). The exit status says
 * whether the action was applied.
 *
 * `sdx actions list|show|undo`: the actions of a library; undo restores the state before a
 * reversible action (refused if the library changed since).
 */
import pc from "picocolors";
import Table from "cli-table3";
import type { ActionChange, ActionPreview } from "@sdx/sdk";
import type { Host } from "@sdx/host";
import { UsageError, UserError } from "../errors.js";
import { toJson, type CommandResult } from "../output.js";
import { openLibrary } from "./jobs.js";
import { parseParams } from "./params.js";
import { guestErrorJson, renderGuestError, type GuestErrorJson } from "../guest-output.js";

type ActionOutcome = Awaited<ReturnType<Host["previewAction"]>>;
type ActionRecord = NonNullable<ReturnType<Host["getAction"]>>;

export interface ActionSummary {
  actionId: string;
  extension: string;
  action: string;
  state: string;
  preview: ActionPreview | null;
  error: GuestErrorJson | null;
}

/** A readable name for an entry, content or model (`Library.describe`), or null to show its id. */
type NameOf = (ref: { entry: string } | { content: string } | { model: string }) => string | null;

function refText(ref: object, nameOf?: NameOf): string {
  return Object.entries(ref).map(([kind, id]) => {
    const name = kind === "standalone" ? null : nameOf?.({ [kind]: String(id) } as Parameters<NameOf>[0]);
    return name ?? `${kind} ${String(id)}`;
  }).join(", ");
}

function describe(change: ActionChange, nameOf?: NameOf): [string, string, string] {
  const refText_ = (ref: object) => refText(ref, nameOf);
  switch (change.type) {
    case "add_tag":
    case "remove_tag":
      return [change.type === "add_tag" ? "add tag" : "remove tag", refText_(change.target), change.tag];
    case "create_collection":
      return ["create collection", change.name, `${change.items.length} item(s)`];
    case "add_to_collection":
      return ["add to collection", change.collection, `${change.items.length} item(s)`];
    case "create_model":
      return ["create model", `${change.modelType} (${"standalone" in change.scope ? "standalone" : refText_(change.scope)})`, toJson(change.data).slice(0, 80)];
    case "delete_model":
      return ["delete model", `${change.modelType} ${change.uuid}`, ""];
    case "move_file":
      return ["move file", change.from.path, `→ ${change.to.path}`];
    case "create_directory":
      return ["create folder", change.path.path, ""];
    case "write_file":
      return ["write file", change.path.path, `${change.size} bytes`];
  }
}

/** The preview as a table; targets by file name (or model type) when `nameOf` finds them. */
export function previewTable(preview: ActionPreview, nameOf?: NameOf): string {
  const table = new Table({ head: ["#", "change", "target", "detail"], style: { head: [], border: [] }, wordWrap: true });
  preview.changes.forEach((c, i) => {
    const [change, target, detail] = describe(c, nameOf);
    table.push([String(i + 1), change, target, c.description ? `${detail} — ${c.description}` : detail]);
  });
  const header = `${pc.bold(preview.title)} — ${preview.changes.length} change(s), ${preview.reversible ? "reversible" : pc.yellow("not reversible")}`;
  return preview.changes.length ? `${header}\n${table.toString()}` : `${header}\nnothing to change`;
}

function summary(outcome: ActionOutcome, extension: string, action: string): ActionSummary {
  return {
    actionId: outcome.actionId, extension, action, state: outcome.state, preview: outcome.preview,
    error: outcome.error ? guestErrorJson(outcome.error) : null,
  };
}

function splitTarget(target: string): { extension: string; action: string } {
  const dot = target.lastIndexOf(".");
  if (dot <= 0 || dot === target.length - 1) throw new UsageError(`expected <extension>.<action>, e.g. com.example.photos.organizePhotos (got "${target}")`);
  return { extension: target.slice(0, dot), action: target.slice(dot + 1) };
}

async function confirmApply(preview: ActionPreview): Promise<boolean> {
  const { confirm } = await import("@inquirer/prompts");
  return confirm({ message: `Apply ${preview.changes.length === 1 ? "this change" : `these ${preview.changes.length} changes`}?`, default: false });
}

export async function actionCommand(target: string, options: { library: string; param: string[]; yes?: boolean; preview?: boolean; json: boolean }): Promise<CommandResult<ActionSummary>> {
  const { extension, action } = splitTarget(target);
  const params = parseParams(options.param);
  const host = await openLibrary(options.library);
  try {
    const previewed = await host.previewAction(extension, action, params);
    if (previewed.state !== "previewed" || !previewed.preview) {
      const data = summary(previewed, extension, action);
      const headline = `${pc.red("✘")} the preview of ${target} failed`;
      return { data, human: data.error ? renderGuestError(headline, data.error) : headline, exitCode: 1 };
    }
    const shown = previewTable(previewed.preview, (ref) => host.library.describe(ref));
    const applyWith = `sdx action ${target} --library ${shellQuote(options.library)}${options.param.map((p) => ` --param ${shellQuote(p)}`).join("")} --yes`;
    if (options.preview) {
      // Preview only: nothing applied, exit 0; the preview is in the JSON for scripts.
      return { data: summary(previewed, extension, action), human: `${shown}\n${pc.dim(`not applied (--preview); apply with: ${applyWith}`)}` };
    }
    if (!options.yes) {
      if (options.json || !process.stdin.isTTY || !process.stdout.isTTY) {
        // Nothing to confirm on: the preview is stored and shown, nothing applied, exit 1.
        return {
          data: summary(previewed, extension, action),
          human: `${shown}\n${pc.yellow("not applied")}: there is no terminal to confirm on; review the preview and apply it with: ${applyWith}`,
          exitCode: 1,
        };
      }
      process.stdout.write(`${shown}\n`);
      if (!(await confirmApply(previewed.preview))) {
        return { data: { ...summary(previewed, extension, action), state: "declined" }, human: "not applied", exitCode: 1 };
      }
    } else if (!options.json) {
      process.stdout.write(`${shown}\n`);
    }
    const outcome = await host.executeAction(previewed.actionId);
    const ok = outcome.state === "executed";
    const data = summary(outcome, extension, action);
    const human = ok
      ? `${pc.green("✔")} applied ${previewed.preview.changes.length} change(s) (action ${outcome.actionId})${previewed.preview.reversible ? `; undo with sdx actions undo ${outcome.actionId} --library ${options.library}` : ""}`
      : data.error ? renderGuestError(`${pc.red("✘")} ${target} ${outcome.state}`, data.error) : `${pc.red("✘")} ${target} ${outcome.state}`;
    return { data, human, exitCode: ok ? 0 : 1 };
  } finally {
    await host.close();
  }
}

function recordSummary(a: ActionRecord) {
  return {
    actionId: a.id, extension: a.extensionId, action: a.name, state: a.state, undoable: a.undoable, preview: a.preview,
    error: a.error ? { code: a.error.code, message: a.error.message } : null, createdAt: a.createdAt, executedAt: a.executedAt, undoneAt: a.undoneAt,
  };
}

export async function actionsList(options: { library: string; extension?: string }): Promise<CommandResult<unknown>> {
  const host = await openLibrary(options.library);
  try {
    const actions = host.listActions({ extensionId: options.extension }).map(recordSummary);
    if (actions.length === 0) return { data: { actions }, human: "no actions" };
    const table = new Table({ head: ["id", "action", "state", "changes", "created"], style: { head: [], border: [] } });
    for (const a of actions) table.push([a.actionId, `${a.extension}.${a.action}`, a.state + (a.undoable ? pc.dim(" (undoable)") : ""), String(a.preview?.changes.length ?? "-"), a.createdAt]);
    return { data: { actions }, human: table.toString() };
  } finally {
    await host.close();
  }
}

export async function actionsShow(id: string, options: { library: string }): Promise<CommandResult<unknown>> {
  const host = await openLibrary(options.library);
  try {
    const action = host.getAction(id);
    if (!action) throw new UserError(`no action ${id} in this library (see sdx actions list)`, "SDX3008");
    const data = recordSummary(action);
    const lines = [`${pc.bold(`${action.extensionId}.${action.name}`)} ${action.id}: ${action.state}${action.undoable ? " (undoable)" : ""}`];
    if (action.preview) lines.push(previewTable(action.preview, (ref) => host.library.describe(ref)));
    if (action.error) lines.push(`${pc.red(action.error.code)} ${action.error.message}`);
    return { data, human: lines.join("\n") };
  } finally {
    await host.close();
  }
}

export async function actionsUndo(id: string, options: { library: string }): Promise<CommandResult<unknown>> {
  const host = await openLibrary(options.library);
  try {
    const outcome = await host.undoAction(id);
    const ok = outcome.state === "undone";
    const human = ok ? `${pc.green("✔")} undone: the library is as it was before action ${id}` : `${pc.red("✘")} not undone: ${outcome.error?.code} ${outcome.error?.message}`;
    return { data: { actionId: id, state: outcome.state, error: outcome.error ? { code: outcome.error.code, message: outcome.error.message } : null }, human, exitCode: ok ? 0 : 1 };
  } finally {
    await host.close();
  }
}

/** `value` as one shell word (quoted only when it needs to be). */
function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
