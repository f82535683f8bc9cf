/**
 * The Host's side of several devices (docs/devices.md): the sync node (pairing, sync, the peer
 * server), `executeOn` for the ops (`DeviceControl`: this device runs the task through the job
 * runner like `ctx.run`; another device is asked over the network, with the task's retries when it
 * cannot be reached), and the tasks this device runs for its peers (`RemoteTasks`).
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { DeviceControl } from "../ops/devices.js";
import type { OpContext } from "../ops/context.js";
import { errorFromWire, sdxError, SdxError, toWireError } from "../errors.js";
import type { JobRunner } from "../jobs/job-runner.js";
import type { ExtensionRuntime } from "../jobs/types.js";
import type { Library } from "../store/library.js";
import type { DeviceRow } from "../store/sync-export.js";
import { SyncNode, type RemoteTasks, type SyncNodeOptions } from "../sync/node.js";
import { remoteTaskReplySchema, type RemoteTaskRequest } from "../sync/wire.js";

/** How `host.devices()` opens the node (the first call decides). */
export type DeviceNetworkOptions = Omit<SyncNodeOptions, "library" | "modelsDir" | "tasks" | "onExtensionsChanged">;

export class HostDevices implements DeviceControl, RemoteTasks {
  private node: SyncNode | null = null;
  private load: (extensionId: string) => Promise<ExtensionRuntime> = () => Promise.reject(sdxError("SDX3022", "the host is not ready"));

  constructor(
    private readonly library: Library,
    private readonly runner: JobRunner,
    private readonly modelsDir: string,
  ) {}

  /** How to load an installed extension (the Host's, given once it exists). */
  setLoader(load: (extensionId: string) => Promise<ExtensionRuntime>): void {
    this.load = load;
  }

  private extensionsChanged: (installs: string[], settings: string[]) => Promise<void> = async () => undefined;

  /** What the host does when a sync installed, upgraded or uninstalled extensions (reload them). */
  onExtensionsChanged(handler: (installs: string[], settings: string[]) => Promise<void>): void {
    this.extensionsChanged = handler;
  }

  network(options: DeviceNetworkOptions = {}): SyncNode {
    this.node ??= new SyncNode({ ...options, library: this.library, modelsDir: this.modelsDir, tasks: this, onExtensionsChanged: (installs, settings) => this.extensionsChanged(installs, settings) });
    return this.node;
  }

  private reportedAt = 0;

  /** This device's report, at most once a minute (a model installed meanwhile shows up). */
  refreshLocal(): void {
    if (Date.now() - this.reportedAt < 60_000) return;
    this.network().refreshReport();
    this.reportedAt = Date.now();
  }

  async execute(ctx: OpContext, device: DeviceRow, task: string, args: unknown[]): Promise<{ result: unknown }> {
    const jobId = ctx.jobId!;
    if (device.isLocal) return this.runner.runTask(ctx, jobId, task, args);
    const manifestTask = ctx.manifest.tasks.find((t) => t.name === task)!;
    const client = this.network().client(device.uuid);
    return this.runner.recordedCall(ctx, jobId, `@device:${device.uuid}:${task}`, args, async (key) => {
      const request: RemoteTaskRequest = { extensionId: ctx.extensionId, task, args, key };
      const attempts = manifestTask.retries + 1;
      for (let attempt = 1; ; attempt++) {
        try {
          const reply = remoteTaskReplySchema.safeParse(await client.request("/v1/tasks/run", request, { timeoutMs: manifestTask.timeoutMs + 30_000 }));
          if (!reply.success) throw sdxError("SDX3048", `device ${device.name} answered the task with something else`);
          return reply.data.result;
        } catch (error) {
          const wire = toWireError(error);
          // Only a device that could not be reached (or dropped the connection) is asked again:
          // the task's own failures were already retried there, with its retries.
          if (wire.code !== "SDX3048" || attempt >= attempts) {
            throw errorFromWire({
              ...wire, name: "TaskFailed",
              message: `task ${task} on device ${device.name} failed${wire.code === "SDX3048" ? ` after ${attempt} attempt${attempt === 1 ? "" : "s"}` : ""}: ${wire.message}`,
              data: { task, device: device.uuid, attempts: attempt, cause: wire },
            });
          }
          if (manifestTask.backoffMs > 0) await sleep(manifestTask.backoffMs * 2 ** (attempt - 1));
        }
      }
    });
  }

  /** Runs a task a peer asked for: the extension must be installed here, the task declared; this device's grants apply. */
  async run(from: string, request: RemoteTaskRequest): Promise<unknown> {
    let runtime: ExtensionRuntime;
    try {
      runtime = await this.load(request.extensionId);
    } catch (error) {
      if (error instanceof SdxError) throw error;
      throw sdxError("SDX3010", `${request.extensionId} cannot be loaded on this device: ${(error as Error).message}`);
    }
    return this.runner.runForPeer(runtime, from, request);
  }

  async close(): Promise<void> {
    await this.node?.close();
  }
}
