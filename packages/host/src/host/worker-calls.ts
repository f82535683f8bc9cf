/**
 * The host's calls answered inside a sandbox worker, next to the guest's VM: the sandbox loads this
 * module in every worker (`WorkerSandboxOptions.callsModule`) and opens one instance per VM. Library,
 * memory, kernel, prompt and codec ops run here, through the same call pipeline as on the host's
 * thread (host/calls.ts) over the worker's own SQLite connections, so they cost no thread hop and
 * run in parallel with other VMs' calls. Every other op (jobs, tasks, AI, the registry, devices,
 * logs, the trail) is forwarded to the host's thread, where the invocation's own pipeline answers it.
 *
 * Writes from several threads are ordered by SQLite itself (WAL, one writer at a time, a busy
 * timeout): an action's apply holds `BEGIN IMMEDIATE` on the host's connection, so no write from a
 * worker slips into it. The audit row of a write is written here, in the write's transaction; the
 * event itself goes to the host's thread (`WorkerLink.notify`) for the agents, once the call succeeded.
 *
 * Must not: import the AI runtime (ONNX, sharp) or anything that needs the host's singletons.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { HostCalls, WorkerInstanceCalls, WorkerLink } from "@sdx/sandbox";
import { readBundle } from "@sdx/bundle-format";
import { sdxError } from "../errors.js";
import { Library } from "../store/library.js";
import { GroupTransaction } from "../store/group-transaction.js";
import { JobStore, JOBS_DB_FILE } from "../store/job-store.js";
import { createDispatcher } from "../ops/dispatch.js";
import { EventBus } from "../ops/events.js";
import { auditTrail } from "../ops/audit-trail.js";
import { createLibraryOpContext } from "../ops/library-context.js";
import type { OpContext, OpHandlers } from "../ops/context.js";
import { libraryOps } from "../ops/library-ops.js";
import { memoryOps } from "../ops/memory.js";
import { kernelOps, stopKernels } from "../ops/kernels.js";
import { codecOps } from "../ops/env.js";
import { promptOps } from "../ops/prompts.js";
import { ReadSet } from "../actions/read-set.js";
import { ExecuteRecorder } from "../actions/execute-recorder.js";
import { WriteScope } from "../jobs/write-keys.js";
import { JobStateReader, stopReasonOf } from "../jobs/stop-reason.js";
import { guestCalls, type CallDeps, type CallScope } from "./calls.js";
import { CLOSING_HOOKS, CLOSING_JOBS, type WorkerInstanceData, type WorkerNotice, type WorkerScope, type WorkerSettled } from "./worker-scope.js";

/** The ops answered in the worker; any other is forwarded to the host's thread. */
const LOCAL: OpHandlers = { ...libraryOps, ...memoryOps, ...kernelOps, ...codecOps, ...promptOps };

/**
 * Sync ops forwarded without waiting for the answer: the guest ignores it (a refused log line is
 * dropped, never thrown), so a log line costs the guest no round trip to the host's thread.
 */
const POSTED: ReadonlySet<string> = new Set(["log"]);
const POSTED_REPLY = { ok: true as const, value: null };

