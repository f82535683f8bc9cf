/**
 * `sdx jobs list|show|resume|pause|cancel|wait --library <dir>`: the jobs of every extension of a
 * library, from its jobs.db. Pause and cancel work on a job running in another process too (it
 * stops at its next host call). Resume runs the job here, in the foreground, from its last
 * checkpoint; its exit status says whether it completed. None of these resumes other jobs; `wait`
 * runs queued ones (see there).
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import pc from "picocolors";
import Table from "cli-table3";
import { Host, type JobProgress, type JobRecord } from "@sdx/host";
import { UserError } from "../errors.js";
import { formatMs, toJson, type CommandResult } from "../output.js";
import { progressBar } from "../progress.js";
import { setTimeout as sleep } from "node:timers/promises";
import { guestErrorJson, renderGuestError, renderLogLine, renderResult, stackLines } from "../guest-output.js";

export interface JobSummary {
  id: string;
  extension: string;
  name: string;
  state: string;
  progress: JobProgress | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  error: { code: string; message: string } | null;
}

function summary(job: JobRecord): JobSummary {
  return {
    id: job.id, extension: job.extensionId, name: job.name, state: job.state, progress: job.progress,
    createdAt: job.createdAt, startedAt: job.startedAt, finishedAt: job.finishedAt,
    error: job.error ? { code: job.error.code, message: job.error.message } : null,
  };
}

/** Opens an existing library without running any job in the background. */
export async function openLibrary(dir: string): Promise<Host> {
  const libraryDir = resolve(dir);
  if (!existsSync(join(libraryDir, "library.db"))) throw new UserError(`no sdx library at ${libraryDir}`);
  return Host.open({ libraryDir, recover: false });
}

async function withHost<T>(dir: string, work: (host: Host) => Promise<T>): Promise<T> {
  const host = await openLibrary(dir);
  try {
    return await work(host);
  } finally {
    await host.close();
  }
}

function requireJob(host: Host, id: string): JobRecord {
  const job = host.getJob(id);
  if (!job) throw new UserError(`no job ${id} in this library (see sdx jobs list)`, "SDX3008");
  return job;
}

const STATE_COLOR: Record<string, (s: string) => string> = {
  completed: pc.green, failed: pc.red, cancelled: pc.dim, paused: pc.yellow, running: pc.cyan, queued: pc.blue,
};
const colorState = (state: string) => (STATE_COLOR[state] ?? ((s: string) => s))(state);
const progressText = (p: JobProgress | null) => (p ? `${p.done}/${p.total}${p.message ? ` ${p.message}` : ""}` : "");

export async function jobsList(options: { library: string; extension?: string; state?: string }): Promise<CommandResult<{ jobs: JobSummary[] }>> {
  return withHost(options.library, async (host) => {
    const states = ["queued", "running", "paused", "completed", "failed", "cancelled"];
    if (options.state && !states.includes(options.state)) throw new UserError(`--state must be one of ${states.join(", ")}`);
    const jobs = host.listJobs({ extensionId: options.extension, state: options.state as JobRecord["state"] | undefined }).map(summary);
    if (jobs.length === 0) return { data: { jobs }, human: "no jobs" };
    const table = new Table({ head: ["id", "extension", "job", "state", "progress", "created"], style: { head: [], border: [] } });
    for (const j of jobs) table.push([j.id, j.extension, j.name, colorState(j.state), progressText(j.progress), j.createdAt]);
    return { data: { jobs }, human: table.toString() };
  });
}

export async function jobsShow(id: string, options: { library: string }): Promise<CommandResult<unknown>> {
  return withHost(options.library, async (host) => {
    const job = requireJob(host, id);
    const events = host.jobEvents(id);
    const tasks = host.jobs.taskCounts(id);
    const error = job.error ? guestErrorJson(job.error) : null;
    const data = { ...summary(job), error, params: job.params, checkpoint: job.checkpoint, result: job.result, owner: job.owner, runs: job.runs, tasks, events };
    const lines = [
      `${pc.bold(`${job.extensionId}.${job.name}`)} ${job.id}`,
      `state     ${colorState(job.state)}${job.owner ? ` (process ${job.owner.pid} on ${job.owner.host})` : ""}`,
      `progress  ${progressText(job.progress) || "-"}`,
      `tasks     ${tasks.completed} completed, ${tasks.failed} failed; started ${job.runs} time(s)`,
      `params    ${toJson(job.params)}`,
      ...(job.checkpoint === null ? [] : [`checkpoint ${toJson(job.checkpoint).slice(0, 200)}`]),
      ...(error ? [`error     ${pc.red(error.code)} ${error.message}`, ...stackLines(error).map((l) => pc.dim(l))] : []),
      ...(job.result !== null ? [`result    ${renderResult(job.result, 2000)}`] : []),
      "history",
      // Replays and attempts can number thousands: the rest is in --json.
      ...events.filter((e) => e.kind !== "task_replayed" && e.kind !== "checkpoint").slice(-30).map((e) => `  ${pc.dim(e.at)} ${e.kind}${e.detail ? ` ${toJson(e.detail)}` : ""}`),
    ];
    return { data, human: lines.join("\n") };
  });
}

