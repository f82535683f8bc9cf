/**
 * Crash injection: the job runs in a child process (src/crash-child.ts) on the same library, which
 * SIGKILLs itself just before the job's Nth host call. Nothing after that call happens: the job row
 * stays `running` under a dead owner, as after a power cut, for `resumeJob` to continue.
 * The child runs on the wall clock; fake models are reachable from it (they are loopback servers).
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Host } from "@sdx/host";

export interface CrashOutcome {
  jobId: string;
  /** False when the job ended before its `atCall`th call (then `state` says how). */
  crashed: boolean;
  state: string;
}

/** The child as built JavaScript (tests may load this package from its sources). */
function childScript(): string {
  const beside = fileURLToPath(new URL("./crash-child.js", import.meta.url));
  return existsSync(beside) ? beside : fileURLToPath(new URL("../dist/crash-child.js", import.meta.url));
}

export async function crashJob(order: {
  host: Host; libraryDir: string; modelsDir: string; extensionId: string; job: string; params: unknown; atCall: number;
}): Promise<CrashOutcome> {
  if (!Number.isInteger(order.atCall) || order.atCall < 1) throw new RangeError(`atCall must be a whole number ≥ 1, not ${order.atCall}`);
  const { host, ...rest } = order;
  const child = spawn(process.execPath, [childScript(), JSON.stringify(rest)], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (c, s) => resolve({ code: c, signal: s }));
  });
  const lines = stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l) as { jobId?: string; done?: string });
  if (signal === "SIGKILL") {
    const jobId = lines.find((l) => l.jobId)?.jobId;
    if (!jobId) throw new Error(`the crash process died before the job made a host call: ${stderr}`);
    return { jobId, crashed: true, state: host.getJob(jobId)?.state ?? "running" };
  }
  const done = lines.find((l) => l.done);
  if (code !== 0 || !done) throw new Error(`the crash process failed (exit ${code}): ${stderr}`);
  return { jobId: done.jobId!, crashed: false, state: done.done! };
}
