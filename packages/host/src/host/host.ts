/**
 * The Host: what the CLI (and tests, and later an embedding app) use. It opens a library with its
 * jobs.db, installs bundles, loads installed extensions into their sandboxes and runs their jobs.
 *
 * Loading an extension reads its stored bundle from disk and verifies it (`readBundle`: integrity,
 * manifest, protocol) and that it is the bundle that was installed (hash), before any of its code
 * is evaluated. Each loaded extension has its own sandbox instance for jobs and a task pool; every
 * host call goes through one dispatcher with an `OpContext` naming the extension and its job.
 *
 * Agents (agents/): events (new entries, models created, jobs ended, schedules) are recorded in
 * jobs.db when they happen and delivered to hooks in the background, in a hook instance of each
 * extension, at least once, parallel to jobs; `idle()` waits for both.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { readBundle, type LoadedBundle } from "@sdx/bundle-format";
import { Library } from "../store/library.js";
import { installExtension, getInstalled, updateGrants, type GrantInput, type InstallOptions, type InstalledExtension } from "../extensions/install.js";
import type { Grant } from "../extensions/grants.js";
import { indexLocation, type IndexOptions, type IndexSummary } from "../core/indexer/indexer.js";
import { createLibraryOpContext } from "../ops/library-context.js";
import { libraryOps } from "../ops/library-ops.js";
import { createDispatcher, type Dispatcher } from "../ops/dispatch.js";
import { EventBus } from "../ops/events.js";
import { auditTrail } from "../ops/audit-trail.js";
import { createEnvOps, ExtensionLogs, type LogEntry } from "../ops/env.js";
import { createDeviceOps } from "../ops/devices.js";
import { HostDevices, type DeviceNetworkOptions } from "./devices.js";
import type { SyncNode } from "../sync/node.js";
import { kernelOps } from "../ops/kernels.js";
import { createJobOps } from "../ops/jobs.js";
import { memoryOps, trailOps } from "../ops/memory.js";
import { promptOps } from "../ops/prompts.js";
import { aiOps } from "../ops/ai.js";
import { closeAi, resolveModelsDir } from "../core/ai/index.js";
import type { OpContext, OpHandlers } from "../ops/context.js";
import { WorkerSandbox, preloadQuickJS } from "@sdx/sandbox";
import type { Sandbox, SandboxLimits } from "@sdx/sandbox";
import { JobStore, JOBS_DB_FILE, type JobProgress, type JobRecord, type JobState } from "../store/job-store.js";
import { JobRunner } from "../jobs/job-runner.js";
import { TaskPool } from "../jobs/task-pool.js";
import { bindJobArgs } from "../jobs/job-params.js";
import { JobScheduler } from "../jobs/scheduler.js";
import { guestCalls, type CallDeps, type CallScope } from "./calls.js";
import { CLOSING_HOOKS, CLOSING_JOBS, type WorkerInstanceData, type WorkerNotice, type WorkerScope, type WorkerSettled } from "./worker-scope.js";
import { initEntryJobsCursor, queueEntryIndexedJobsPastCursor, queueJobCompletedJobs, queueModelCreatedJobs } from "../jobs/event-triggers.js";
import { ScheduledJobs } from "../jobs/scheduled-triggers.js";
import type { ExtensionRuntime, JobOutcome } from "../jobs/types.js";
import { ActionRunner, type ActionOutcome, type ActionTarget } from "../actions/action-runner.js";
import { recoverFileBatches } from "../actions/file-batch.js";
import { ActionStore, type ActionRecord } from "../store/action-store.js";
import { readInstalledBundle } from "../extensions/installed-bundle.js";
import { AgentEventStore } from "../store/agent-events.js";
import { WriteGate } from "../actions/write-gate.js";
import { sdxError } from "../errors.js";
import { Agents } from "../agents/agents.js";
import type { AgentDeliveryRecord, AgentEventFilter, AgentOptions } from "../agents/types.js";
import type { InvokeOptions } from "@sdx/sandbox";
import { readSettings } from "../store/settings.js";
import { GuestStacks, withGuestStacks } from "../extensions/guest-stacks.js";
import { libraryDamaged } from "../store/library-check.js";
import { wallClock, type Clock } from "../core/clock.js";

/** The module answering host calls in sandbox workers: built JavaScript (tests run the host from sources, the workers run dist/). */
function workerCallsModule(): URL {
  const beside = new URL("./worker-calls.js", import.meta.url);
  if (existsSync(fileURLToPath(beside))) return beside;
  return new URL("../../dist/host/worker-calls.js", import.meta.url);
}

