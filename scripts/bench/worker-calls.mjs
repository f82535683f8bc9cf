// The host's side of a guest's calls without a VM: the calls module every sandbox worker runs
// (packages/host/src/host/worker-calls.ts), opened on this thread over an installed extension's
// library, for benchmarks that split a sandboxed run into its host side and its guest side.
import { join } from "node:path";
import { Library } from "../../packages/host/dist/store/library.js";
import { JobStore, JOBS_DB_FILE } from "../../packages/host/dist/store/job-store.js";
import { openInstance } from "../../packages/host/dist/host/worker-calls.js";
import { readInstalledBundle } from "../../packages/host/dist/extensions/installed-bundle.js";

const OWNER = { pid: process.pid, host: "bench", token: "bench-worker-calls" };

/**
 * Opens `extensionId`'s calls in the library at `dir` (installed there), as a running job's calls when
 * `jobId` is given (the job is recorded so the stop check passes; its writes get write keys) and as an
 * invocation's without a job otherwise. Calls forwarded to the host's thread (none in these benches)
 * are answered with null. `settle()` commits, as the end of an invocation does.
 */
export async function openWorkerCalls(dir, extensionId, jobId) {
  const library = Library.open(dir);
  const { installed } = await readInstalledBundle(library, extensionId);
  const deviceUuid = library.deviceUuid;
  library.close();
  if (jobId) {
    const jobs = JobStore.open(join(dir, JOBS_DB_FILE));
    jobs.create({ id: jobId, extensionId, name: "bench", params: [], owner: OWNER });
    jobs.close();
  }
  const nothing = { ok: true, value: null };
  const link = { forward: { call: async () => nothing, callSync: () => nothing }, notify() {}, post() {} };
  const instance = await openInstance({
    libraryDir: dir, extensionId, bundlePath: installed.bundlePath, bundleHash: installed.bundleHash, modelsDir: join(dir, "models"),
    ownerToken: OWNER.token, closing: new SharedArrayBuffer(8), jobStateChanges: new SharedArrayBuffer(4), hostOnly: [],
  }, link);
  const scope = jobId ? { kind: "job", jobId, writes: `job:${jobId}` } : { kind: "other" };
  return { calls: instance.callsFor(scope), settle: () => instance.settle(scope), deviceUuid };
}
