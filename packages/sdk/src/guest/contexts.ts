/**
 * The context objects passed as the first argument of jobs, tasks, actions, agent hooks and
 * `init`. One is made per invocation (invocations may run concurrently in one sandbox), so no
 * state is shared between them beyond the model catalog.
 */
import type {
  ActionContext, Ai, AgentContext, DeviceSelector, ExtensionContext, JobContext, Logger, ModelRegistry, TaskContext, Vdfs,
} from "../types/context.js";
import type { ActionChange, Device, JsonValue } from "../types/data.js";
import type { QueryPage, QueryRow } from "../query/constants.js";
import type { InvocationContextBase, JobInvocationContext, TaskInvocationContext } from "../protocol.js";
import { registry } from "../decorators/registry.js";
import { JobCancelled } from "../errors.js";
import type { GuestBindings } from "./bindings.js";
import { AiImpl, ModelRegistryImpl } from "./ai.js";
import { DeviceSelectorImpl, executeOn } from "./device.js";
import { callHost, callHostSync } from "./host.js";
import { LoggerImpl } from "./logger.js";
import { bindMemory } from "./memory.js";
import type { ModelCatalog } from "./models.js";
import { ChangePlanner, VdfsImpl } from "./vdfs.js";
import { trackMethods } from "./floating.js";

/** What every context is built from. */
export interface ContextEnv {
  bindings: GuestBindings;
  catalog: ModelCatalog;
  invocation: InvocationContextBase;
  /** The extension's settings object (also set on the instance's settings property). */
  settings: Record<string, unknown>;
}

type KernelArg = number | Float32Array | Float64Array | Int32Array | Uint8Array;
type AnyFn = (...args: never[]) => unknown;

function describeFn(fn: unknown): string {
  return typeof fn === "function" ? (fn.name ? `"${fn.name}"` : "an anonymous function") : `a ${fn === null ? "null" : typeof fn} value`;
}

export class BaseContext implements ExtensionContext {
  readonly extensionId: string;
  readonly log: Logger = new LoggerImpl();
  protected readonly env: ContextEnv;
  #vdfs: Vdfs | undefined;

  constructor(env: ContextEnv) {
    this.env = env;
    this.extensionId = env.invocation.extensionId;
  }

  /** The planner that turns mutations into planned changes (action previews only). */
  protected planner(): ChangePlanner | undefined {
    return undefined;
  }
  vdfs(): Vdfs {
    return (this.#vdfs ??= new VdfsImpl(this.env.catalog, this.planner(), this.env.invocation.deviceUuid));
  }
  ai(): Ai {
    return new AiImpl();
  }
  models(): ModelRegistry {
    return new ModelRegistryImpl();
  }
  config<T extends object = Record<string, unknown>>(): T {
    return this.env.settings as T;
  }
  selectDevice(): DeviceSelector {
    return new DeviceSelectorImpl();
  }
  executeOn<A extends unknown[], R>(device: Device, task: (ctx: TaskContext, ...args: A) => Promise<R>, ...args: A): Promise<R> {
    return executeOn(device, task, args);
  }
  async kernel<R = unknown>(name: string, ...args: KernelArg[]): Promise<R> {
    return (await callHost("kernel.call", { name, args })).result as R;
  }
  async query(name: string, params: Record<string, JsonValue> = {}, page: { limit?: number; cursor?: string | null } = {}): Promise<QueryPage> {
    return (await callHost("queries.run", { name, params, ...(page.limit !== undefined ? { limit: page.limit } : {}), cursor: page.cursor ?? null })) as QueryPage;
  }
  async *queryAll(name: string, params: Record<string, JsonValue> = {}): AsyncIterable<QueryRow> {
    let cursor: string | null = null;
    do {
      const page: QueryPage = await this.query(name, params, { cursor });
      yield* page.rows;
      cursor = page.nextCursor;
    } while (cursor !== null);
  }
}

async function dispatchJob(job: unknown, args: unknown[]): Promise<string> {
  const record = typeof job === "function" ? registry.jobOf(job as AnyFn) : undefined;
  if (!record) throw new TypeError(`dispatchJob: ${describeFn(job)} is not a @job method; pass it as this.<jobMethod>`);
  return (await callHost("jobs.dispatch", { job: record.name, args })).jobId;
}

/** How long `isCancelled()` trusts its last answer before asking the host again. */
const STATUS_TTL_MS = 250;

export class JobContextImpl extends BaseContext implements JobContext {
  readonly jobId: string;
  readonly jobName: string;
  readonly #resumeState: unknown;
  #cancelled = false;
  #checkedAt = Number.NEGATIVE_INFINITY;
  #checking = false;