export async function jobsResume(id: string, options: { library: string; json: boolean }): Promise<CommandResult<unknown>> {
  return withHost(options.library, async (host) => {
    const job = requireJob(host, id);
    const bar = progressBar(job.name, options.json);
    const outcome = await host.resumeJob(id, { onProgress: (p) => bar.update(p) });
    bar.stop();
    const data = {
      jobId: id, extension: job.extensionId, job: job.name, state: outcome.state, durationMs: Math.round(outcome.durationMs),
      result: outcome.result ?? null, error: outcome.error ? guestErrorJson(outcome.error) : null,
    };
    const ok = outcome.state === "completed";
    const result = renderResult(data.result);
    const human = ok
      ? `${pc.green("✔")} ${job.extensionId}.${job.name} completed in ${formatMs(data.durationMs)}${result ? `\nresult ${result}` : ""}`
      : data.error
        ? renderGuestError(`${pc.red("✘")} ${job.extensionId}.${job.name} ${outcome.state}`, data.error)
        : `${pc.red("✘")} ${job.extensionId}.${job.name} ${outcome.state}`;
    return { data, human, exitCode: ok ? 0 : 1 };
  });
}

export async function jobsControl(verb: "pause" | "cancel", id: string, options: { library: string }): Promise<CommandResult<unknown>> {
  return withHost(options.library, async (host) => {
    const before = requireJob(host, id);
    const state = verb === "pause" ? host.pauseJob(id) : host.cancelJob(id);
    const changed = state !== before.state;
    const elsewhere = before.state === "running" && before.owner ? ` (process ${before.owner.pid} stops it at its next host call)` : "";
    const human = changed
      ? `${pc.green("✔")} ${before.extensionId}.${before.name} ${state}${elsewhere}${verb === "pause" ? `; continue with sdx jobs resume ${id}` : ""}`
      : `${before.extensionId}.${before.name} is already ${state}`;
    return { data: { id, state, previous: before.state }, human, exitCode: verb === "pause" && !changed && state !== "paused" ? 1 : 0 };
  });
}

const FINISHED = new Set(["completed", "failed", "cancelled"]);

/**
 * `sdx jobs wait <id>`: waits until a job is finished (or paused) and exits 0 only if it completed.
 * This host runs queued jobs in the background (so a job a hook dispatched runs here if nobody else
 * runs it); a job another process is running is watched in jobs.db until it ends there.
 */
export async function jobsWait(id: string, options: { library: string; json: boolean }): Promise<CommandResult<unknown>> {
  const libraryDir = resolve(options.library);
  if (!existsSync(join(libraryDir, "library.db"))) throw new UserError(`no sdx library at ${libraryDir}`);
  const host = await Host.open({ libraryDir, recover: "queued", onLog: options.json ? undefined : (entry) => process.stderr.write(`${renderLogLine(entry)}\n`) });
  try {
    const first = requireJob(host, id);
    let job = first;
    for (;;) {
      // Lets this host's scheduler run the job if it is queued.
      await host.idle();
      job = requireJob(host, id);
      if (FINISHED.has(job.state) || job.state === "paused") break;
      if (host.interruptedJobs().some((j) => j.id === id)) {
        throw new UserError(`job ${id} was left running by a process that is gone; continue it with sdx jobs resume ${id} --library ${options.library}`, "SDX3022");
      }
      // Running in another process: its state changes in jobs.db.
      await sleep(WAIT_POLL_MS);
    }
    const error = job.error ? guestErrorJson(job.error) : null;
    const data = { jobId: id, extension: job.extensionId, job: job.name, state: job.state, result: job.result ?? null, error };
    const ok = job.state === "completed";
    const result = renderResult(data.result);
    const human = ok
      ? `${pc.green("✔")} ${job.extensionId}.${job.name} completed${result ? `\nresult ${result}` : ""}`
      : error
        ? renderGuestError(`${pc.red("✘")} ${job.extensionId}.${job.name} ${job.state}`, error)
        : `${pc.red("✘")} ${job.extensionId}.${job.name} ${job.state}`;
    return { data, human, exitCode: ok ? 0 : 1 };
  } finally {
    await host.close();
  }
}

/** How often `jobs wait` looks at a job another process runs. */
const WAIT_POLL_MS = 200;
