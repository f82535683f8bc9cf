/**
 * Host calls of one VM. Async: the guest's `__sdx_call` (guest-helpers.ts) queues requests in an
 * outbox; after guest code runs the VM calls `drain()`, which dispatches each request to the current
 * `HostCalls`; settled replies are batched and delivered in one call into the VM, then the job queue
 * is pumped. Sync: `__sdx_call_sync` calls `syncCall` directly; the host refuses ops that are not sync.
 * Must not: throw into the host for anything the guest sends; replies over the size limit become
 * SDX3014 errors, malformed requests SDX3002.
 */
import type { QuickJSHandle } from "quickjs-emscripten-core";
import { failure, toWireError, wireError, type WireMessage, type WireResult } from "@sdx/sdk/wire";
import { SEP } from "./guest-helpers.js";
import { decodeFast, encodeChecked, lengthOf, writeMessage } from "./marshal.js";
import type { VmCore } from "./vm-core.js";
import { isRaw } from "./types.js";


/** How long guest code and replies may chain in microtasks before the thread is given back. */
const YIELD_EVERY_MS = 10;

export class CallBridge {
  private ready: string[] = [];
  private readyBuffers: ArrayBuffer[] = [];
  private flushScheduled = false;
  /** Host calls started and not yet answered. */
  private inFlight = 0;
  /** When the thread last started a new turn of its event loop (see `replyRaw`). */
  private turnStart = performance.now();
  private turnMarked = false;

  /** Whether a host call or a reply is still on its way (the guest may still be woken up). */
  get busy(): boolean {
    return this.inFlight > 0 || this.ready.length > 0 || this.flushScheduled;
  }

  constructor(private readonly vm: VmCore) {}

  /** Encodes a host reply; one over the size limit is replaced by an SDX3014 error. */
  encodeReply(result: WireResult): WireMessage {
    const limit = this.vm.limits.maxMessageBytes;
    try {
      return encodeChecked(result, limit, "the host's reply");
    } catch (error) {
      return encodeChecked(failure(toWireError(error)), limit, "the host's reply");
    }
  }

  private decodeRequest(op: string, json: string, buffers: ArrayBuffer[]): { payload: unknown } | { error: WireResult<never> } {
    const limit = this.vm.limits.maxMessageBytes;
    // The guest-side binding checks sizes already; this guards against a guest that broke it.
    const size = json.length + buffers.reduce((n, b) => n + b.byteLength, 0);
    if (size > limit) return { error: failure(wireError("SDX3014", `the request to ${op} is ${size} bytes, over the sandbox limit of ${limit} bytes`)) };
    try {
      return { payload: decodeFast({ json, buffers }) };
    } catch (error) {
      return { error: failure(wireError("SDX3002", `malformed request to ${op}: ${(error as Error).message}`)) };
    }
  }

  /** The host side of `__sdx_call_sync(op, json, ...buffers)`: returns a JSON string or a message object. */
  syncCall(opHandle: QuickJSHandle, jsonHandle: QuickJSHandle, bufferHandles: QuickJSHandle[]): QuickJSHandle {
    const ctx = this.vm.context;
    const op = ctx.getString(opHandle);
    const buffers = bufferHandles.map((handle) => copyArrayBuffer(this.vm, handle));
    const json = this.vm.strings.getString(jsonHandle);
    const calls = this.vm.calls;
    // Which ops may be called synchronously is the host's decision (the protocol's table).
    if (isRaw(calls)) {
      let reply: WireMessage;
      try {
        reply = calls.callSyncRaw(op, { json, buffers });
      } catch (error) {
        reply = this.encodeReply(failure(toWireError(error)));
      }
      return reply.buffers.length === 0 ? this.vm.strings.newString(reply.json) : writeMessage(ctx, this.vm.helpers, reply);
    }
    const request = this.decodeRequest(op, json, buffers);
    let result: WireResult;
    if ("error" in request) result = request.error;
    else {
      try {
        result = this.vm.calls.callSync(op, request.payload);
      } catch (error) {
        result = failure(toWireError(error));
      }
    }
    const message = this.encodeReply(result);
    return message.buffers.length === 0 ? this.vm.strings.newString(message.json) : writeMessage(ctx, this.vm.helpers, message);
  }

