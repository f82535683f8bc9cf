/**
 * The program of a sandbox worker: one QuickJS VM (through the in-thread `QuickJSSandbox`, which
 * already enforces deadlines with the interrupt handler and replaces a VM after a fatal error), whose
 * host calls are forwarded to the host's thread as messages. Nothing here knows the host: a call is
 * an op name and an encoded request, answered by an encoded reply.
 *
 * Must not: decode what the guest sends (the host's thread does), or block except in a sync call.
 */
import { parentPort, workerData } from "node:worker_threads";
import { decodeMessage, encodeMessage, failure, toWireError, wireError, type WireMessage, type WireResult } from "@sdx/sdk/wire";
import { QuickJSSandbox, type QuickJSInstance } from "./quickjs-sandbox.js";
import { useCompiledQuickJS } from "./quickjs-module.js";
import { prepareQuickJSVm } from "./quickjs-vm.js";
import { DEFAULT_LIMITS } from "./types.js";
import { SharedGuestClock } from "./guest-clock.js";
import { SyncReplyReader } from "./sync-channel.js";
import type { HostCalls, RawHostCalls, WorkerInstanceCalls, WorkerLink } from "./types.js";
import type { WasmModule } from "./webassembly.js";
import type { FromWorker, ToWorker, WorkerSetup } from "./worker-protocol.js";

const port = parentPort!;
const setup = workerData as WorkerSetup;
useCompiledQuickJS(setup.quickjs as WasmModule);
const clock = SharedGuestClock.attach(setup.clock, setup.clockEpoch);
const syncReader = new SyncReplyReader(setup.sync);

/** Notices of the worker calls module, sent in one message per turn (a batch's commit may announce thousands). */
let notices: unknown[] = [];

function post(message: FromWorker, transfer: ArrayBuffer[] = []): void {
  // Notices queued before this message go first: the host sees everything in the order it happened.
  if (notices.length > 0) flushNotices();
  port.postMessage(message, transfer);
}

function flushNotices(): void {
  if (notices.length === 0) return;
  const batch = notices;
  notices = [];
  port.postMessage({ type: "notices", notices: batch } satisfies FromWorker);
}

function notify(notice: unknown): void {
  if (notices.length === 0) queueMicrotask(flushNotices);
  notices.push(notice);
}

/** Async calls wait here for their replies; requests leave in one message per turn. */
const pending = new Map<number, (reply: WireMessage) => void>();
let outgoing: Array<[number, string, WireMessage]> = [];
let nextCall = 1;

function flushCalls(): void {
  const calls = outgoing;
  outgoing = [];
  post({ type: "calls", calls }, calls.flatMap(([, , request]) => request.buffers));
}

const forward: RawHostCalls = {
  callRaw(op, request) {
    const id = nextCall++;
    if (outgoing.length === 0) queueMicrotask(flushCalls);
    outgoing.push([id, op, request]);
    return new Promise((resolve) => pending.set(id, resolve));
  },
  callSyncRaw(op, request) {
    postsSinceSync = 0;
    // Calls queued before this one go first, so the host sees them in the guest's order.
    if (outgoing.length > 0) flushCalls();
    post({ type: "sync", op, request }, request.buffers);
    return syncReader.read(() => post({ type: "sync-next" }));
  },
  // The VM uses the raw forms (call-bridge.ts); these serve anything that calls with a payload.
  async call(op, payload) {
    return decodeMessage<WireResult>(await forward.callRaw(op, encodeMessage(payload)));
  },
  callSync(op, payload) {
    return decodeMessage<WireResult>(forward.callSyncRaw(op, encodeMessage(payload)));
  },
};

/** Posts since the last sync call: past `POSTS_PER_SYNC` the next one waits (bounded queue). */
let postsSinceSync = 0;
const POSTS_PER_SYNC = 64;

function postCall(op: string, payload: unknown): void {
  const request = encodeMessage(payload);
  if (++postsSinceSync >= POSTS_PER_SYNC) {
    forward.callSyncRaw(op, request);
    return;
  }
  // Calls queued before this one go first, so the host sees them in the guest's order.
  if (outgoing.length > 0) flushCalls();
  post({ type: "post", op, request }, request.buffers);
}

let instance: QuickJSInstance | null = null;

