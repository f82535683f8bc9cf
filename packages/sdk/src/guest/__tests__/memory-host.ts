/**
 * TEST DOUBLE of the host, for the guest runtime's unit tests only: a small in-memory
 * implementation of the host ops, installed as `globalThis.__sdx_call` / `__sdx_call_sync` so the
 * runtime can run in Node without the sandbox. The real host is packages/host (QuickJS +
 * SQLite). Every request and reply is checked against the protocol's zod schemas, so the runtime
 * cannot drift from the contract unnoticed.
 */
import { decodeMessage, encodeMessage, ops, type Invocation, type OpName, type WireMessage, type WireModel, type WireResult } from "../../protocol.js";
import type { EntryData } from "../../types/data.js";

export class HostError extends Error {
  constructor(readonly code: string, override readonly name: string, message: string, readonly data?: unknown) {
    super(message);
  }
}

type Handler = (payload: Record<string, unknown>) => unknown;

export function entry(n: number, extra: Partial<EntryData> = {}): EntryData {
  return {
    uuid: `entry-${n}`, name: `file${n}.txt`, extension: "txt", kind: "text", path: { device: "dev-1", path: `/docs/file${n}.txt` },
    locationUuid: "loc-1", size: 10, contentUuid: `content-${n}`, modifiedAt: "2026-01-01T00:00:00.000Z", ...extra,
  };
}

export class MemoryHost {
  readonly calls: Array<{ op: string; payload: Record<string, unknown> }> = [];
  readonly logs: Array<{ level: string; message: string; data?: unknown }> = [];
  entries: EntryData[] = [];
  files = new Map<string, string>();
  readonly models = new Map<string, WireModel>();
  readonly tags = new Map<string, string[]>();
  readonly working = new Map<string, unknown>();
  cancelled = false;
  deniedEntries = new Set<string>();
  /** The next call of this op fails with this error (then it is cleared). */
  failNext: { op: string; error: Error } | null = null;
  readonly handlers: Partial<Record<OpName, Handler>>;
  #nextId = 0;
  #realm: object = globalThis;

  constructor() {
    const id = (prefix: string) => `${prefix}-${++this.#nextId}`;
    const targetKey = (t: Record<string, string>) => Object.entries(t)[0]!.join(":");
    this.handlers = {
      "log": (p) => { this.logs.push(p as never); return null; },
      "agent.trace": (p) => { this.logs.push({ level: "trace", ...(p as { message: string }) }); return null; },
      "crypto.randomBytes": (p) => ({ bytes: globalThis.crypto.getRandomValues(new Uint8Array(p.length as number)) }),
      "text.encode": (p) => ({ bytes: new TextEncoder().encode(p.text as string) }),
      "text.decode": (p) => ({ text: new TextDecoder("utf-8", { fatal: Boolean(p.fatal) }).decode(p.bytes as Uint8Array) }),
      "entries.query": (p) => {
        const matching = this.entries.filter((e) =>
          (!p.location || e.path.path.startsWith((p.location as { path: string }).path))
          && (!p.kinds || (p.kinds as string[]).includes(e.kind)) && (!p.contentUuid || e.contentUuid === p.contentUuid));
        const start = p.cursor ? Number(p.cursor) : 0;
        const page = matching.slice(start, start + (p.limit as number));
        const next = start + page.length < matching.length ? String(start + page.length) : null;
        return p.countOnly ? { entries: [], nextCursor: null, count: matching.length } : { entries: page, nextCursor: next };
      },
      "entries.get": (p) => ({ entry: this.entries.find((e) => e.uuid === p.entryUuid) ?? null }),
      "entries.read": (p) => {
        if (this.deniedEntries.has(p.entryUuid as string)) throw new HostError("SDX3001", "PermissionDenied", `no read_entries grant covers ${String(p.entryUuid)}`, { permission: "read_entries" });
        return { bytes: new TextEncoder().encode(this.files.get(p.entryUuid as string) ?? "") };
      },
      "sidecars.read": (p) => ({ data: p.kind === "exif" ? { camera: "X100", content: p.contentUuid } : null }),
      "models.create": (p) => {
        const uuid = id("model");
        this.models.set(uuid, {
          uuid, modelType: p.modelType as string, version: "1.0.0", scope: p.scope as WireModel["scope"], data: p.data as Record<string, unknown>,
          blobs: p.blobs as Record<string, unknown>, createdAt: "t", updatedAt: "t",
        });
        return { uuid };
      },
      "models.get": (p) => {
        const by = p.by as Record<string, string>;
        const lazy = (m: WireModel) => ({ ...m, blobs: {} }); // the double treats every blob as lazy
        for (const m of this.models.values()) {
          if (m.modelType !== p.modelType) continue;
          if (m.uuid === by.uuid || ("content" in m.scope && m.scope.content === by.content) || ("entry" in m.scope && m.scope.entry === by.entry)) return { model: lazy(m) };
        }
        return { model: null };
      },
      "models.query": (p) => {
        let list = [...this.models.values()].filter((m) => m.modelType === p.modelType);
        for (const f of p.filters as Array<{ field: string; op: string; value: unknown }>) {
          list = list.filter((m) => (f.op === ">" ? (m.data[f.field] as number) > (f.value as number) : m.data[f.field] === f.value));
        }
        if (p.limit) list = list.slice(0, p.limit as number);
        const rows = list.map((m) => (p.inlineOnly ? { ...m, blobs: {} } : m));
        return p.countOnly ? { models: [], count: rows.length } : { models: rows };
      },
      "models.loadBlob": (p) => ({ value: this.models.get(p.modelUuid as string)?.blobs[p.field as string] ?? null }),
      "models.update": (p) => { const m = this.models.get(p.uuid as string)!; m.data = p.data as Record<string, unknown>; return null; },
      "tags.add": (p) => { const k = targetKey(p.target as Record<string, string>); this.tags.set(k, [...(this.tags.get(k) ?? []), p.tag as string]); return null; },
      "tags.list": (p) => ({ tags: this.tags.get(targetKey(p.target as Record<string, string>)) ?? [] }),
      "collections.create": () => ({ uuid: id("collection") }),
      "jobs.progress": () => null,
      "jobs.checkpoint": () => null,
      "jobs.dispatch": () => ({ jobId: id("job") }),
      "jobs.status": () => ({ cancelled: this.cancelled }),
      // Like the real host: a task runs as its own invocation of the guest.
      "tasks.run": async (p) => {
        const result = await this.invoke({ kind: "task", name: p.task as string, args: p.args as unknown[], context: { ...this.context(), jobId: p.jobId as string, attempt: 1 } });
        if (!result.ok) throw new HostError("SDX3006", "TaskFailed", `task ${String(p.task)} failed: ${result.error.message}`, result.error);
        return { result: result.value };
      },
      "kernel.call": (p) => ({ result: (p.args as number[]).reduce((a, b) => a + b, 0) }),
      "device.select": (p) => ({ device: { uuid: "dev-1", name: "this machine", isLocal: true, capabilities: p.capabilities as string[] } }),
      "memory.working.get": (p) => ({ value: this.working.get(p.field as string) ?? null }),
      "memory.working.set": (p) => { this.working.set(p.field as string, p.value); return null; },
      "memory.temporal.append": () => null,
    };
  }