export async function openInstance(data: WorkerInstanceData, link: WorkerLink): Promise<WorkerInstanceCalls> {
  const library = Library.open(data.libraryDir);
  const jobs = JobStore.open(join(library.dir, JOBS_DB_FILE));
  const states = new JobStateReader((jobId) => jobs.stateAndOwner(jobId), new Int32Array(data.jobStateChanges));
  const bundle = await readBundle(new Uint8Array(readFileSync(data.bundlePath)));
  if (bundle.hash !== data.bundleHash) throw sdxError("SDX3021", `the bundle of ${data.extensionId} at ${data.bundlePath} changed since it was loaded; install it again`);
  const closing = new Int32Array(data.closing);
  // One VM per worker, one connection per VM: its calls share transactions (store/group-transaction.ts).
  const batch = new GroupTransaction(library, (error) =>
    link.forward.callSync("log", { level: "error", message: `[host] after a commit: ${(error as Error)?.stack ?? String(error)}` }));
  const hostOnly = new Set(data.hostOnly);
  const answeredHere = (op: string): boolean => Object.prototype.hasOwnProperty.call(LOCAL, op) && !hostOnly.has(op);

  const events = new EventBus();
  const trail = auditTrail(library);
  // A read call's refusal is audited once its snapshot ends (a snapshot never becomes a writer).
  events.subscribe((published) => batch.whenWritable(() => trail(published)), { critical: true });
  events.subscribe(({ extensionId, origin, event }) => link.notify({ event: { extensionId, origin, event } } satisfies WorkerNotice));
  const base: OpContext = { ...createLibraryOpContext(library, data.extensionId, { events }), bundle, modelsDir: data.modelsDir };
  const dispatch = createDispatcher(LOCAL, {
    onInternalError: (_ctx, op, stack) => link.forward.callSync("log", { level: "error", message: `[host] ${op} failed: ${stack}` }),
  });

  /** Per invocation: its scope here, and what it did that the host's thread must learn. */
  const live = new WeakMap<object, { scope: CallScope; settled: WorkerSettled }>();

  function stateOf(described: WorkerScope): { scope: CallScope; settled: WorkerSettled } {
    let state = live.get(described);
    if (state) return state;
    const settled: WorkerSettled = {};
    let scope: CallScope;
    switch (described.kind) {
      case "job":
      case "task":
        scope = { kind: described.kind, jobId: described.jobId, writes: new WriteScope(described.writes) };
        break;
      case "hook": {
        const refused = { value: false };
        scope = { kind: "hook", depth: described.depth, closing: () => Atomics.load(closing, CLOSING_HOOKS) === 1, refused };
        break;
      }
      case "preview":
        scope = { kind: "preview", action: described.action, actionId: described.actionId, reads: new ReadSet(), refused: [] };
        break;
      case "execute":
        scope = { kind: "execute", recorder: new ExecuteRecorder(described.changes) };
        break;
      default:
        scope = { kind: "other" };
    }
    state = { scope, settled };
    live.set(described, state);
    return state;
  }

  function depsFor(settled: WorkerSettled): CallDeps {
    return {
      dispatch,
      // Writes from other threads are ordered by SQLite's lock (an action's apply holds it).
      gate: batch,
      afterCommit: (fn) => batch.afterCommit(fn),
      events,
      stopReason: (jobId, starting) => {
        const reason = stopReasonOf(states.get(jobId), data.ownerToken, Atomics.load(closing, CLOSING_JOBS) === 1, starting);
        if (reason) settled.stopped = true;
        return reason;
      },
    };
  }

  return {
    callsFor(described): HostCalls {
      const { scope, settled } = stateOf((described ?? { kind: "other" }) as WorkerScope);
      const local = guestCalls(depsFor(settled), base, scope);
      return {
        // A forwarded op commits this worker's open writes first. What the job system records (task
        // results, checkpoints) must not outlive the writes before it; and the host's thread may
        // write to the library while answering: holding the write lock then would make it wait
        // (busy timeout) on this worker, which for a sync call is itself waiting on the host's
        // thread: a deadlock that only the busy timeout ends ("database is locked").
        call: (op, payload) => {
          if (answeredHere(op)) return local.call(op, payload);
          batch.commit();
          return link.forward.call(op, payload);
        },
        callSync: (op, payload) => {
          if (answeredHere(op)) return local.callSync(op, payload);
          batch.commit();
          if (POSTED.has(op)) {
            link.post(op, payload);
            return POSTED_REPLY;
          }
          return link.forward.callSync(op, payload);
        },
        // The group's timer cannot fire while the guest computes on this thread.
        whileGuestRuns: () => batch.commitIfDue(),
      };
    },
    close(): void {
      // Every invocation commits as it settles: normally nothing is open here.
      batch.commit();
      stopKernels(bundle);
      jobs.close();
      library.close();
      const failed = batch.failure();
      if (failed) throw failed;
    },
    settle(described): WorkerSettled {
      // An invocation's writes are durable before the host learns it ended.
      batch.commit();
      const failed = batch.failure();
      if (failed) throw sdxError("SDX3020", `the library could not commit this invocation's writes: ${failed.message}`);
      const state = live.get(described as object);
      if (!state) return {};
      const { scope, settled } = state;
      if (scope.kind === "hook") settled.refused = scope.refused.value;
      if (scope.kind === "preview") {
        settled.reads = scope.reads.reads;
        settled.refusedOps = scope.refused;
      }
      if (scope.kind === "execute") settled.recording = scope.recorder.snapshot();
      return settled;
    },
  };
}