/** An invocation's scope as plain data for the calls answered in its VM's worker. */
function describeScope(scope: CallScope): WorkerScope {
  switch (scope.kind) {
    case "job":
    case "task":
      return { kind: scope.kind, jobId: scope.jobId, writes: scope.writes.name };
    case "hook":
      return { kind: "hook", depth: scope.depth };
    case "preview":
      return { kind: "preview", action: scope.action, actionId: scope.actionId };
    case "execute":
      return { kind: "execute", changes: scope.recorder.previewChanges };
    default:
      return { kind: "other" };
  }
}

export interface HostOptions {
  libraryDir: string;
  /** Sandbox limits for every extension (memory, stack, slice, message size). */
  limits?: Partial<SandboxLimits>;
  /** The models directory (registry); default `SDX_MODELS_DIR`, then `~/.spacedrive/models`. */
  modelsDir?: string;
  /** Receives every log line of every extension (also kept in memory and in `<library>/logs/`). */
  onLog?: (entry: { extensionId: string; level: string; message: string; data?: unknown }) => void;
  /**
   * Run, in the background, the jobs nobody is running. `true` (the default): queued ones
   * (dispatched, event-triggered, or suspended by a closing host) and those a host that died left
   * `running` (resumed from their last checkpoint). `"queued"`: only queued ones; a job whose host
   * died is left for `resumeJob` (`sdx jobs resume`) or a long-running host, never resumed in the
   * background of an unrelated command (see `interruptedJobs`). `false`: none (`sdx jobs list`).
   */
  recover?: boolean | "queued";
  /**
   * Answer library, memory, kernel and prompt calls in each VM's worker (default), or every call on
   * the host's thread (`false`: one thread hop per call, slower; for tests that replace host
   * modules in this thread, and hosts that cannot load worker modules).
   */
  callsInWorkers?: boolean;
  /** Jobs: how many host deaths in a row without progress abandon a job (default 3, SDX3029); how often running jobs' heartbeat is written (default 5 s). */
  jobs?: { maxHostDeaths?: number; heartbeatMs?: number };
  /** Receives the outcome of every job run in the background. */
  onJobOutcome?: (outcome: JobOutcome) => void;
  /** Agent hooks: their deadline (`hookTimeoutMs`, default 30 s), retries and concurrency. */
  agents?: AgentOptions;
  /**
   * TESTS AND BENCHMARKS ONLY: handlers that replace host ops (e.g. an `ai.generate` that just
   * waits 20 ms, to measure parallelism on inference-bound work without a model).
   */
  testOps?: OpHandlers;
  /**
   * The clock of scheduled triggers, retry backoff of tasks and hooks, and (when virtual) task
   * deadlines; default the wall clock. `@sdx/testing` passes a fake one.
   */
  clock?: Clock;
  /**
   * TESTS ONLY: called before every asynchronous host call answered on the host's thread (all of
   * them with `callsInWorkers: false`), before it runs. `@sdx/testing` kills the process here to
   * inject a crash at a job's Nth call.
   */
  beforeCall?: (call: { extensionId: string; jobId: string | null; op: string }) => void;
}

export interface RunJobHostOptions {
  onProgress?: (progress: JobProgress) => void;
}

