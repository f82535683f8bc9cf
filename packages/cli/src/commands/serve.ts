/**
 * `sdx serve --library <dir> [--port <p>] [--host <addr>] [--capability <c>…] [--sync-interval <s>]`:
 * keeps a host open on the library until SIGTERM or SIGINT. Scheduled jobs and `onSchedule` hooks
 * fire on time, queued and interrupted jobs run, the peer server listens (127.0.0.1 unless told
 * otherwise; every route authenticated) and the library syncs with every paired device that serves.
 * It prints how to pair with it first (a line with `sdx devices pair --peer <url> --token <token>`),
 * then what it does on stderr. On SIGTERM running jobs are suspended and resume on the next start;
 * SIGKILL loses nothing either (every host survives it).
 */
import { rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import pc from "picocolors";
import { Host } from "@sdx/host";
import { UsageError } from "../errors.js";
import type { CommandResult } from "../output.js";
import { pairCommand, SERVE_FILE } from "./devices.js";

export interface ServeOptions {
  library: string;
  port?: string;
  host?: string;
  capability: string[];
  syncInterval?: string;
  json: boolean;
}

function waitForSignal(): Promise<NodeJS.Signals> {
  return new Promise((done) => {
    const on = (signal: NodeJS.Signals) => {
      process.off("SIGTERM", on);
      process.off("SIGINT", on);
      done(signal);
    };
    process.on("SIGTERM", on);
    process.on("SIGINT", on);
  });
}

export async function serveCommand(options: ServeOptions): Promise<CommandResult<unknown>> {
  const port = options.port === undefined ? 0 : Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError("--port must be a port number (0: any free port)");
  const interval = options.syncInterval === undefined ? 5 : Number(options.syncInterval);
  if (!Number.isFinite(interval) || interval <= 0) throw new UsageError("--sync-interval must be a positive number of seconds");
  const libraryDir = resolve(options.library);
  const log = (line: string) => process.stderr.write(`${pc.dim(new Date().toISOString())} ${line}\n`);
  const host = await Host.open({
    libraryDir, recover: true,
    onJobOutcome: (o) => log(`job ${o.jobId} ${o.state}${o.error ? `: ${o.error.code} ${o.error.message}` : ""}`),
  });
  const serveFile = join(libraryDir, SERVE_FILE);
  try {
    const node = host.devices({ declaredCapabilities: options.capability, onLog: log });
    const url = await node.listen(port, options.host ?? "127.0.0.1");
    const self = node.self();
    const { token, expiresAt } = node.pairingToken();
    writeFileSync(serveFile, JSON.stringify({ pid: process.pid, url, device: self.uuid, startedAt: new Date().toISOString() }));
    const listening = { event: "listening", url, device: { uuid: self.uuid, name: self.name, capabilities: self.capabilities }, pair: { command: pairCommand(url, token), token, expiresAt } };
    process.stdout.write(options.json
      ? `${JSON.stringify(listening)}\n`
      : `sdx serve: ${pc.bold(self.name)} (${self.uuid}) listening at ${url}\npair another library with it (token valid until ${expiresAt}):\n  ${pairCommand(url, token)}\n`);
    node.startContinuous({ intervalMs: interval * 1000 });
    // Jobs another process queued, or left running when it died, run here.
    const sweep = setInterval(() => host.runPending(), 2_000);
    const signal = await waitForSignal();
    clearInterval(sweep);
    log(`${signal}: suspending running jobs and closing`);
    return { data: { event: "stopped", signal }, human: "sdx serve: stopped" };
  } finally {
    await host.close();
    rmSync(serveFile, { force: true });
  }
}
