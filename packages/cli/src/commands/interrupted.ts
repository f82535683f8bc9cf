/**
 * Jobs whose host died while running them are not resumed in the background of an unrelated
 * command (a job that killed one host would take down the next): commands say so instead.
 */
import pc from "picocolors";
import type { Host } from "@sdx/host";

export function noticeInterrupted(host: Host, json: boolean): void {
  if (json) return;
  for (const job of host.interruptedJobs()) {
    process.stderr.write(pc.yellow(`note: job ${job.id} (${job.extensionId}.${job.name}) was interrupted when its host died; continue it with \`sdx jobs resume ${job.id}\`\n`));
  }
}
