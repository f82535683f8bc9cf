/**
 * `sdx preview <extension-id> --library <dir> [--port n]`: serves the installed extension's UI
 * (ui_manifest.json) on 127.0.0.1 with a per-run token, from the real library, until Ctrl-C. The
 * address is printed first (as a JSON line with --json), so scripts and `sdx dev --ui` can open it.
 */
import { resolve } from "node:path";
import pc from "picocolors";
import { startPreview } from "../ui-preview/server.js";
import type { CommandResult } from "../output.js";
import { UsageError } from "../errors.js";

export interface PreviewCommandOptions {
  library: string;
  port?: string;
  json: boolean;
}

export async function previewCommand(extensionId: string, options: PreviewCommandOptions): Promise<CommandResult<unknown>> {
  const port = options.port === undefined ? 0 : Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError("--port takes a port number (0: any free port)");
  const server = await startPreview({ libraryDir: resolve(options.library), extensionId, port });
  process.stdout.write(options.json
    ? `${JSON.stringify({ event: "listening", url: server.url })}\n`
    : `${pc.green("✔")} preview of ${pc.bold(extensionId)} at ${pc.bold(server.url)}\n  ${pc.dim("only this address (with its token) opens it; Ctrl-C stops it")}\n`);
  await new Promise<void>((done) => {
    process.once("SIGINT", done);
    process.once("SIGTERM", done);
  });
  await server.close();
  return { data: { extension: extensionId, url: server.url, stopped: true }, human: "preview stopped" };
}