  constructor(env: ContextEnv & { invocation: JobInvocationContext }, jobName: string) {
    super(env);
    this.jobId = env.invocation.jobId;
    this.jobName = jobName;
    this.#resumeState = env.invocation.resumeState ?? null;
  }

  async run<A extends unknown[], R>(task: (ctx: TaskContext, ...args: A) => Promise<R>, ...args: A): Promise<R> {
    const record = typeof task === "function" ? registry.taskOf(task as AnyFn) : undefined;
    if (!record) throw new TypeError(`ctx.run: ${describeFn(task)} is not a @task method; pass it as this.<taskMethod>`);
    // Entries and models travel as their data (Entry#toJSON); the host records the result.
    return (await this.#watch(callHost("tasks.run", { jobId: this.jobId, task: record.name, args }))).result as R;
  }
  async checkpoint(state: JsonValue): Promise<void> {
    await this.#watch(callHost("jobs.checkpoint", { jobId: this.jobId, state }));
  }
  resumeState<T extends JsonValue = JsonValue>(): T | null {
    return (this.#resumeState ?? null) as T | null;
  }
  async progress(done: number, total: number, message?: string): Promise<void> {
    await this.#watch(callHost("jobs.progress", { jobId: this.jobId, done, total, message }));
  }
  dispatchJob<A extends unknown[]>(job: (ctx: JobContext, ...args: A) => Promise<unknown>, ...args: A): Promise<string> {
    return dispatchJob(job, args);
  }
  /** Answers from a cache refreshed in the background (the status op is async, this method is not). */
  isCancelled(): boolean {
    if (!this.#cancelled && !this.#checking && Date.now() - this.#checkedAt >= STATUS_TTL_MS) {
      this.#checking = true;
      callHost("jobs.status", { jobId: this.jobId }).then(
        (status) => { if (status.cancelled) this.#cancelled = true; },
        () => { /* a failed status check is retried on the next call */ },
      ).finally(() => {
        this.#checking = false;
        this.#checkedAt = Date.now();
      });
    }
    return this.#cancelled;
  }

  async #watch<T>(call: Promise<T>): Promise<T> {
    try {
      return await call;
    } catch (error) {
      if (error instanceof JobCancelled) this.#cancelled = true;
      throw error;
    }
  }
}

export class TaskContextImpl extends BaseContext implements TaskContext {
  readonly taskName: string;
  readonly attempt: number;
  readonly jobId: string;
  constructor(env: ContextEnv & { invocation: TaskInvocationContext }, taskName: string) {
    super(env);
    this.taskName = taskName;
    this.attempt = env.invocation.attempt;
    this.jobId = env.invocation.jobId;
  }
}

export class ActionContextImpl extends BaseContext implements ActionContext {
  readonly actionName: string;
  readonly phase: "preview" | "execute";
  readonly #planner: ChangePlanner | undefined;
  constructor(env: ContextEnv, actionName: string, phase: "preview" | "execute") {
    super(env);
    this.actionName = actionName;
    this.phase = phase;
    this.#planner = phase === "preview" ? new ChangePlanner() : undefined;
  }
  protected override planner(): ChangePlanner | undefined {
    return this.#planner;
  }
  plannedChanges(): ActionChange[] {
    return [...(this.#planner?.changes ?? [])];
  }
}

export class AgentContextImpl extends BaseContext implements AgentContext {
  readonly eventId: string;
  #memory: object | undefined;
  constructor(env: ContextEnv & { invocation: { eventId: string } }) {
    super(env);
    this.eventId = env.invocation.eventId;
  }
  trace(message: string, data?: JsonValue): void {
    callHostSync("agent.trace", data === undefined ? { message: String(message) } : { message: String(message), data });
  }
  memory<M extends object>(memoryClass?: new () => M): M {
    const cls = memoryClass ?? (this.env.bindings.memoryClass as (new () => M) | undefined);
    return (this.#memory ??= bindMemory(this.env.bindings.manifest, cls)) as M;
  }
  dispatchJob<A extends unknown[]>(job: (ctx: JobContext, ...args: A) => Promise<unknown>, ...args: A): Promise<string> {
    return dispatchJob(job, args);
  }
}

// Promises these methods return are tracked: one never awaited that fails fails the invocation.
trackMethods(BaseContext, "ctx");
trackMethods(JobContextImpl, "ctx");
trackMethods(AgentContextImpl, "ctx");
