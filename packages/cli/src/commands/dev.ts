/**
 * `sdx dev [dir] [--job <name> | --action <name>] [--param k=v]… [--library <dir>]`: the author's
 * loop in one command. Builds, installs into a dev library (default `<project>/.sdx-dev/library`),
 * runs the chosen job (or previews the chosen action) and prints its result or its error with
 * the stack mapped to the author's TypeScript; then does it again on every save (watch.ts).
 * The extension's log streams to stderr as it runs. With --json, stdout has one JSON line per
 * build and per run or preview (`{"event":"build"|"run"|"preview",…}`).
 *
 * The dev library is the author's own: each install grants everything the bundle requests,
 * path-scoped permissions limited to the folders given as SdPath parameters (the whole library
 * when there are none), so changing the permissions in the source needs no `sdx grants`.
 *
 * `--ui [port]` serves the extension's UI preview (ui-preview/) from the first install on; it
 * reloads by itself on every reinstall. Other tools hook in the same way, through
 * `DevOptions.afterInstall` (after each successful install, `first` once) and `DevOptions.onClose`.
 */
import { existsSync, readFileSync, realpathSync } from "node:fs";
import { join, resolve } from "node:path";
import pc from "picocolors";
import { createBuilder, type BuildResult } from "@sdx/bundle";
import { bindJobArgs, Host, type GrantInput } from "@sdx/host";
import type { Manifest } from "@sdx/sdk/manifest";
import { UsageError, UserError } from "../errors.js";
import { formatMs, toJson, type CommandResult } from "../output.js";
import { guestErrorJson, renderGuestError, renderLogLine, renderResult } from "../guest-output.js";
import { untilInterrupted, watchProject } from "../watch.js";
import { renderBuild, summarize } from "./build.js";
import { signingKeyFor } from "./keys.js";
import { parseParams } from "./params.js";
import { planRunGrants } from "./run-grants.js";
import { previewTable } from "./action.js";
import { startDevUi } from "../ui-preview/dev-flag.js";
import type { PreviewServer } from "../ui-preview/server.js";

export interface DevOptions {
  json: boolean;
  /** The dev library; default `<project>/.sdx-dev/library`. */
  library?: string;
  job?: string;
  action?: string;
  param: string[];
  key?: string;
  /** `--ui [port]`: serve the UI preview (true: any free port). */
  ui?: boolean | string;
  /** After each successful install (`first` on the first one), before the job runs. */
  afterInstall?: (session: DevSession, first: boolean) => Promise<void> | void;
  /** When the command ends (Ctrl-C), before the host closes. */
  onClose?: (session: DevSession) => Promise<void> | void;
}

/** What hooks see: the open dev library and the extension as last installed. */
export interface DevSession {
  readonly projectDir: string;
  readonly libraryDir: string;
  readonly host: Host;
  /** Null until the first successful build. */
  readonly manifest: Manifest | null;
  readonly bundlePath: string | null;
}

/** `--param` values for a callable, with SdPath folders as canonical absolute paths. */
function sdPathFolders(manifest: Manifest, name: string, params: Record<string, unknown>, kind: "job" | "action"): string[] {
  const callable = kind === "job" ? manifest.jobs.find((j) => j.name === name) : manifest.actions.find((a) => a.name === name);
  const folders: string[] = [];
  for (const p of callable?.params ?? []) {
    const value = params[p.name];
    if (p.sdkType !== "SdPath" || typeof value !== "string") continue;
    const dir = resolve(value);
    if (!existsSync(dir)) throw new UserError(`--param ${p.name}: no such directory ${dir}`, "SDX3012");
    folders.push(realpathSync(dir));
  }
  return folders;
}