interface LoadedExtension extends ExtensionRuntime {
  readonly bundle: LoadedBundle;
  /** The extension's op context (no job), for action steps. */
  readonly context: OpContext;
  /**
   * Where agent hooks run (null without `@agent`): never behind a job, and its own VM to lose at a
   * deadline (a pool of one, so a VM thrown away at a deadline on a virtual clock is replaced).
   */
  readonly agent: TaskPool | null;
  /** How to invoke within `scope`: its host calls (the call pipeline, calls.ts), here and in the VM's worker. */
  invokeOptions(scope: CallScope): InvokeOptions;
}

export class Host {
  private readonly loaded = new Map<string, Promise<LoadedExtension>>();
  private readonly gate = new WriteGate();
  private readonly scheduler: JobScheduler;
  private readonly actionRunner: ActionRunner;
  private readonly actionStore: ActionStore;
  private readonly agents: Agents;
  /** Where entry_indexed jobs were queued up to (jobs.db), so entries of a killed index still get theirs. */
  private readonly entryJobCursors: AgentEventStore;
  private readonly scheduledJobs: ScheduledJobs;
  /** Where every op publishes what it did: the audit trail and the agents subscribe. */
  private readonly events: EventBus;
  private readonly callDeps: CallDeps;
  /** Flags the workers read as this host closes (worker-scope.ts: CLOSING_JOBS, CLOSING_HOOKS). */
  private readonly closing = new SharedArrayBuffer(8);
  /** Ops replaced by `testOps`: answered here even where a worker would answer them. */
  private readonly hostOnlyOps: string[];
  /** Pairing, sync, executeOn (host/devices.ts). */
  private readonly hostDevices: HostDevices;
  private constructor(
    readonly library: Library,
    readonly jobs: JobStore,
    readonly sandbox: Sandbox,
    private readonly logSink: ExtensionLogs,
    private readonly runner: JobRunner,
    private readonly dispatch: Dispatcher,
    /** Where registered AI models are stored (shared by every library on the machine). */
    readonly modelsDir: string,
    options: HostOptions,
    hostDevices: HostDevices,
  ) {
    this.hostOnlyOps = Object.keys(options.testOps ?? {});
    this.hostDevices = hostDevices;
    hostDevices.setLoader((id) => this.load(id));
    hostDevices.onExtensionsChanged((installs, settings) => this.afterSync(installs, settings));
    this.events = new EventBus(({ extensionId, event }, error) =>
      logSink.write(extensionId, "warn", `[host] a subscriber failed on ${event.type}: ${(error as Error)?.message ?? String(error)}`));
    this.events.subscribe(auditTrail(library), { critical: true });
    this.callDeps = { dispatch, gate: this.gate, events: this.events, stopReason: (jobId, starting) => runner.stopReason(jobId, starting) };
    this.agents = new Agents(library, jobs, options.agents, {
      load: (id) => this.load(id),
      log: (id, level, message) => logSink.write(id, level, message),
      queueModelJobs: (id, manifest, model, origin) => queueModelCreatedJobs(runner, jobs, id, manifest, model, origin),
      queueJobCompletedJobs: (id, manifest, payload) => queueJobCompletedJobs(runner, id, manifest, payload),
    }, options.clock ?? wallClock);
    this.entryJobCursors = new AgentEventStore(jobs);
    initEntryJobsCursor(library, this.entryJobCursors);
    this.scheduledJobs = new ScheduledJobs(library, jobs, runner, { catchUp: options.recover === undefined || options.recover === true }, options.clock ?? wallClock);
    this.scheduler = new JobScheduler(jobs, runner, (id) => this.load(id), (outcome) => {
      this.agents.kick(); // the job's end was recorded as a job_completed event
      options.onJobOutcome?.(outcome);
    }, { resumeOrphans: options.recover !== "queued" });
    this.actionStore = new ActionStore(jobs);
    recoverFileBatches(library, this.actionStore);
    this.actionStore.settleInterrupted(library);
    this.events.subscribe(this.agents.onEvent);
    this.actionRunner = new ActionRunner(this.actionStore, library, dispatch, this.gate, this.events);
    if (options.recover !== false) {
      runner.onQueued = () => this.scheduler.kick();
      this.scheduler.kick();
      this.agents.start();
      this.scheduledJobs.refresh();
    }
  }

