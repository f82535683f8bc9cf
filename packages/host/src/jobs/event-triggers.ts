/**
 * `@job({ trigger: "on_event", event: "entry_indexed", kinds })`: after indexing, each installed
 * extension's entry_indexed jobs are queued for the entries that are new in this run, of the
 * job's kinds, and readable under the extension's grants (an extension never hears about files it
 * may not see). A job whose first parameter is `Entry[]` gets them all in one job; one whose first
 * parameter is an `Entry` gets one job per entry; a job without parameters is queued once.
 *
 *
 * `@job({ trigger: "on_event", event: "model_created", kinds? })`: queued when the extension creates a
 * model (of a type in `kinds`, when given); a job whose first parameter is a string gets the model's
 * UUID. A job's own models never start that same job again, and the agents' depth limit stops longer
 * cycles (agents/agents.ts). Queued jobs with the same arguments coalesce (JobRunner.dispatch rules).
 *
 *
 * `@job({ trigger: "on_event", event: "job_completed" })`: queued when another job of the extension
 * ends (its own completions never start it again); a first parameter gets `{ jobId, name, state }`.
 * `@job({ trigger: "scheduled", everySeconds })`: jobs/scheduled-triggers.ts.
 */
import type { EntryData } from "@sdx/sdk";
import type { Manifest, ManifestJob } from "@sdx/sdk/manifest";
import type { CallOrigin } from "../ops/events.js";
import type { JobStore } from "../store/job-store.js";
import { listInstalled, getInstalled } from "../extensions/install.js";
import { GrantSet } from "../extensions/grants.js";
import type { AgentEventStore } from "../store/agent-events.js";
import { entryAbsolutePath, entryHighWater, newEntryRows, toEntryData } from "../store/entries-store.js";
import type { Library } from "../store/library.js";
import type { JobRunner } from "./job-runner.js";

export { entryHighWater, newEntryRows } from "../store/entries-store.js";

function argsFor(job: ManifestJob, entries: EntryData[]): unknown[][] {
  const first = job.params[0];
  if (!first) return [[]];
  if (first.sdkType !== "Entry") return [];
  const isList = (first.schema as { type?: unknown }).type === "array";
  return isList ? [[entries]] : entries.map((entry) => [entry]);
}

/** The durable position of entry_indexed jobs in jobs.db: the last entry row they were queued for. */
const ENTRY_JOBS_CURSOR = "entry_indexed_jobs";

/** Jobs only hear about entries indexed after the library first met this host (no flood on upgrade). */
export function initEntryJobsCursor(library: Library, cursors: AgentEventStore): void {
  if (cursors.cursor(ENTRY_JOBS_CURSOR) === null) cursors.setCursor(ENTRY_JOBS_CURSOR, entryHighWater(library));
}

/**
 * Queues the entry_indexed jobs for every entry past the durable cursor and moves it, in one jobs.db
 * transaction. The indexer commits in batches, so an index that was killed leaves entries behind:
 * they get their jobs from the next index, in whatever process runs it. Returns the new job ids.
 */
export function queueEntryIndexedJobsPastCursor(library: Library, runner: JobRunner, cursors: AgentEventStore): string[] {
  return cursors.transaction(() => {
    const since = cursors.cursor(ENTRY_JOBS_CURSOR) ?? 0;
    const upTo = entryHighWater(library);
    if (upTo <= since) return [];
    const queued = queueEntryIndexedJobs(library, runner, since, upTo);
    cursors.setCursor(ENTRY_JOBS_CURSOR, upTo);
    return queued;
  });
}

/** Queues the entry_indexed jobs for entries with a row id in (since, upTo]; returns the new job ids. */
export function queueEntryIndexedJobs(library: Library, runner: JobRunner, since: number, upTo = Number.MAX_SAFE_INTEGER): string[] {
  const subscribers = listInstalled(library)
    .map(({ id }) => ({ extensionId: id, jobs: getInstalled(library, id)?.manifest.jobs.filter((j) => j.trigger === "on_event" && j.event === "entry_indexed") ?? [] }))
    .filter((s) => s.jobs.length > 0);
  // The new rows only when a job wants them: an index of many files would hold them all here.
  if (subscribers.length === 0) return [];
  const rows = newEntryRows(library, since, upTo);
  if (rows.length === 0) return [];
  const queued: string[] = [];
  for (const { extensionId, jobs } of subscribers) {
    const grants = GrantSet.load(library, extensionId);
    const visible = rows.filter((row) => grants.canReadEntry(entryAbsolutePath(row), row.relative_path));
    for (const job of jobs) {
      const entries = visible
        .filter((row) => !job.kinds || job.kinds.includes(row.kind))
        .map(toEntryData)
        .filter((e): e is EntryData => e !== null);
      if (entries.length === 0) continue;
      for (const args of argsFor(job, entries)) {
        queued.push(runner.enqueue(extensionId, job.name, args, { trigger: { event: "entry_indexed", entries: entries.length } }));
      }
    }
  }
  return queued;
}

/** Queues the extension's model_created jobs for a model it just created; returns the new job ids. */
export function queueModelCreatedJobs(
  runner: JobRunner, jobs: JobStore, extensionId: string, manifest: Manifest,
  model: { uuid: string; modelType: string }, origin: CallOrigin,
): string[] {
  const creator = origin.kind === "job" ? jobs.get(origin.jobId)?.name : undefined;
  const queued: string[] = [];
  for (const job of manifest.jobs) {
    if (job.trigger !== "on_event" || job.event !== "model_created" || job.name === creator) continue;
    if (job.kinds && !job.kinds.includes(model.modelType)) continue;
    const first = job.params[0];
    if (first && (first.schema as { type?: unknown }).type !== "string") continue;
    queued.push(runner.enqueue(extensionId, job.name, first ? [model.uuid] : [], { trigger: { event: "model_created", model } }));
  }
  return queued;
}

/** Queues the extension's job_completed jobs for a job that ended; returns the new job ids. */
export function queueJobCompletedJobs(runner: JobRunner, extensionId: string, manifest: Manifest | null | undefined, payload: unknown): string[] {
  const done = payload as { jobId?: string; name?: string; state?: string };
  const queued: string[] = [];
  for (const job of manifest?.jobs ?? []) {
    if (job.trigger !== "on_event" || job.event !== "job_completed" || job.name === done.name) continue;
    const args = job.params.length > 0 ? [{ jobId: done.jobId, name: done.name, state: done.state }] : [];
    queued.push(runner.enqueue(extensionId, job.name, args, { trigger: { event: "job_completed", job: done.jobId } }));
  }
  return queued;
}