/** The module answering host calls here (loaded while the worker warms up), and this VM's calls from it. */
type CallsModule = { openInstance(data: unknown, link: WorkerLink): Promise<WorkerInstanceCalls> | WorkerInstanceCalls };
let callsModule: Promise<CallsModule> | null = setup.callsModule ? (import(setup.callsModule) as Promise<CallsModule>) : null;
let local: WorkerInstanceCalls | null = null;
const link: WorkerLink = { forward, notify, post: postCall };

/** Drops the VM and what the calls module opened for it; false when closing that failed. */
function releaseVm(): boolean {
  instance?.dispose();
  instance = null;
  const opened = local;
  local = null;
  // Replies still on their way belong to the old VM: dropped when they come (ids never repeat).
  pending.clear();
  outgoing = [];
  postsSinceSync = 0;
  try {
    opened?.close();
    return true;
  } catch {
    return false;
  }
}

async function start(message: Extract<ToWorker, { type: "start" }>): Promise<void> {
  releaseVm();
  try {
    local = callsModule && message.workerData !== undefined ? await (await callsModule).openInstance(message.workerData, link) : null;
  } catch (error) {
    callsModule = null;
    post({ type: "started", error: wireError("SDX3020", `the sandbox could not open its host calls: ${(error as Error).message}`), startMs: 0 });
    return;
  }
  instance = new QuickJSSandbox(message.limits).createInstance({ name: message.name, guestJs: message.guestJs, calls: forward, guestClock: clock });
  const started = await instance.warm();
  post({ type: "started", error: started.ok ? null : started.error, startMs: instance.stats.lastStartMs });
}

async function invoke(message: Extract<ToWorker, { type: "invoke" }>): Promise<void> {
  let reply: WireResult;
  if (!instance) reply = failure(wireError("SDX3020", "the sandbox worker has no VM"));
  else {
    const calls: HostCalls = local ? local.callsFor(message.scope) : forward;
    // Encoded and size-checked by the host under this VM's limits: handed to the VM as it came.
    reply = await instance.invokeEncoded(message.invocation, { deadlineMs: message.deadlineMs ?? undefined, calls });
  }
  let settled: unknown;
  try {
    settled = local ? local.settle(message.scope) : undefined;
  } catch (error) {
    reply = failure(toWireError(error));
  }
  const encoded = encodeMessage(reply);
  post({ type: "done", id: message.id, reply: encoded, recycled: instance?.stats.recycled ?? 0, lastStartMs: instance?.stats.lastStartMs ?? 0, settled }, encoded.buffers);
}

port.on("message", (message: ToWorker) => {
  switch (message.type) {
    case "start":
      void start(message);
      break;
    case "invoke":
      void invoke(message);
      break;
    case "replies":
      for (const [id, reply] of message.replies) {
        const resolve = pending.get(id);
        pending.delete(id);
        resolve?.(reply);
      }
      break;
    case "ping":
      post({ type: "pong" });
      break;
    case "release": {
      const ok = releaseVm();
      // The next VM is made ahead again, as a new worker's is (most VMs use the default limits).
      if (ok) prepareQuickJSVm(DEFAULT_LIMITS, clock);
      post({ type: "released", ok });
      break;
    }
    case "dispose":
      instance?.dispose();
      instance = null;
      port.close();
      break;
  }
});

/**
 * A spare worker waits for its VM: run one throwaway VM through start and an invocation so the
 * engine's JavaScript glue is compiled, then make the real VM but for its bundle (engine, runtime,
 * context, bindings; most VMs use the default limits). Its start then is evaluating its bundle.
 */
async function warmUp(): Promise<void> {
  const warm = new QuickJSSandbox().createInstance({
    name: "warm-up",
    guestJs: "globalThis.__sdx_guest = { protocolVersion: 1, invoke: async (json, buffers) => ({ json: '{\"ok\":true,\"value\":null}', buffers: [] }) };",
    calls: forward,
  });
  await warm.invoke({ kind: "init", name: "init", args: [], context: { extensionId: "warm-up", config: {}, deviceUuid: "" } });
  warm.dispose();
  prepareQuickJSVm(DEFAULT_LIMITS, clock);
}

// The calls module loads during warm-up too (it may take a while: the host's op table, SQLite).
void Promise.all([warmUp(), callsModule?.catch(() => null)]).finally(() => post({ type: "ready" }));
