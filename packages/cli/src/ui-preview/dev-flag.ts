/**
 * `sdx dev --ui [port]`: the dev loop serves the extension's UI preview beside its rebuilds. The
 * loop only has to start it once its first install is done and stop it on exit: the preview
 * notices every reinstall by itself (the installed bundle's hash) and reloads the page, and every
 * library change a run makes.
 *
 * The dev command registers the option with `program.command("dev")…option(UI_OPTION.flags,
 * UI_OPTION.description)` and calls `startDevUi(opts.ui, …)` after its first successful install.
 */
import { startPreview, type PreviewServer } from "./server.js";

export const UI_OPTION = {
  flags: "--ui [port]",
  description: "also serve the extension's UI preview on 127.0.0.1 (a per-run token; reloads on every rebuild)",
} as const;

/** Starts the preview when `--ui` was given (`true`, or a port), else does nothing; `announce` prints its address. */
export async function startDevUi(
  ui: boolean | string | undefined,
  target: { libraryDir: string; extensionId: string },
  announce: (url: string) => void,
): Promise<PreviewServer | null> {
  if (ui === undefined || ui === false) return null;
  const port = ui === true ? 0 : Number(ui);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--ui takes a port number, got "${String(ui)}"`);
  const server = await startPreview({ ...target, port });
  announce(server.url);
  return server;
}
