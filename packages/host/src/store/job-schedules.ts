/**
 * `job_schedule_slots` (jobs.db v5): which slots of a scheduled job were taken, by their start time
 * (ms). A schedule of `everySeconds` has one slot per interval from the first one (when a host first
 * saw it); the host that takes a slot first queues the job, any other host with the library open
 * finds it taken.
 */
import type { JobStore } from "./job-store.js";

/** Takes a slot; false when another host (or this one) took it already. Call inside the transaction that queues the job. */
export function takeScheduleSlot(jobs: JobStore, extensionId: string, name: string, slot: number, jobId: string | null): boolean {
  return jobs.stmt("INSERT INTO job_schedule_slots (extension_id, name, slot, job_id, taken_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")
    .run(extensionId, name, slot, jobId, new Date().toISOString()).changes === 1;
}

/** The last slot taken of a schedule, or null when it never fired (nor was started). */
export function lastScheduleSlot(jobs: JobStore, extensionId: string, name: string): number | null {
  return (jobs.stmt("SELECT max(slot) AS slot FROM job_schedule_slots WHERE extension_id = ? AND name = ?").get(extensionId, name) as { slot: number | null }).slot;
}

/** Sets the job a taken slot queued. */
export function setSlotJob(jobs: JobStore, extensionId: string, name: string, slot: number, jobId: string): void {
  jobs.stmt("UPDATE job_schedule_slots SET job_id = ? WHERE extension_id = ? AND name = ? AND slot = ?").run(jobId, extensionId, name, slot);
}
