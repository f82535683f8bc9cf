/**
 * `sdx sync --library <dir> [--peer <url|uuid>]`: one sync with one paired device, or with every
 * paired device that serves: pull what it has that this library lacks, push what it lacks, in
 * batches; a sync cut anywhere resumes where it stopped. Exit 1 when a peer could not be synced.
 */
import pc from "picocolors";
import type { SyncOutcome } from "@sdx/host";
import { UsageError, UserError } from "../errors.js";
import { formatBytes, type CommandResult } from "../output.js";
import { openLibrary } from "./jobs.js";

export async function syncCommand(options: { library: string; peer?: string; batchSize?: string }): Promise<CommandResult<unknown>> {
  const batchSize = options.batchSize === undefined ? undefined : Number(options.batchSize);
  if (batchSize !== undefined && (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 5000)) throw new UsageError("--batch-size must be an integer from 1 to 5000");
  const host = await openLibrary(options.library);
  try {
    const node = host.devices({ batchSize });
    const peers = node.peers();
    if (peers.length === 0) throw new UserError("this library is paired with no device: pair it first with `sdx devices pair --peer <url> --token <token>`");
    let targets = peers.filter((p) => p.url);
    if (options.peer) {
      const wanted = options.peer.replace(/\/+$/, "");
      targets = peers.filter((p) => p.uuid === wanted || p.url === wanted || p.name === wanted);
      if (targets.length === 0) throw new UserError(`no paired device ${options.peer} (paired: ${peers.map((p) => `${p.name} ${p.url ?? p.uuid}`).join(", ")})`);
    }
    const results: Array<SyncOutcome | { peer: string; error: { code: string; message: string } }> = [];
    for (const peer of targets) {
      try {
        results.push(await node.syncWith(peer.uuid));
      } catch (error) {
        const e = error as { code?: string; message: string };
        results.push({ peer: peer.uuid, error: { code: e.code ?? "INTERNAL", message: e.message } });
      }
    }
    const name = (uuid: string) => peers.find((p) => p.uuid === uuid)?.name ?? uuid;
    const lines = results.map((r) => "error" in r
      ? `${pc.red("✘")} ${name(r.peer)}: ${pc.bold(r.error.code)} ${r.error.message}`
      : `${pc.green("✔")} ${name(r.peer)}: ${r.pulled.applied} change(s) in, ${r.pushed.applied} out (${r.pulled.batches + r.pushed.batches} batch(es), ${formatBytes(r.bytes)} on the wire)`);
    const failed = results.some((r) => "error" in r);
    return { data: { results }, human: lines.join("\n") || "no paired device serves: nothing to sync", exitCode: failed ? 1 : 0 };
  } finally {
    await host.close();
  }
}
