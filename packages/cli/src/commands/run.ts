/**
 * `sdx run <bundle|extension-id> <job> --library <dir> [--param key=value]… [--grant <path>…] [--yes]`
 *
 * With a bundle file this is the developer loop: the bundle is verified and installed (or
 * updated) in the library, and the paths given for its `SdPath` parameters are indexed. A first
 * install grants what the bundle requests, limited to those paths (the whole library when there
 * are none), and says so. Over an installed extension the user's grants are kept; what the run
 * would widen is shown and asked on a terminal, refused without one (SDX3033) unless `--yes`
 * accepts it or `--grant <path>` states the grants (see run-grants.ts). The exit status says
 * whether the job completed.
 */
import { existsSync, realpathSync, statSync } from "node:fs";
import { resolve } from "node:path";
import pc from "picocolors";
import { bindJobArgs, getInstalled, grantsFor, Host, type GrantInput } from "@sdx/host";
import type { Manifest } from "@sdx/sdk/manifest";
import { UserError } from "../errors.js";
import { loadBundleFile } from "./load-bundle.js";
import { canonicalPaths } from "./grant-prompts.js";
import { changesBetween, describeChange, planRunGrants, withWidenings, type GrantChange } from "./run-grants.js";
import { formatMs, type CommandResult } from "../output.js";
import { progressBar, type Progress } from "../progress.js";
import { guestErrorJson, renderGuestError, renderLogLine, renderResult, type GuestErrorJson } from "../guest-output.js";
import { parseParams } from "./params.js";
import { describeIndex } from "./index-location.js";
import { noticeInterrupted } from "./interrupted.js";

export interface RunSummary {
  jobId: string;
  extension: string;
  job: string;
  state: string;
  durationMs: number;
  result: unknown;
  /** The job's error, with the guest's stack mapped to the author's sources and a task's cause. */
  error: GuestErrorJson | null;
  library: { path: string; models: number; tags: number; entries: number };
  /** What running a bundle file changed in the extension's grants (empty for an installed id or no change). */
  grantChanges: GrantChange[];
}

export interface RunFlags {
  library: string;
  param: string[];
  json: boolean;
  /** Grant the requested permissions, path-scoped ones limited to these folders (replaces the current grants). */
  grant?: string[];
  /** Accept the grant changes the run would make without asking. */
  yes?: boolean;
  replaceAuthor?: boolean;
  allowDowngrade?: boolean;
}

/**
 * The grants to install a bundle file with, and the changes they make; asks on a terminal.
 * Throws SDX3033 when the run would widen the grants of an installed extension and nobody said yes.
 */
async function runGrants(host: Host, manifest: Manifest, folders: string[], options: RunFlags): Promise<{ grants: GrantInput[]; changes: GrantChange[] }> {
  const installed = getInstalled(host.library, manifest.id) ? grantsFor(host.library, manifest.id) : null;
  if (options.grant?.length) {
    // The user states the grants: every requested permission, path-scoped ones in these folders.
    const grants = planRunGrants(manifest, canonicalPaths(options.grant), null).grants;
    return { grants, changes: changesBetween(manifest, grants, installed) };
  }
  const plan = planRunGrants(manifest, folders, installed);
  if (installed === null) return { grants: plan.grants, changes: plan.widened };
  const changes = [...plan.widened, ...plan.dropped];
  if (plan.widened.length === 0) return { grants: plan.grants, changes };
  if (options.yes) return { grants: withWidenings(plan), changes };
  const lines = plan.widened.map((c) => `  ${describeChange(c)}`).join("\n");
  if (!process.stdin.isTTY) {
    throw new UserError(`running this bundle would change what ${manifest.id} is granted:\n${lines}\nNothing was installed or run. Pass --yes to accept, or --grant <path> to grant the requested permissions in that folder (or change them with \`sdx grants\`).`, "SDX3033");
  }
  process.stderr.write(`${pc.yellow(`Running this bundle would change what ${manifest.id} is granted:`)}\n${lines}\n`);
  const { confirm } = await import("@inquirer/prompts");
  if (await confirm({ message: "Apply these changes?", default: false })) return { grants: withWidenings(plan), changes };
  process.stderr.write(pc.dim("keeping the current grants; calls needing more will fail with PermissionDenied\n"));
  return { grants: plan.grants, changes: plan.dropped };
}

