/**
 * Idempotent writes inside jobs. A resumed job runs its code again from its last checkpoint, and
 * a task that was cut off (or failed an attempt) runs again; the writes they repeat must not
 * duplicate what the first run already committed.
 *
 * Every mutating call made inside a job or a task gets a write key:
 *
 *     <scope> \0 <op> \0 sha256(request) \0 <occurrence>
 *
 * where the scope is the job (`job:<id>`) or the task call (`task:<job>:<task>:<args hash>:<occurrence>`,
 * the same key task results are replayed by, so every attempt of a task has the same scope) and
 * the occurrence counts identical requests in that scope during this run. The create's UUID is
 * derived from the key (`OpContext.writeUuid`), so repeating it finds the row the first run made
 * and returns it instead of inserting another, in the same library transaction as the write
 * itself: there is no window between "written" and "recorded as written" for a kill to fall in.
 *
 * The key is a function of what is written, not of when: parallel tasks finishing in another
 * order on replay still map every write to its first-run row. What a job writes must therefore be
 * a function of its parameters, its checkpoint and its task results (replayed unchanged); put
 * clocks, randomness and inference inside tasks. Identical requests repeated after a checkpoint
 * resume count again from 0 in the new run, so they map onto the earliest rows: never duplicated.
 */
import { sha256 } from "../store/digest.js";
import { hexToUuid } from "../store/uuid.js";
import { hashArgs } from "../ops/request-hash.js";

export class WriteScope {
  private readonly counts = new Map<string, number>();

  constructor(readonly name: string) {}

  static job(jobId: string): WriteScope {
    return new WriteScope(`job:${jobId}`);
  }

  static task(jobId: string, task: string, argsHash: string, occurrence: number): WriteScope {
    return new WriteScope(`task:${jobId}:${task}:${argsHash}:${occurrence}`);
  }

  /** The key of the next `op` with this request in the scope. */
  next(op: string, request: unknown): string {
    const base = `${this.name}\u0000${op}\u0000${hashArgs([request])}`;
    const occurrence = this.counts.get(base) ?? 0;
    this.counts.set(base, occurrence + 1);
    return `${base}\u0000${occurrence}`;
  }
}

/** The UUID (RFC 9562 v8, hash-based) a write with this key creates. */
export function uuidForWrite(key: string): string {
  const bytes = sha256(`sdx:job-write:v1\u0000${key}`).subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x80;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  return hexToUuid(bytes.toString("hex"));
}
