/**
 * Delivers recorded agent events to hooks, in the background, at least once.
 *
 * Each extension's deliveries run one at a time, in event order, in the extension's own hook
 * instance (so a hook never waits behind a long job, and a hook that hits its deadline throws
 * away only that VM); at most `concurrency` extensions' hooks run at once. A delivery is claimed
 * in jobs.db first (attempts + 1, owned by this host with a heartbeat), so a host killed while a
 * hook runs leaves it `running` under a dead owner and the next host delivers it again, with the
 * same event id. A hook that throws or hits its deadline is tried again after `backoffMs`,
 * doubling, up to `maxAttempts`, then `failed`; meanwhile later events go on being delivered.
 * The error is recorded on the delivery and logged for the extension.
 */
import type { Manifest } from "@sdx/sdk/manifest";
import { toWireError, wireError } from "../errors.js";
import { getInstalled } from "../extensions/install.js";
import { HEARTBEAT_MS, newOwner, retireOwner } from "../store/owner.js";
import { Limiter, type TaskPool } from "../jobs/task-pool.js";
import { withVirtualDeadline } from "../core/virtual-deadline.js";
import { GrantSet } from "../extensions/grants.js";
import type { Invocation, WireError } from "@sdx/sdk/protocol";
import type { InvokeOptions } from "@sdx/sandbox";
import type { Library } from "../store/library.js";
import type { AgentEventStore, ClaimedDelivery } from "../store/agent-events.js";
import type { EntrySubject, EventRecorder } from "./recorder.js";
import type { AgentOptions } from "./types.js";
import type { Clock, ClockTimer } from "../core/clock.js";

/** What delivery needs of a loaded extension. */
export interface HookRuntime {
  readonly extensionId: string;
  readonly manifest: Manifest;
  readonly config: Record<string, unknown>;
  readonly deviceUuid: string;
  /** The instance hooks run in (a pool of one); null for an extension without `@agent`. */
  readonly agent: Pick<TaskPool, "use" | "discard"> | null;
  /** How to invoke a hook: its host calls (the call pipeline, host/calls.ts) and what the sandbox needs to answer them. */
  invokeOptions(scope: HookCallScope): InvokeOptions;
}

/**
 * The calls of a hook handling an event `depth` hooks deep: refused (SDX3019) while the host
 * closes, and `refused.value` set, so the delivery gives the event back untried.
 */
export interface HookCallScope {
  kind: "hook";
  depth: number;
  closing(): boolean;
  refused: { value: boolean };
}

export interface DeliveryDeps {
  library: Library;
  store: AgentEventStore;
  recorder: EventRecorder;
  load(extensionId: string): Promise<HookRuntime>;
  log(extensionId: string, level: "warn" | "error", message: string): void;
  options: Required<AgentOptions>;
  /** Retries wait out their backoff on this clock. */
  clock: Clock;
}

const skip = (code: "SDX3001" | "SDX3010" | "SDX3011", message: string): WireError => wireError(code, `not delivered: ${message}`);

export class AgentDelivery {
  private readonly owner = newOwner();
  private readonly workers = new Map<string, Promise<void>>();
  private readonly rerun = new Set<string>();
  private readonly limiter: Limiter;
  private readonly heartbeat: NodeJS.Timeout;
  private sweeping: Promise<void> | null = null;
  private again = false;
  private wakeUp: ClockTimer | null = null;
  private started = false;
  private closing = false;