  static async open(options: HostOptions): Promise<Host> {
    const library = Library.open(options.libraryDir);
    let jobs: JobStore | undefined;
    try {
      try {
        jobs = JobStore.open(join(library.dir, JOBS_DB_FILE));
      } catch (error) {
        throw libraryDamaged(error, join(library.dir, JOBS_DB_FILE));
      }
      const logs = new ExtensionLogs(join(library.dir, "logs"), options.onLog);
      const runner = new JobRunner(jobs, { ...options.jobs, clock: options.clock });
      const modelsDir = resolveModelsDir(options.modelsDir);
      const devices = new HostDevices(library, runner, modelsDir);
      const dispatcher = createDispatcher(
        { ...libraryOps, ...memoryOps, ...trailOps, ...aiOps, ...promptOps, ...createEnvOps(logs), ...createDeviceOps(devices), ...kernelOps, ...createJobOps(runner), ...options.testOps },
        // A host bug: the guest gets the message only; the stack is logged for the user.
        { onInternalError: (ctx, op, stack) => logs.write(ctx.extensionId, "error", `[host] ${op} failed: ${stack}`) },
      );
      const beforeCall = options.beforeCall;
      const dispatch: Dispatcher = beforeCall
        ? Object.assign((ctx: OpContext, op: string, payload: unknown) => {
          beforeCall({ extensionId: ctx.extensionId, jobId: ctx.jobId ?? null, op });
          return dispatcher(ctx, op, payload);
        }, { sync: dispatcher.sync })
        : dispatcher;
      await preloadQuickJS();
      const sandbox = new WorkerSandbox(options.limits, options.callsInWorkers === false ? {} : { callsModule: { url: workerCallsModule().href } });
      return new Host(library, jobs, sandbox, logs, runner, dispatch, modelsDir, options, devices);
    } catch (error) {
      jobs?.close();
      library.close();
      throw error;
    }
  }

  /**
   * Verifies and installs (or upgrades) a bundle; its `init` runs once when it has one. Refused when
   * the id is bound to another key (SDX3030, unless `replaceAuthor`) or a newer version is
   * installed (SDX3031, unless `allowDowngrade`).
   */
  async install(bundleBytes: Uint8Array, options: Pick<InstallOptions, "grants" | "replaceAuthor" | "allowDowngrade">): Promise<InstalledExtension> {
    const bundle = await readBundle(bundleBytes);
    const installed = installExtension(this.library, bundle, { grants: options.grants, replaceAuthor: options.replaceAuthor, allowDowngrade: options.allowDowngrade });
    await this.unload(installed.id);
    this.agents.refreshSchedules();
    this.scheduledJobs.refresh();
    if (installed.manifest.hasInit) {
      const runtime = await this.load(installed.id);
      const reply = await runtime.main.invoke({
        kind: "init",
        name: "init",
        args: [],
        context: { extensionId: runtime.extensionId, config: runtime.config, deviceUuid: runtime.deviceUuid },
      });
      if (!reply.ok) this.logSink.write(installed.id, "error", `init failed: ${reply.error.code} ${reply.error.message}`);
    }
    return installed;
  }

