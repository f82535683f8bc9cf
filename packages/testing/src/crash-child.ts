/**
 * The process `TestHost.crashJob` kills: it opens a host on the test's library (every call answered
 * on its main thread, so each one is seen), runs the job, and SIGKILLs itself just before the
 * job's Nth host call, as a power cut would. It reports on stdout, one JSON line each: the job's id
 * at its first call, and `{ done }` if the job ended before the Nth call.
 */
import { Host } from "@sdx/host";

interface CrashOrder {
  libraryDir: string;
  modelsDir: string;
  extensionId: string;
  job: string;
  params: unknown[] | Record<string, unknown>;
  atCall: number;
}

const order = JSON.parse(process.argv[2]!) as CrashOrder;
let calls = 0;
let announced = false;
const host = await Host.open({
  libraryDir: order.libraryDir,
  modelsDir: order.modelsDir,
  recover: false,
  callsInWorkers: false,
  beforeCall: ({ extensionId, jobId }) => {
    if (extensionId !== order.extensionId || jobId === null) return;
    if (!announced) {
      announced = true;
      process.stdout.write(`${JSON.stringify({ jobId })}\n`);
    }
    if (++calls >= order.atCall) process.kill(process.pid, "SIGKILL");
  },
});
const outcome = await host.runJob(order.extensionId, order.job, order.params);
await host.close();
process.stdout.write(`${JSON.stringify({ done: outcome.state, jobId: outcome.jobId, calls })}\n`);
