/** `sdx trail <extension> --library <dir> [--follow]`: the agent's debug trail (JSON lines). */
import { resolve } from "node:path";
import pc from "picocolors";
import { readTrail, type TrailRecord } from "@sdx/host";
import type { CommandResult } from "../output.js";

function render(record: TrailRecord): string {
  const data = record.data === undefined ? "" : ` ${pc.dim(JSON.stringify(record.data))}`;
  return `${pc.dim(record.at)} ${record.level.padEnd(5)} ${record.message}${data}`;
}

export async function trailCommand(extensionId: string, options: { library: string; follow?: boolean; json: boolean }): Promise<CommandResult<unknown>> {
  const records: TrailRecord[] = [];
  const controller = new AbortController();
  if (options.follow) process.once("SIGINT", () => controller.abort());
  await readTrail(resolve(options.library), extensionId, {
    follow: Boolean(options.follow),
    signal: controller.signal,
    onLine(record, line) {
      if (options.follow) process.stdout.write(options.json ? `${line}\n` : `${record ? render(record) : line}\n`);
      else if (record) records.push(record);
    },
  });
  if (options.follow) return { data: null };
  return { data: records, human: records.length ? records.map(render).join("\n") : `no trail for ${extensionId} (its @agentTrail writes under <library>/logs/extension/${extensionId}/)` };
}