  /** A sync changed settings (see them from the next invocation) or installed, upgraded or uninstalled extensions (reload them, restart their schedules, run `init` of new bundles). */
  private async afterSync(ids: string[], settings: string[]): Promise<void> {
    // New settings reach a loaded runtime's next invocations (its config object is updated in place; running work keeps going).
    for (const id of settings) {
      if (ids.includes(id)) continue;
      const runtime = await this.loaded.get(id)?.catch(() => undefined);
      const manifest = getInstalled(this.library, id)?.manifest;
      if (runtime && manifest) Object.assign(runtime.config, readSettings(this.library, manifest));
    }
    if (ids.length === 0) return;
    for (const id of ids) await this.unload(id);
    this.agents.refreshSchedules();
    this.scheduledJobs.refresh();
    for (const id of ids) {
      const installed = getInstalled(this.library, id);
      if (!installed?.manifest.hasInit) continue;
      const runtime = await this.load(id);
      const reply = await runtime.main.invoke({ kind: "init", name: "init", args: [], context: { extensionId: id, config: runtime.config, deviceUuid: runtime.deviceUuid } });
      if (!reply.ok) this.logSink.write(id, "error", `init failed: ${reply.error.code} ${reply.error.message}`);
    }
  }

  /**
   * Changes what an installed extension is granted. Its VMs are dropped (a running job of it fails),
   * so every later call is checked against the new grants.
   */
  async updateGrants(extensionId: string, grants: GrantInput[]): Promise<Grant[]> {
    const updated = updateGrants(this.library, extensionId, grants);
    await this.unload(extensionId);
    return updated;
  }

  /** Runs a job of an installed extension to its end. `args` by name (a record) or position. */
  async runJob(extensionId: string, job: string, args: unknown[] | Record<string, unknown>, options: RunJobHostOptions = {}): Promise<JobOutcome> {
    const runtime = await this.load(extensionId);
    const manifestJob = runtime.manifest.jobs.find((j) => j.name === job);
    if (!manifestJob) {
      throw sdxError("SDX3011", `${extensionId} has no job "${job}"; jobs: ${runtime.manifest.jobs.map((j) => j.name).join(", ") || "none"}`);
    }
    return this.afterJob(this.runner.run(runtime, job, bindJobArgs(manifestJob, args, this.library.deviceUuid), options));
  }

  /** A job that ended here may have a job_completed hook to call. */
  private async afterJob(run: Promise<JobOutcome>): Promise<JobOutcome> {
    try {
      return await run;
    } finally {
      this.agents.kick();
    }
  }

  /** Runs an unfinished job again from its last checkpoint (completed tasks are replayed). */
  async resumeJob(jobId: string, options: RunJobHostOptions = {}): Promise<JobOutcome> {
    const record = this.jobs.get(jobId);
    if (!record) throw sdxError("SDX3008", `job ${jobId} does not exist`);
    return this.afterJob(this.runner.resume(await this.load(record.extensionId), jobId, options));
  }

  /** Cancels a job (running here or in another process: it stops at its next host call). */
  cancelJob(jobId: string): JobState {
    const state = this.runner.cancel(jobId);
    this.agents.kick();
    return state;
  }

  /** Pauses a queued or running job; it stops at its next host call and continues with `resumeJob`. */
  pauseJob(jobId: string): JobState {
    return this.runner.pause(jobId);
  }

  /** A job's history: started, checkpoints, task attempts and replays, state changes. */
  jobEvents(jobId: string, kinds?: readonly string[]): Array<{ at: string; kind: string; detail: unknown }> {
    return this.jobs.events(jobId, kinds);
  }

  /**
   * Resolves when no job is left running in the background (recovered, queued, event-triggered)
   * and no hook delivery is running or due (retries waiting out their backoff stay pending).
   * Jobs and hooks feed each other (a hook dispatches a job, a job's end calls a hook): it waits
   * until a round finds both quiet.
   */
  async idle(): Promise<void> {
    do await this.scheduler.idle();
    while (await this.agents.idle());
  }

  /**
   * Looks for jobs to run in the background now (queued by another process, or left running by
   * one that died): what a long-running host (`sdx serve`) does every few seconds.
   */
  runPending(): void {
    this.scheduler.kick();
  }

  /** Agent event deliveries: one row per event and hook, with state, attempts and last error. */
  agentEvents(filter: AgentEventFilter = {}): AgentDeliveryRecord[] {
    return this.agents.list(filter);
  }