  /** Takes the requests the guest queued since the last drain and starts them. */
  drain(): void {
    const vm = this.vm;
    const ctx = vm.context;
    const drained = vm.enter(() => ctx.callFunction(vm.helpers.drain, ctx.undefined));
    if (!drained) return;
    if (drained.error) {
      drained.error.dispose();
      return;
    }
    const text = vm.strings.getString(drained.value);
    drained.value.dispose();
    if (text === "") return;
    const fields = text.split(SEP);
    let buffers: ArrayBuffer[] = [];
    for (let i = 2; i < fields.length; i += 4) {
      if (fields[i] !== "0") {
        buffers = this.drainBuffers();
        break;
      }
    }
    let next = 0;
    const calls = vm.calls;
    for (let i = 0; i + 3 < fields.length; i += 4) {
      const id = fields[i]!;
      const op = fields[i + 1]!;
      const count = Number(fields[i + 2]);
      const own = buffers.slice(next, next + count);
      next += count;
      this.inFlight++;
      if (isRaw(calls)) {
        calls.callRaw(op, { json: fields[i + 3]!, buffers: own }).then(
          (reply) => this.replyRaw(id, reply),
          (error: unknown) => this.reply(id, failure(toWireError(error))),
        );
        continue;
      }
      const request = this.decodeRequest(op, fields[i + 3]!, own);
      if ("error" in request) {
        this.reply(id, request.error);
        continue;
      }
      try {
        calls.call(op, request.payload).then(
          (result) => this.reply(id, result),
          (error: unknown) => this.reply(id, failure(toWireError(error))),
        );
      } catch (error) {
        this.reply(id, failure(toWireError(error)));
      }
    }
  }

  private drainBuffers(): ArrayBuffer[] {
    const vm = this.vm;
    const ctx = vm.context;
    const result = vm.enter(() => ctx.callFunction(vm.helpers.drainBuffers, ctx.undefined));
    if (!result || result.error) {
      result?.error?.dispose();
      return [];
    }
    const list = result.value;
    const buffers: ArrayBuffer[] = [];
    const count = lengthOf(ctx, list) ?? 0;
    for (let i = 0; i < count; i++) {
      const handle = ctx.getProp(list, i);
      buffers.push(copyArrayBuffer(vm, handle));
      handle.dispose();
    }
    list.dispose();
    return buffers;
  }

  private reply(id: string, result: WireResult): void {
    this.replyRaw(id, this.encodeReply(result));
  }

  /** Queues an encoded reply for delivery (a raw reply was size-checked where it was encoded). */
  private replyRaw(id: string, message: WireMessage): void {
    this.inFlight--;
    if (this.vm.fatal) return;
    // "p": nothing for the guest's decoder to revive (V8 scans the JSON ~20× faster than QuickJS).
    const count = message.buffers.length === 0 ? (message.json.includes('"$b') ? "0" : "p") : String(message.buffers.length);
    this.ready.push(id, count, message.json);
    for (const buffer of message.buffers) this.readyBuffers.push(buffer);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // Replies answered without waiting (calls answered next to the VM) keep the guest running in
    // microtasks, which never give the thread back: every few milliseconds, deliver on the next
    // turn instead, so the worker answers its watchdog and timers (a batch's commit) can run.
    if (performance.now() - this.turnStart > YIELD_EVERY_MS) {
      setImmediate(() => {
        this.turnStart = performance.now();
        this.flush();
      });
      return;
    }
    if (!this.turnMarked) {
      this.turnMarked = true;
      setImmediate(() => {
        this.turnMarked = false;
        this.turnStart = performance.now();
      });
    }
    queueMicrotask(() => this.flush());
  }

  /** Delivers every settled reply in one call, then lets the guest run. */
  private flush(): void {
    this.flushScheduled = false;
    const vm = this.vm;
    if (vm.fatal || this.ready.length === 0) return;
    const batch = this.ready.join(SEP);
    const buffers = this.readyBuffers;
    this.ready = [];
    this.readyBuffers = [];
    const ctx = vm.context;
    vm.enter(() => {
      const args = [vm.strings.newString(batch), ...buffers.map((buffer) => ctx.newArrayBuffer(buffer))];
      const delivered = ctx.callFunction(vm.helpers.deliver, ctx.undefined, args);
      for (const handle of args) handle.dispose();
      if (delivered.error) delivered.error.dispose();
      else delivered.value.dispose();
    });
    vm.pumpNow();
  }
}

/** Copies an ArrayBuffer out of the VM (its view points into the VM's heap, which moves on). */
function copyArrayBuffer(vm: VmCore, handle: QuickJSHandle): ArrayBuffer {
  const view = vm.context.getArrayBuffer(handle);
  const copy = view.value.slice().buffer;
  view.dispose();
  return copy;
}
