/**
 * Who runs a job. A job row in state `running` names its owner: the process id, the host name and
 * a token unique to one `JobRunner`, plus a heartbeat the owner refreshes while it runs jobs. A
 * process that was killed (SIGKILL, power loss) leaves its jobs `running`; the next host that
 * opens the library sees the owner is gone and resumes them.
 *
 * The owner is gone when its token belongs to this process but no live runner has it (a Host that
 * was closed), when its process no longer exists on this machine, or when its heartbeat is older
 * than `STALE_AFTER_MS` (another machine sharing the library, or a reused pid).
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { hostname } from "node:os";

export interface JobOwner {
  pid: number;
  host: string;
  token: string;
}

export interface OwnerColumns {
  owner_pid: number | null;
  owner_host: string | null;
  owner_token: string | null;
  heartbeat_at: string | null;
}

export const HEARTBEAT_MS = 5_000;
export const STALE_AFTER_MS = 60_000;

/** Tokens of the runners alive in this process. */
const liveTokens = new Set<string>();

export function newOwner(): JobOwner {
  const owner = { pid: process.pid, host: hostname(), token: randomUUID() };
  liveTokens.add(owner.token);
  return owner;
}

export function retireOwner(owner: JobOwner): void {
  liveTokens.delete(owner.token);
}

/**
 * Whether a process exists and is not a zombie. A process killed a moment ago (SIGKILL) stays a
 * zombie until its parent reaps it; `kill(pid, 0)` still succeeds on it, but it will never run again.
 */
function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  try {
    // /proc/<pid>/stat: "pid (comm) S ..."; the state letter follows the last ")".
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return true; // no /proc (not Linux): trust kill(0)
  }
}

/** Whether the owner recorded on a `running` row is still alive (false when there is none). */
export function ownerAlive(row: OwnerColumns, now = Date.now()): boolean {
  if (row.owner_token === null) return false;
  if (liveTokens.has(row.owner_token)) return true;
  const beat = row.heartbeat_at === null ? 0 : Date.parse(row.heartbeat_at);
  if (now - beat > STALE_AFTER_MS) return false;
  if (row.owner_host !== hostname()) return true;
  if (row.owner_pid === process.pid) return false;
  return row.owner_pid !== null && processExists(row.owner_pid);
}
