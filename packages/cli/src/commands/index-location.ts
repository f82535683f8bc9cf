/** `sdx index <path> --library <dir>`: add a location and index it, with a progress bar. */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { SingleBar } from "cli-progress";
import pc from "picocolors";
import { Host } from "@sdx/host-stub";
import { UserError } from "../errors.js";
import type { CommandResult } from "../output.js";

export async function indexCommand(path: string, options: { library: string; json: boolean }): Promise<CommandResult<unknown>> {
  const dir = resolve(path);
  if (!existsSync(dir)) throw new UserError(`no such directory: ${dir}`);
  const host = await Host.open({ libraryDir: resolve(options.library) });
  const bar = !options.json && process.stderr.isTTY ? new SingleBar({ format: "indexing [{bar}] {value}/{total} {file}", hideCursor: true, clearOnComplete: true }) : null;
  let started = false;
  try {
    const summary = await host.index(dir, {
      onProgress: (p: { done: number; total: number; path: string }) => {
        if (!bar) return;
        if (!started) {
          bar.start(p.total, p.done, { file: "" });
          started = true;
        }
        bar.setTotal(p.total);
        bar.update(p.done, { file: p.path.slice(-40) });
      },
    });
    bar?.stop();
    return { data: summary, human: `${pc.green("✔")} indexed ${dir}: ${JSON.stringify(summary)}` };
  } finally {
    await host.close();
  }
}