  /** Runs an action's preview step: what it would change, with nothing changed. `args` by name or position. */
  async previewAction(extensionId: string, action: string, args: unknown[] | Record<string, unknown>): Promise<ActionOutcome> {
    const runtime = await this.load(extensionId);
    const manifestAction = runtime.manifest.actions.find((a) => a.name === action);
    if (!manifestAction) {
      throw sdxError("SDX3011", `${extensionId} has no action "${action}"; actions: ${runtime.manifest.actions.map((a) => a.name).join(", ") || "none"}`);
    }
    return this.actionRunner.preview(this.actionTarget(runtime), action, bindJobArgs(manifestAction, args, this.library.deviceUuid));
  }

  /** Applies a previewed action: exactly the previewed changes, verified, or nothing (stale: SDX3016). */
  async executeAction(actionId: string): Promise<ActionOutcome> {
    const record = this.actionStore.get(actionId);
    if (!record) throw sdxError("SDX3008", `action ${actionId} does not exist`);
    return this.actionRunner.execute(this.actionTarget(await this.load(record.extensionId)), actionId);
  }

  /** Action steps run in a task instance: the main one may be busy with a long job. */
  private actionTarget(runtime: LoadedExtension): ActionTarget {
    return { ...runtime, invoke: (invocation, options) => runtime.tasks.use((instance) => instance.invoke(invocation, options)) };
  }

  /** Restores the library as it was before a reversible action (refused with SDX3016 if it changed since). */
  undoAction(actionId: string): Promise<ActionOutcome> {
    return this.actionRunner.undo(actionId);
  }

  getAction(actionId: string): ActionRecord | null {
    return this.actionStore.get(actionId);
  }

  listActions(filter: { extensionId?: string } = {}): ActionRecord[] {
    return this.actionStore.list(filter);
  }

  getJob(jobId: string): JobRecord | null {
    return this.jobs.get(jobId);
  }

  /** Jobs a host that died left `running` (no live owner): what `sdx jobs resume` can continue. */
  interruptedJobs(): JobRecord[] {
    return this.jobs.runnable().filter((job) => job.state === "running" && !this.runner.isRunning(job.id));
  }

  listJobs(filter: { extensionId?: string; state?: JobState } = {}): JobRecord[] {
    return this.jobs.list(filter);
  }

  /** The last log lines of an extension. */
  logs(extensionId: string): readonly LogEntry[] {
    return this.logSink.tail(extensionId);
  }

  /**
   * Indexes a directory, then queues the `entry_indexed` jobs for its new entries (`triggeredJobs`)
   * and records their `entry_indexed` events for agent hooks (`hookDeliveries`: deliveries added).
   */
  async index(dir: string, options: IndexOptions = {}): Promise<IndexSummary & { triggeredJobs: string[]; hookDeliveries: number }> {
    const summary = await indexLocation(this.library, dir, options);
    const triggeredJobs = queueEntryIndexedJobsPastCursor(this.library, this.runner, this.entryJobCursors);
    return { ...summary, triggeredJobs, hookDeliveries: this.agents.afterIndex() };
  }

  private load(extensionId: string): Promise<LoadedExtension> {
    let pending = this.loaded.get(extensionId);
    if (!pending) {
      pending = this.loadNow(extensionId);
      this.loaded.set(extensionId, pending);
      pending.catch(() => this.loaded.delete(extensionId));
    }
    return pending;
  }