  context() {
    return { extensionId: "org.example.test", config: {}, deviceUuid: "dev-1" };
  }

  async #handle(op: string, json: string, buffers: ArrayBuffer[]): Promise<WireMessage> {
    try {
      const schema = ops[op as OpName];
      const handler = this.handlers[op as OpName];
      if (!schema || !handler) throw new HostError("SDX3007", "SdxError", `unknown host operation ${op}`);
      const payload = schema.request.parse(decodeMessage({ json, buffers })) as Record<string, unknown>;
      this.calls.push({ op, payload });
      if (this.failNext?.op === op) {
        const { error } = this.failNext;
        this.failNext = null;
        throw error;
      }
      const value = schema.response.parse(await handler(payload));
      return encodeMessage({ ok: true, value } satisfies WireResult);
    } catch (e) {
      const error = e instanceof HostError ? { code: e.code, name: e.name, message: e.message, data: e.data }
        : { code: "SDX3002", name: "ValidationError", message: `${op}: ${(e as Error).message}` };
      return encodeMessage({ ok: false, error } satisfies WireResult);
    }
  }

  /** Installs the bindings on `realm` (globalThis, or a `vm` context's global in the bundle test). */
  install(realm: object = globalThis): void {
    this.#realm = realm;
    const g = realm as Record<string, unknown>;
    // As the sandbox's binding: with `decode`, the call's own promise settles with the decoded value.
    g.__sdx_call = (op: string, json: string, buffers: ArrayBuffer[], decode?: (reply: WireMessage) => unknown) => {
      const reply = this.#handle(op, json, buffers);
      return decode === undefined ? reply : reply.then(decode);
    };
    g.__sdx_call_sync = (op: string, json: string, buffers: ArrayBuffer[]) => syncResult(this, op, json, buffers);
  }

  /** Calls the guest like the host does and decodes its WireResult. */
  async invoke(inv: Invocation): Promise<WireResult> {
    const guest = (this.#realm as { __sdx_guest?: { invoke(json: string, buffers: ArrayBuffer[]): Promise<WireMessage> } }).__sdx_guest;
    const message = encodeMessage(inv);
    return decodeMessage<WireResult>(await guest!.invoke(message.json, message.buffers));
  }

  opsCalled(): string[] {
    return this.calls.map((c) => c.op);
  }
}

/** The synchronous path: validates and runs a sync handler without awaiting. */
function syncResult(host: MemoryHost, op: string, json: string, buffers: ArrayBuffer[]): WireMessage {
  try {
    const schema = ops[op as OpName];
    const payload = schema.request.parse(decodeMessage({ json, buffers })) as Record<string, unknown>;
    host.calls.push({ op, payload });
    const value = schema.response.parse(host.handlers[op as OpName]!(payload));
    return encodeMessage({ ok: true, value });
  } catch (e) {
    return encodeMessage({ ok: false, error: { code: "SDX3002", name: "ValidationError", message: (e as Error).message } });
  }
}
