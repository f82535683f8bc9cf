/** `sdx index <path> --library <dir>`: add a location and index it, with a progress bar. */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { progressBar } from "../progress.js";
import pc from "picocolors";
import { Host, type IndexSummary } from "@sdx/host";
import { UserError } from "../errors.js";
import type { CommandResult } from "../output.js";

export async function indexCommand(path: string, options: { library: string; json: boolean }): Promise<CommandResult<unknown>> {
  const dir = resolve(path);
  if (!existsSync(dir)) throw new UserError(`no such directory: ${dir}`);
  const host = await Host.open({ libraryDir: resolve(options.library), recover: "queued" });
  const bar = progressBar("indexing", options.json);
  try {
    const summary = await host.index(dir, { onProgress: (p) => bar.update({ done: p.done, total: p.total, message: p.path.slice(-40) }) });
    bar.stop();
    // The jobs and agent hooks the new entries triggered run before the command exits (a hook
    // retry waiting out its backoff is left to the next host that opens the library).
    await host.idle();
    return { data: summary, human: `${pc.green("✔")} ${describeIndex(dir, summary)}` };
  } finally {
    await host.close();
  }
}

/** One line for people; `--json` has every count. */
export function describeIndex(dir: string, s: IndexSummary): string {
  const parts = [`${s.added} added`, `${s.updated} updated`, `${s.moved} moved`, `${s.deleted} deleted`, `${s.unchanged} unchanged`];
  const media = [`EXIF ${s.exif}`, `thumbnails ${s.thumbnails}`, `OCR ${s.ocr}`].join(", ");
  const errors = s.errors > 0 ? pc.yellow(`, ${s.errors} file(s) with errors (see --json problems)`) : "";
  return `indexed ${dir} in ${s.durationMs} ms: ${parts.join(", ")}; ${media}${errors}`;
}