  private async loadNow(extensionId: string): Promise<LoadedExtension> {
    const { installed, bundle } = await readInstalledBundle(this.library, extensionId);
    const base: OpContext = { ...createLibraryOpContext(this.library, extensionId, { events: this.events }), bundle, modelsDir: this.modelsDir };
    const manifest = bundle.manifest;
    const defaultCalls = guestCalls(this.callDeps, base, { kind: "other" });
    // Most calls are answered in the VM's worker (host/worker-calls.ts), the rest here.
    const workerData: WorkerInstanceData = {
      libraryDir: this.library.dir, extensionId, bundlePath: installed.bundlePath, bundleHash: installed.bundleHash,
      modelsDir: this.modelsDir, ownerToken: this.runner.owner.token, closing: this.closing, hostOnly: this.hostOnlyOps,
      jobStateChanges: this.jobs.stateChanges.buffer as SharedArrayBuffer,
    };
    const onNotice = (notice: unknown) => {
      const { event } = notice as WorkerNotice;
      this.events.publishAfterCall({ ...event, manifest });
    };
    // Guest stacks in failed invocations point at the author's TypeScript (the bundle's source map).
    const stacks = GuestStacks.of(bundle);
    const create = (name: string) => withGuestStacks(this.sandbox.createInstance({ name, guestJs: bundle.guestJs, calls: defaultCalls, workerData, onNotice }), stacks);
    const capacity = Math.max(1, ...manifest.jobs.map((j) => j.parallelism));
    return {
      extensionId,
      manifest,
      bundle,
      deviceUuid: this.library.deviceUuid,
      config: readSettings(this.library, manifest),
      main: create(extensionId),
      tasks: new TaskPool(() => create(`${extensionId}#task`), capacity),
      invokeOptions: (scope: CallScope) => this.invokeOptions(base, scope),
      context: base,
      agent: manifest.agent && manifest.agent.hooks.length > 0 ? new TaskPool(() => create(`${extensionId}#agent`), 1) : null,
    };
  }

  /**
   * How to invoke within `scope`: the calls answered here (the pipeline, calls.ts), the scope as
   * plain data for the calls answered in the VM's worker, and what to do with what they report.
   */
  private invokeOptions(base: OpContext, scope: CallScope): InvokeOptions {
    return {
      calls: guestCalls(this.callDeps, base, scope),
      scope: describeScope(scope),
      onSettled: (report) => {
        const settled = report as WorkerSettled;
        if ((scope.kind === "job" || scope.kind === "task") && settled.stopped) this.runner.noteStopped(scope.jobId);
        if (scope.kind === "hook" && settled.refused) scope.refused.value = true;
        if (scope.kind === "preview") {
          scope.reads.absorb(settled.reads ?? []);
          scope.refused.push(...(settled.refusedOps ?? []));
        }
        if (scope.kind === "execute" && settled.recording) scope.recorder.absorb(settled.recording);
      },
    };
  }

  private async unload(extensionId: string): Promise<void> {
    const pending = this.loaded.get(extensionId);
    this.loaded.delete(extensionId);
    const runtime = await pending?.catch(() => undefined);
    runtime?.main.dispose();
    runtime?.tasks.dispose();
    runtime?.agent?.dispose();
  }

  /**
   * This library as a device among others (docs/devices.md): pairing, sync with paired devices, the
   * peer server `sdx serve` listens with, and the tasks peers run here with `executeOn`. Made on
   * first use; the options of the first call apply.
   */
  devices(options: DeviceNetworkOptions = {}): SyncNode {
    return this.hostDevices.network(options);
  }

  /**
   * Stops background jobs and hooks at their next host call (they resume, or are delivered again,
   * when a host opens the library again), then closes.
   */
  async close(): Promise<void> {
    await this.hostDevices.close();
    const closing = new Int32Array(this.closing);
    Atomics.store(closing, CLOSING_JOBS, 1);
    Atomics.store(closing, CLOSING_HOOKS, 1);
    this.scheduledJobs.stop();
    this.agents.stop();
    this.scheduler.stop();
    await this.agents.close();
    await this.runner.close();
    await this.scheduler.idle();
    for (const id of [...this.loaded.keys()]) await this.unload(id);
    await this.sandbox.close();
    this.logSink.flush();
    await closeAi();
    this.jobs.close();
    this.library.close();
  }
}

