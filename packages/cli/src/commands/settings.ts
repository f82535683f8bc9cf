/** `sdx settings <extension-id> --library <dir> [--set name=value]…`: the extension's settings pane. */
import { resolve } from "node:path";
import pc from "picocolors";
import { Library, getInstalled, readSettings, writeSettings } from "@sdx/host";
import { UserError } from "../errors.js";
import type { CommandResult } from "../output.js";
import { parseParams } from "./params.js";

export async function settingsCommand(id: string, options: { library: string; set: string[] }): Promise<CommandResult<unknown>> {
  const library = Library.open(resolve(options.library));
  try {
    const installed = getInstalled(library, id);
    if (!installed) throw new UserError(`${id} is not installed in ${library.dir}`, "SDX3010");
    const manifest = installed.manifest;
    const values = options.set.length ? writeSettings(library, manifest, parseParams(options.set)) : readSettings(library, manifest);
    return {
      data: { id, settings: manifest.settings, values },
      human: manifest.settings.length === 0
        ? `${id} has no settings`
        : manifest.settings.map((s) => `  ${s.name} = ${pc.bold(JSON.stringify(values[s.name]))}  ${pc.dim(`${s.label}${s.options ? ` [${s.options.join("|")}]` : ""}${values[s.name] === s.default ? " (default)" : ""}`)}`).join("\n"),
    };
  } finally {
    library.close();
  }
}
