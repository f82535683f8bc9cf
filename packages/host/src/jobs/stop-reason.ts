/**
 * Why a job's host calls must stop now: the one rule, used by the job runner on the host's thread
 * and by the calls answered inside a sandbox worker (host/worker-calls.ts), which read the same
 * jobs.db row. `starting` is true for the job's own calls and before a task attempt starts: those
 * stop when the job is paused too, while a running task finishes its attempt.
 */
import type { WireError } from "@sdx/sdk/protocol";
import { wireError } from "../errors.js";
import type { JobState } from "../store/job-store.js";

const stopped = (message: string): WireError => wireError("SDX3019", message);

export function stopReasonOf(
  row: { state: JobState; ownerToken: string | null } | null,
  ownerToken: string,
  hostClosing: boolean,
  starting: boolean,
): WireError | null {
  if (hostClosing) return stopped("the host is closing; the job resumes when a host opens the library again");
  if (!row || row.state === "cancelled") return stopped("the job was cancelled");
  if (row.state === "paused") return starting ? stopped("the job was paused; resume it with `sdx jobs resume`") : null;
  if (row.ownerToken !== ownerToken) return stopped("the job is no longer run by this host");
  return null;
}
