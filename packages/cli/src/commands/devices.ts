/**
 * `sdx devices pair|list|invite --library <dir>`: the devices of a library. `pair` proves a one-time
 * token of a device that serves (`sdx serve` prints it) and exchanges keys with it; `list` shows
 * this device and the others the library knows (paired directly, or learned through sync), with
 * what each reported; `invite` makes a new pairing token for this library (a running `sdx serve`
 * of it accepts it).
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import pc from "picocolors";
import Table from "cli-table3";
import { Host } from "@sdx/host";
import { UsageError } from "../errors.js";
import { formatBytes, type CommandResult } from "../output.js";
import { openLibrary } from "./jobs.js";

/** What `sdx serve` writes to `<library>/serve.json` while it runs. */
export const SERVE_FILE = "serve.json";

export function runningServe(library: string): { pid: number; url: string } | null {
  try {
    const info = JSON.parse(readFileSync(join(resolve(library), SERVE_FILE), "utf8")) as { pid: number; url: string };
    process.kill(info.pid, 0);
    return info;
  } catch {
    return null;
  }
}

/** The command that pairs another library with the device at `url`. */
export function pairCommand(url: string, token: string): string {
  return `sdx devices pair --library <dir> --peer ${url} --token ${token}`;
}

export async function devicesPair(options: { library: string; peer: string; token: string }): Promise<CommandResult<unknown>> {
  let url: URL;
  try {
    url = new URL(options.peer);
  } catch {
    throw new UsageError(`--peer must be a URL such as http://127.0.0.1:7600, got ${JSON.stringify(options.peer)}`);
  }
  const host = await Host.open({ libraryDir: resolve(options.library), recover: false });
  try {
    const peer = await host.devices().pair(url.origin, options.token);
    const data = { paired: { uuid: peer.uuid, name: peer.name, url: url.origin, capabilities: peer.capabilities } };
    return { data, human: `${pc.green("✔")} paired with ${pc.bold(peer.name)} (${peer.uuid}) at ${url.origin}; sync with \`sdx sync --library ${options.library}\`` };
  } finally {
    await host.close();
  }
}

export async function devicesList(options: { library: string }): Promise<CommandResult<unknown>> {
  const host = await openLibrary(options.library);
  try {
    const devices = host.devices().devices().map((d) => ({
      uuid: d.uuid, name: d.name, this: d.isLocal, paired: d.paired, url: d.url, capabilities: d.capabilities, info: d.info,
      reportedAt: d.updatedAt, lastSyncAt: d.lastSyncAt, lastError: d.lastError,
    }));
    const table = new Table({ head: ["device", "uuid", "", "capabilities", "cores", "memory", "last sync"], style: { head: [], border: [] } });
    for (const d of devices) {
      const cores = typeof d.info.cores === "number" ? String(d.info.cores) : "";
      const memory = typeof d.info.memoryBytes === "number" ? formatBytes(d.info.memoryBytes) : "";
      const role = d.this ? pc.green("this device") : d.paired ? (d.url ? `paired ${d.url}` : "paired") : pc.dim("via sync");
      const sync = d.lastError ? pc.red(d.lastError.slice(0, 40)) : d.lastSyncAt ?? "";
      table.push([d.name, d.uuid, role, d.capabilities.join(", "), cores, memory, sync]);
    }
    return { data: { devices }, human: table.toString() };
  } finally {
    await host.close();
  }
}

export async function devicesInvite(options: { library: string; minutes?: string }): Promise<CommandResult<unknown>> {
  const minutes = options.minutes === undefined ? 10 : Number(options.minutes);
  if (!Number.isFinite(minutes) || minutes <= 0 || minutes > 24 * 60) throw new UsageError("--minutes must be a number of minutes between 1 and 1440");
  if (!existsSync(join(resolve(options.library), "library.db"))) throw new UsageError(`no sdx library at ${resolve(options.library)}`);
  const host = await openLibrary(options.library);
  try {
    const { token, expiresAt } = host.devices().pairingToken(minutes * 60_000);
    const serve = runningServe(options.library);
    const command = serve ? pairCommand(serve.url, token) : null;
    const human = command
      ? `pair another library with this one (valid until ${expiresAt}):\n  ${command}`
      : `token ${token} (valid until ${expiresAt}); run \`sdx serve --library ${options.library}\` so another device can pair with it`;
    return { data: { token, expiresAt, url: serve?.url ?? null, command }, human };
  } finally {
    await host.close();
  }
}