function sdPathParams(manifest: Manifest, job: string): string[] {
  return manifest.jobs.find((j) => j.name === job)?.params.filter((p) => p.sdkType === "SdPath").map((p) => p.name) ?? [];
}

export async function runCommand(target: string, job: string, options: RunFlags): Promise<CommandResult<RunSummary>> {
  const params = parseParams(options.param);
  const libraryDir = resolve(options.library);
  // Log lines go above the progress bar once there is one.
  let bar: Progress | null = null;
  const host = await Host.open({
    libraryDir,
    recover: "queued",
    onLog: (entry) => {
      const line = renderLogLine(entry);
      if (bar) bar.log(line);
      else process.stderr.write(`${line}\n`);
    },
  });
  try {
    noticeInterrupted(host, options.json);
    let extensionId = target;
    let grantChanges: GrantChange[] = [];
    const asFile = resolve(target);
    if (existsSync(asFile) && statSync(asFile).isFile()) {
      const bundle = await loadBundleFile(asFile);
      const manifest = bundle.manifest;
      const manifestJob = manifest.jobs.find((j) => j.name === job);
      if (!manifestJob) {
        throw new UserError(`${manifest.id} has no job "${job}"; jobs: ${manifest.jobs.map((j) => j.name).join(", ") || "none"}`, "SDX3011");
      }
      // Unknown, missing or invalid parameters are refused before anything is installed or indexed.
      bindJobArgs(manifestJob, params, host.library.deviceUuid);
      const scopes: string[] = [];
      for (const name of sdPathParams(manifest, job)) {
        const value = params[name];
        if (typeof value !== "string") continue;
        const dir = resolve(value);
        if (!existsSync(dir)) throw new UserError(`--param ${name}: no such directory ${dir}`, "SDX3012");
        scopes.push(realpathSync(dir));
      }
      const { grants, changes } = await runGrants(host, manifest, scopes, options);
      const installed = await host.install(bundle.bytes, { grants, replaceAuthor: options.replaceAuthor, allowDowngrade: options.allowDowngrade });
      grantChanges = changes;
      if (!options.json) {
        if (changes.length) process.stderr.write(`${pc.dim(`grants of ${manifest.id}:`)}\n${changes.map((c) => `  ${describeChange(c)}`).join("\n")}\n`);
        if (installed.author.signedBy === null) process.stderr.write(pc.dim(`${manifest.id}: unsigned bundle (local development)\n`));
      }
      for (const dir of scopes) {
        const summary = await host.index(dir);
        if (!options.json) process.stderr.write(pc.dim(`${describeIndex(dir, summary)}\n`));
      }
      extensionId = manifest.id;
    }

    const progress = (bar = progressBar(job, options.json));
    const outcome = await host.runJob(extensionId, job, params, { onProgress: (p) => progress.update(p) });
    progress.stop();
    bar = null;
    // Work the job triggered (on_event jobs, agent hooks) runs before the command exits.
    await host.idle();

    const counts = host.library.summary(extensionId);
    const summary: RunSummary = {
      jobId: outcome.jobId,
      extension: extensionId,
      job,
      state: outcome.state,
      durationMs: Math.round(outcome.durationMs),
      result: outcome.result ?? null,
      error: outcome.error ? guestErrorJson(outcome.error) : null,
      library: {
        path: libraryDir,
        models: counts.models,
        tags: counts.tags,
        entries: counts.entries,
      },
      grantChanges,
    };
    const ok = outcome.state === "completed";
    const result = renderResult(summary.result);
    const human = ok
      ? `${pc.green("✔")} ${extensionId}.${job} completed in ${formatMs(summary.durationMs)} — library ${libraryDir}: ${summary.library.models} models, ${summary.library.tags} tag links${result ? `\nresult ${result}` : ""}`
      : summary.error
        ? renderGuestError(`${pc.red("✘")} ${extensionId}.${job} ${outcome.state}`, summary.error)
        : `${pc.red("✘")} ${extensionId}.${job} ${outcome.state}`;
    return { data: summary, human, exitCode: ok ? 0 : 1 };
  } finally {
    await host.close();
  }
}
