/**
 * `sdx run <bundle|extension-id> <job> --library <dir> [--param key=value]…`
 *
 * With a bundle file this is the developer loop: the bundle is verified and installed (or
 * updated) in the library, granting the permissions it requests scoped to the paths given for its
 * `SdPath` parameters (the whole library when there are none), and those paths are indexed if
 * they are not locations yet. The exit status says whether the job completed.
 */
import { existsSync, readFileSync, realpathSync, statSync } from "node:fs";
import { resolve } from "node:path";
import pc from "picocolors";
import { Host, bindJobArgs } from "@sdx/host";
import { readBundle } from "@sdx/bundle-format";
import type { Manifest } from "@sdx/sdk/manifest";
import { UserError } from "../errors.js";
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
}

function sdPathParams(manifest: Manifest, job: string): string[] {
  return manifest.jobs.find((j) => j.name === job)?.params.filter((p) => p.sdkType === "SdPath").map((p) => p.name) ?? [];
}

export async function runCommand(target: string, job: string, options: { library: string; param: string[]; json: boolean }): Promise<CommandResult<RunSummary>> {
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
    const asFile = resolve(target);
    if (existsSync(asFile) && statSync(asFile).isFile()) {
      const bytes = new Uint8Array(readFileSync(asFile));
      const bundle = await readBundle(bytes);
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
      await host.install(bytes, { grants: manifest.permissions.map((_, permission) => ({ permission, scope: scopes })) });
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