export async function devCommand(dir: string, options: DevOptions): Promise<CommandResult<null>> {
  if (options.job && options.action) throw new UsageError("choose one of --job and --action");
  const projectDir = resolve(dir);
  if (!existsSync(projectDir)) throw new UserError(`no such directory: ${projectDir}`);
  const params = parseParams(options.param);
  const libraryDir = resolve(options.library ?? join(projectDir, ".sdx-dev", "library"));
  const signing = signingKeyFor(options.key);
  const out = (event: string, data: object) => {
    if (options.json) process.stdout.write(`${toJson({ event, ...data })}\n`);
  };
  const say = (line: string) => process.stderr.write(`${line}\n`);

  const builder = await createBuilder({ projectDir, signingKey: signing?.key, endorsements: signing?.endorsements });
  const host = await Host.open({ libraryDir, recover: "queued", onLog: (entry) => say(renderLogLine(entry)) });
  const session: { -readonly [K in keyof DevSession]: DevSession[K] } = { projectDir, libraryDir, host, manifest: null, bundlePath: null };
  let installs = 0;
  let ui: PreviewServer | null = null;
  const afterInstall = async (s: DevSession, first: boolean): Promise<void> => {
    if (first && s.manifest) {
      ui = await startDevUi(options.ui, { libraryDir, extensionId: s.manifest.id }, (url) => {
        say(`UI preview: ${url}`);
        out("ui", { url });
      });
    }
    await options.afterInstall?.(s, first);
  };

  /** Install the build and run the chosen job or preview the chosen action; errors are printed, never thrown. */
  const cycle = async (result: BuildResult, ms: number): Promise<void> => {
    say(renderBuild(result, projectDir, ms));
    out("build", summarize(result, projectDir));
    if (!result.ok || !result.bundlePath || !result.manifest) return;
    const manifest = result.manifest;
    try {
      const target = options.job ?? options.action;
      const kind = options.job ? "job" : "action";
      const folders = target ? sdPathFolders(manifest, target, params, kind) : [];
      if (options.job) {
        const job = manifest.jobs.find((j) => j.name === options.job);
        if (!job) throw new UserError(`${manifest.id} has no job "${options.job}"; jobs: ${manifest.jobs.map((j) => j.name).join(", ") || "none"}`, "SDX3011");
        bindJobArgs(job, params, host.library.deviceUuid);
      } else if (options.action && !manifest.actions.some((a) => a.name === options.action)) {
        throw new UserError(`${manifest.id} has no action "${options.action}"; actions: ${manifest.actions.map((a) => a.name).join(", ") || "none"}`, "SDX3011");
      }
      const grants: GrantInput[] = planRunGrants(manifest, folders, null).grants;
      await host.install(new Uint8Array(readFileSync(result.bundlePath)), { grants, allowDowngrade: true });
      session.manifest = manifest;
      session.bundlePath = result.bundlePath;
      for (const folder of folders) await host.index(folder);
      await afterInstall(session, ++installs === 1);
      if (options.job) await runJob(manifest.id, options.job);
      else if (options.action) await preview(manifest.id, options.action);
      else say(pc.dim(`installed ${manifest.id} in ${libraryDir} (pass --job or --action to run something on every save)`));
    } catch (error) {
      const e = error as { code?: string; message?: string };
      say(`${pc.red("✘")} ${e.code ? `${pc.bold(e.code)} ` : ""}${e.message ?? String(error)}`);
      out(options.action ? "preview" : "run", { state: "error", error: { code: e.code ?? null, message: e.message ?? String(error) } });
    }
  };

  const runJob = async (extensionId: string, job: string): Promise<void> => {
    say(pc.dim(`▶ ${job}`));
    const outcome = await host.runJob(extensionId, job, params);
    await host.idle(); // jobs and hooks the run triggered
    const error = outcome.error ? guestErrorJson(outcome.error) : null;
    const result = outcome.result ?? null;
    if (outcome.state === "completed") {
      const shown = renderResult(result);
      say(`${pc.green("✔")} ${job} completed in ${formatMs(outcome.durationMs)}${shown ? `\nresult ${shown}` : ""}`);
    } else {
      say(error ? renderGuestError(`${pc.red("✘")} ${job} ${outcome.state}`, error) : `${pc.red("✘")} ${job} ${outcome.state}`);
    }
    out("run", { job, jobId: outcome.jobId, state: outcome.state, durationMs: Math.round(outcome.durationMs), result, error });
  };

  const preview = async (extensionId: string, action: string): Promise<void> => {
    const outcome = await host.previewAction(extensionId, action, params);
    const error = outcome.error ? guestErrorJson(outcome.error) : null;
    if (outcome.state === "previewed" && outcome.preview) say(`${previewTable(outcome.preview, (ref) => host.library.describe(ref))}\n${pc.dim("preview only: nothing is applied in sdx dev")}`);
    else say(error ? renderGuestError(`${pc.red("✘")} the preview of ${action} failed`, error) : `${pc.red("✘")} the preview of ${action} ${outcome.state}`);
    out("preview", { action, actionId: outcome.actionId, state: outcome.state, preview: outcome.preview, error });
  };

  try {
    const t0 = performance.now();
    await cycle(await builder.build(), performance.now() - t0);
    const watcher = watchProject(projectDir, async (changed) => {
      const t1 = performance.now();
      await cycle(await builder.build(changed), performance.now() - t1);
    }, (error) => say(`${pc.red("✘")} rebuild failed: ${(error as Error)?.stack ?? String(error)}`));
    await watcher.ready;
    // Listen for Ctrl-C before saying we watch: whoever reads that line may interrupt at once, and
    // a SIGINT with no listener kills the process (exit 130) without closing the library.
    const interrupted = untilInterrupted();
    say(pc.dim(`watching ${projectDir} (Ctrl-C to stop); dev library ${libraryDir}`));
    out("watching", { projectDir, libraryDir });
    await interrupted;
    await watcher.close();
    await options.onClose?.(session);
  } finally {
    await (ui as PreviewServer | null)?.close();
    await builder.dispose();
    await host.close();
  }
  return { data: null, printed: true };
}