  constructor(private readonly deps: DeliveryDeps) {
    this.limiter = new Limiter(Math.max(1, deps.options.concurrency));
    this.heartbeat = setInterval(() => {
      if (this.workers.size > 0 && deps.store.db.open) deps.store.heartbeat(this.owner);
    }, HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  /** Starts delivering (a host that does not recover only records events). */
  start(): void {
    this.started = true;
    this.kick();
  }

  /** Looks for deliveries to make (new events, due retries, orphans of a killed host). */
  kick(): void {
    if (!this.started || this.closing) return;
    if (this.sweeping) {
      this.again = true;
      return;
    }
    this.sweeping = this.sweep().finally(() => {
      this.sweeping = null;
      if (this.again) {
        this.again = false;
        this.kick();
      }
    });
  }

  private async sweep(): Promise<void> {
    try {
      this.deps.recorder.fanOut();
      for (const extensionId of this.deps.store.extensionsWithWork(this.deps.clock.now())) this.startWorker(extensionId);
    } catch {
      // jobs.db busy (another host's write) or closing: nothing is lost, the next kick or host looks again.
    }
    this.scheduleWakeUp();
  }

  /** Wakes up for the earliest retry (unref'd: a CLI exits and leaves it to the next host). */
  private scheduleWakeUp(): void {
    if (this.closing || !this.deps.store.db.open) return;
    const at = this.deps.store.nextDueAt();
    const { clock } = this.deps;
    clock.clear(this.wakeUp);
    this.wakeUp = null;
    if (at === null || at <= clock.now()) return;
    this.wakeUp = clock.setTimeout(() => this.kick(), at - clock.now() + 5, { unref: true, kind: "hook-retry" });
  }

  private startWorker(extensionId: string): void {
    if (this.workers.has(extensionId)) {
      this.rerun.add(extensionId);
      return;
    }
    const worker = this.work(extensionId).finally(() => {
      this.workers.delete(extensionId);
      if (this.rerun.delete(extensionId)) this.startWorker(extensionId);
      else if (this.workers.size === 0) this.scheduleWakeUp();
    });
    this.workers.set(extensionId, worker);
  }

  private async work(extensionId: string): Promise<void> {
    for (;;) {
      const more = await this.limiter.run(async () => {
        if (this.closing) return false;
        const delivery = this.deps.store.claimNext(extensionId, this.owner, this.deps.clock.now());
        if (!delivery) return false;
        await this.deliver(delivery);
        return true;
      }).catch((error: unknown) => {
        this.deps.log(extensionId, "error", `[host] agent event delivery failed: ${(error as Error).message}`);
        return false;
      });
      if (!more) return;
    }
  }

  private async deliver(d: ClaimedDelivery): Promise<void> {
    const { store, options } = this.deps;
    const started = performance.now();
    let error: WireError;
    const refused = { value: false };
    try {
      if (!getInstalled(this.deps.library, d.extensionId)) return store.skipped(d, this.owner, skip("SDX3010", `${d.extensionId} is no longer installed`));
      if (d.type === "entry_indexed" && d.subject) {
        const { absolute, relative } = d.subject as EntrySubject;
        if (!GrantSet.load(this.deps.library, d.extensionId).canReadEntry(absolute, relative)) {
          return store.skipped(d, this.owner, skip("SDX3001", "the entry is no longer readable under the extension's grants"));
        }
      }
      const runtime = await this.deps.load(d.extensionId);
      if (!runtime.agent || !runtime.manifest.agent?.hooks.some((h) => h.name === d.hook)) {
        return store.skipped(d, this.owner, skip("SDX3011", `${d.extensionId} has no hook ${d.hook} anymore`));
      }
      const invocation: Invocation = {
        kind: "hook",
        name: d.hook,
        args: [d.payload],
        context: { extensionId: d.extensionId, config: runtime.config, deviceUuid: runtime.deviceUuid, eventId: d.eventId },
      };
      const invokeOptions = runtime.invokeOptions({ kind: "hook", depth: d.depth, closing: () => this.closing, refused });
      const { clock } = this.deps;
      const pool = runtime.agent;
      const reply = await pool.use((instance) => clock.virtual
        // A fake clock never passes the sandbox's wall-clock deadline: the host keeps it on the clock.
        ? withVirtualDeadline(clock, { ms: options.hookTimeoutMs, kind: "hook-timeout", what: "the hook" }, () => pool.discard(instance), () => instance.invoke(invocation, invokeOptions))
        : instance.invoke(invocation, { deadlineMs: options.hookTimeoutMs, ...invokeOptions }));
      // A hook refused a call because the host is closing did not do its work: it gets the event again.
      if (refused.value) return store.release(d, this.owner);
      if (reply.ok) return store.delivered(d, this.owner, performance.now() - started);
      error = reply.error;
    } catch (thrown) {
      error = toWireError(thrown);
    }
    const final = d.attempts >= options.maxAttempts;
    const retryAt = final ? null : this.deps.clock.now() + options.backoffMs * 2 ** (d.attempts - 1);
    store.attemptFailed(d, this.owner, error, performance.now() - started, retryAt);
    this.deps.log(d.extensionId, final ? "error" : "warn",
      `hook ${d.hook} failed on ${d.type} event ${d.eventId} (attempt ${d.attempts}/${options.maxAttempts}${final ? ", giving up" : ""}): ${error.code} ${error.message}`);
  }

  /**
   * Resolves when nothing is being delivered and nothing is due now (retries waiting out their
   * backoff stay pending). Returns whether it had anything to wait for.
   */
  async idle(): Promise<boolean> {
    let waited = false;
    while (this.sweeping || this.workers.size > 0) {
      waited = true;
      await Promise.allSettled([this.sweeping, ...this.workers.values()]);
    }
    return waited;
  }

  /** Stops claiming; hooks still running are refused their next host call. */
  stop(): void {
    this.closing = true;
    this.deps.clock.clear(this.wakeUp);
    this.wakeUp = null;
  }

  /** Stops, waits for hooks in flight (their deliveries are settled or given back), releases the owner. */
  async close(): Promise<void> {
    this.stop();
    await this.idle();
    clearInterval(this.heartbeat);
    retireOwner(this.owner);
  }
}
