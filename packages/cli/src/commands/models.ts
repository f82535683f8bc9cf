/**
 * `sdx models list|add|remove|install-dir`: the AI model registry in the models directory
 * (`--models-dir`, then `$SDX_MODELS_DIR`, then `~/.spacedrive/models`). Adding a file works
 * offline for a model an extension registered by URL: its sha256 must match.
 */
import { resolve } from "node:path";
import pc from "picocolors";
import { ModelRegistry, resolveModelsDir, type ModelRecord } from "@sdx/host";
import { UserError } from "../errors.js";
import { formatBytes, type CommandResult } from "../output.js";

function open(): ModelRegistry {
  return new ModelRegistry(resolveModelsDir());
}

function describe(m: ModelRecord): string {
  const where = m.endpoint ? `${m.endpoint.kind} ${m.endpoint.baseUrl}` : m.source ? m.source.kind === "download" ? m.source.url : `${m.source.kind}:${m.source.path}` : "file";
  const state = m.installed ? pc.green("installed") : pc.yellow(`not installed${m.lastError ? ` (${m.lastError})` : ""}`);
  return `${pc.bold(m.name)} [${m.category}] ${state}${m.size ? ` ${formatBytes(m.size)}` : ""}${m.sha256 ? ` sha256 ${m.sha256.slice(0, 12)}…` : ""}\n    ${pc.dim(`${where} — registered by ${m.registeredBy}`)}`;
}

export async function modelsList(): Promise<CommandResult<unknown>> {
  const registry = open();
  try {
    const models = registry.list();
    return { data: { dir: resolveModelsDir(), models }, human: models.length ? models.map(describe).join("\n") : `no models registered in ${resolveModelsDir()}` };
  } finally {
    registry.close();
  }
}

export async function modelsAdd(name: string, options: { file: string; category?: string; sha256?: string }): Promise<CommandResult<unknown>> {
  const registry = open();
  try {
    const record = await registry.addFile(name, resolve(options.file), { ...(options.category ? { category: options.category } : {}), ...(options.sha256 ? { sha256: options.sha256.toLowerCase() } : {}) });
    return { data: record, human: `${pc.green("✔")} ${describe(record)}` };
  } finally {
    registry.close();
  }
}

export async function modelsRemove(name: string): Promise<CommandResult<unknown>> {
  const registry = open();
  try {
    if (!registry.remove(name)) throw new UserError(`no model named "${name}" in ${resolveModelsDir()}`, "SDX3008");
    return { data: { name, removed: true }, human: `${pc.green("✔")} removed ${name}` };
  } finally {
    registry.close();
  }
}

export async function modelsInstallDir(dir: string): Promise<CommandResult<unknown>> {
  const registry = open();
  try {
    const installed = await registry.installFromDir(resolve(dir));
    return { data: { installed }, human: installed.length ? installed.map((m) => `${pc.green("✔")} ${describe(m)}`).join("\n") : `no file in ${dir} matches a registered model's sha256` };
  } finally {
    registry.close();
  }
}

/** A download the user starts: no extension consent involved, the user is the one asking. */
export async function modelsDownload(name: string): Promise<CommandResult<unknown>> {
  const registry = open();
  try {
    const record = await registry.download(name);
    return { data: record, human: `${pc.green("✔")} ${describe(record)}` };
  } finally {
    registry.close();
  }
}

/** Registers a language model served by Ollama or an OpenAI-compatible API. */
export async function modelsAddEndpoint(name: string, options: { kind: string; url: string; model: string; category: string; apiKeyEnv?: string }): Promise<CommandResult<unknown>> {
  const registry = open();
  try {
    const record = registry.addEndpoint(name, {
      kind: options.kind as "ollama" | "openai", baseUrl: options.url, model: options.model, category: options.category,
      ...(options.apiKeyEnv ? { apiKeyEnv: options.apiKeyEnv } : {}),
    });
    return { data: record, human: `${pc.green("✔")} ${describe(record)}` };
  } finally {
    registry.close();
  }
}
