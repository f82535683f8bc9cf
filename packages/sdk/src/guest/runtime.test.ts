import { beforeEach, describe, expect, it } from "vitest";
import { entry, MemoryHost } from "./__tests__/memory-host.js";
import { manifest, Note, Notes, NotesMind, NotesSettings, seen } from "./__tests__/fixture-extension.js";
import { startGuest } from "./index.js";
import { ModelCatalog } from "./models.js";
import { VdfsImpl } from "./vdfs.js";
import { ENTRY_FIELDS, GuestEntry, toEntryData } from "./entries.js";
import { JobContextImpl } from "./contexts.js";
import type { Invocation } from "../protocol.js";

let host: MemoryHost;
const location = { device: "dev-1", path: "/docs" };

function job(name: string, args: unknown[] = [], config: Record<string, unknown> = {}): Invocation {
  return { kind: "job", name, args, context: { ...host.context(), config, jobId: "job-1", resumeState: null } };
}

beforeEach(() => {
  host = new MemoryHost();
  host.install();
  host.entries = [entry(1), entry(2), entry(3, { path: { device: "dev-1", path: "/other/x.txt" } })];
  host.files.set("entry-1", "one two three");
  host.files.set("entry-2", "four five");
  startGuest({ manifest, extensionClass: Notes, models: { Note }, memoryClass: NotesMind, settingsProperty: "config" });
});

describe("jobs and tasks", () => {
  it("runs a job whose ctx.run(this.task, entry) goes through the host as a task invocation", async () => {
    const result = await host.invoke(job("countAll", [location], { tag: "#mine" }));
    expect(result).toEqual({ ok: true, value: 2 });
    const runs = host.calls.filter((c) => c.op === "tasks.run");
    expect(runs.map((r) => r.payload.task)).toEqual(["countWords", "countWords"]);
    // The Entry travelled as its data (nothing but the EntryData fields).
    expect(runs[0]!.payload.args).toEqual([entry(1)]);
    expect(seen.entryIsLive).toBe(true); // …and was rehydrated into an Entry in the task
    const notes = [...host.models.values()];
    expect(notes.map((m) => [m.scope, m.data, m.blobs])).toEqual([
      [{ content: "content-1" }, { words: 3, title: "file1.txt" }, { vector: [0.5, 0.25] }],
      [{ content: "content-2" }, { words: 2, title: "file2.txt" }, { vector: [0.5, 0.25] }],
    ]);
    expect(host.tags.get("content:content-1")).toEqual(["#mine"]); // settings from the invocation's config
    expect(host.calls.find((c) => c.op === "jobs.checkpoint")!.payload).toEqual({ jobId: "job-1", state: { done: 2 } });
  });

  it("gives a task its context and returns its result", async () => {
    const result = await host.invoke({ kind: "task", name: "describeTask", args: ["label"], context: { ...host.context(), jobId: "job-9", attempt: 2 } });
    expect(result).toEqual({ ok: true, value: "label by describeTask attempt 2 of job job-9" });
  });

  it("refuses ctx.run of a method that is not a @task, naming it", async () => {
    const result = await host.invoke(job("runNotATask"));
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error).toMatchObject({ code: "SDX3006", name: "TypeError" });
      expect(result.error.message).toContain('"helper" is not a @task method');
    }
  });

  it("reports unknown names with SDX3011 and the known ones", async () => {
    const result = await host.invoke(job("nope"));
    expect(result).toMatchObject({ ok: false, error: { code: "SDX3011" } });
    if (!result.ok) expect(result.error.message).toContain("countAll");
  });

  it("checkpoint state comes back through resumeState, cancellation through isCancelled", async () => {
    const env = { bindings: { manifest, extensionClass: Notes, models: { Note } }, catalog: new ModelCatalog({ manifest, extensionClass: Notes, models: { Note } }), settings: {} };
    const ctx = new JobContextImpl({ ...env, invocation: { ...host.context(), jobId: "job-2", resumeState: { done: 5 } } }, "countAll");
    expect(ctx.resumeState()).toEqual({ done: 5 });
    host.cancelled = true;
    expect(ctx.isCancelled()).toBe(false); // the first answer is the cached one; a refresh is now in flight
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(ctx.isCancelled()).toBe(true);
    expect(host.opsCalled().filter((op) => op === "jobs.status")).toHaveLength(1);
  });
});

describe("errors", () => {
  it("turns non-Error throws into SDX3006 with a message that says what was thrown", async () => {
    const thrown = await host.invoke(job("throwString"));
    expect(thrown).toMatchObject({ ok: false, error: { code: "SDX3006", name: "NonErrorThrown" } });
    const messages: Record<string, string> = {};
    for (const kind of ["number", "object", "null", "undefined"]) {
      const result = await host.invoke(job("throwValue", [kind]));
      if (result.ok) throw new Error("expected a failure");
      expect(result.error.code).toBe("SDX3006");
      messages[kind] = result.error.message;
    }
    if (!thrown.ok) expect(thrown.error.message).toContain('a string: "boom"');
    expect(messages.number).toContain("a number: 42");
    expect(messages.object).toContain("an object: { code: 7, reason: 'bad' }");
    expect(messages.null).toContain("threw null");
    expect(messages.undefined).toContain("threw undefined");
  });

  it("keeps an Error's name, message, cause and stack", async () => {
    const result = await host.invoke(job("throwValue", ["error"]));
    expect(result).toMatchObject({ ok: false, error: { code: "SDX3006", name: "RangeError", message: "too far (caused by Error: root)" } });
    if (!result.ok) expect(result.error.stack).toContain("RangeError");
  });

  it("rebuilds host errors as SDK classes in the guest, and passes uncaught ones on with their code", async () => {
    host.deniedEntries.add("entry-1");
    expect(await host.invoke(job("readDenied", ["entry-1"]))).toEqual({ ok: true, value: "denied:SDX3001:read_entries" });
    const uncaught = await host.invoke(job("uncaughtDenied", ["entry-1"]));
    expect(uncaught).toMatchObject({ ok: false, error: { code: "SDX3001", name: "PermissionDenied", data: { permission: "read_entries" } } });
  });

  it("answers a malformed invocation with an error instead of throwing", async () => {
    const guest = (globalThis as unknown as { __sdx_guest: { invoke(json: string, b: ArrayBuffer[]): Promise<{ json: string }> } }).__sdx_guest;
    expect(JSON.parse((await guest.invoke("{not json", [])).json)).toMatchObject({ ok: false, error: { code: "SDX3012" } });
  });
});

describe("actions", () => {
  it("preview records changes instead of calling the host; execute applies them", async () => {
    const before = host.calls.length;
    const preview = await host.invoke({ kind: "action_preview", name: "tagAll", args: [location], context: host.context() });
    const mutating = host.calls.slice(before).map((c) => c.op).filter((op) => /create|add|remove|update|delete|write|set/.test(op));
    expect(mutating).toEqual([]);
    expect(preview.ok).toBe(true);
    if (!preview.ok) return;
    const value = preview.value as { title: string; changes: Array<{ type: string }>; reversible: boolean };
    expect(value.title).toMatch(/^Tag 2 notes into 00000000-0000-4000-8000-0{11}1$/);
    expect(value.changes.map((c) => c.type)).toEqual(["create_collection", "add_tag", "add_tag", "create_model"]);
    expect(value.changes[3]).toEqual({ type: "create_model", modelType: "Note", scope: { standalone: true }, data: { words: 0 } });

    const executed = await host.invoke({ kind: "action_execute", name: "tagAll", args: [preview.value], context: host.context() });
    expect(executed).toEqual({ ok: true, value: null });
    expect(host.tags.get("content:content-1")).toEqual(["#note"]);
    expect(host.tags.get("content:content-2")).toEqual(["#note"]);
  });

  it("refuses mutations that have no planned-change form during preview (SDX3015)", async () => {
    const catalog = new ModelCatalog({ manifest, extensionClass: Notes, models: { Note } });
    const { ChangePlanner } = await import("./vdfs.js");
    const vdfs = new VdfsImpl(catalog, new ChangePlanner());
    await expect(vdfs.writeSidecar("content-1", "ocr", "x")).rejects.toMatchObject({ code: "SDX3015" });
  });
});

describe("agents and init", () => {
  it("delivers a hook with a rehydrated Entry, trace and bound memory fields", async () => {
    const result = await host.invoke({ kind: "hook", name: "onNewEntry", args: [entry(2)], context: { ...host.context(), eventId: "evt-7" } });
    expect(result).toEqual({ ok: true, value: "evt-7:file2.txt:true:function" });
    expect(host.logs.find((l) => l.level === "trace")).toMatchObject({ message: "saw entry", data: { uuid: "entry-2" } });
    expect(host.calls.find((c) => c.op === "memory.temporal.append")!.payload).toEqual({ field: "history", event: { entry: "entry-2" } });
    expect(host.working.get("plan")).toEqual({ next: "file2.txt" });
  });

  it("runs init with the settings: defaults, then the user's config, on the instance's settings object", async () => {
    const result = await host.invoke({ kind: "init", name: "init", args: [], context: { ...host.context(), config: { minWords: 5 } } });
    expect(result).toEqual({ ok: true, value: null });
    expect(seen.settings).toBeInstanceOf(NotesSettings);
    expect(seen.settings).toEqual(Object.assign(new NotesSettings(), { tag: "#counted", minWords: 5 }));
    expect(host.logs.find((l) => l.message === "installed")).toMatchObject({ level: "info", data: { tag: "#counted" } });
  });
});

describe("vdfs", () => {
  const catalog = () => new ModelCatalog({ manifest, extensionClass: Notes, models: { Note } });

  it("pages entry queries through cursors and honours limit, first and count", async () => {
    host.entries = Array.from({ length: 1203 }, (_, i) => entry(i));
    const vdfs = new VdfsImpl(catalog());
    const all = await vdfs.queryEntries().collect();
    expect(all).toHaveLength(1203);
    expect(all[1202]!.uuid).toBe("entry-1202");
    expect(host.calls.filter((c) => c.op === "entries.query").map((c) => c.payload.cursor ?? null)).toEqual([null, "500", "1000"]);
    expect(await vdfs.queryEntries().limit(501).collect()).toHaveLength(501);
    let seenCount = 0;
    for await (const e of vdfs.queryEntries().limit(3)) seenCount += e.size;
    expect(seenCount).toBe(30);
    expect((await vdfs.queryEntries().first())!.uuid).toBe("entry-0");
    expect(await vdfs.queryEntries().count()).toBe(1203);
    expect(await vdfs.queryEntries().limit(10).count()).toBe(10);
    expect(() => vdfs.queryEntries().matching("*.a").matching("*.b")).toThrow(/already called/);
  });

  it("iterates entries like an async generator: next() calls queued, break stops paging, a failed page ends it", async () => {
    host.entries = Array.from({ length: 1203 }, (_, i) => entry(i));
    const vdfs = new VdfsImpl(catalog());
    const pages = () => host.calls.filter((c) => c.op === "entries.query").length;
    // Three next() at once while the first page is fetched: one request, entries in order.
    const iterator = vdfs.queryEntries()[Symbol.asyncIterator]();
    const firstThree = await Promise.all([iterator.next(), iterator.next(), iterator.next()]);
    expect(firstThree.map((r) => r.value?.uuid)).toEqual(["entry-0", "entry-1", "entry-2"]);
    expect(pages()).toBe(1);
    // Leaving the loop early: no further page is asked for.
    let seen = 0;
    for await (const e of vdfs.queryEntries()) if (++seen === 500 || !e) break;
    expect(pages()).toBe(2);
    // Every entry of every page, then done (and done stays done).
    const all = vdfs.queryEntries().limit(1001)[Symbol.asyncIterator]();
    let count = 0;
    for (let r = await all.next(); !r.done; r = await all.next()) count++;
    expect(count).toBe(1001);
    expect(await all.next()).toEqual({ value: undefined, done: true });
    // A page the host refuses rejects next(); the iteration is over after that.
    const bad = vdfs.queryEntries()[Symbol.asyncIterator]();
    host.failNext = { op: "entries.query", error: new Error("no") };
    await expect(bad.next()).rejects.toThrow(/no/);
    expect(await bad.next()).toEqual({ value: undefined, done: true });
  });

  it("builds entries with exactly the EntryData fields, in order", () => {
    const data = entry(4);
    const built = new GuestEntry(data);
    expect(Object.keys(built)).toEqual([...ENTRY_FIELDS]);
    expect(toEntryData(built)).toEqual(data);
  });

  it("works with a host binding that does not decode (a 3-argument __sdx_call): the SDK decodes itself", async () => {
    const g = globalThis as unknown as { __sdx_call: (...args: unknown[]) => Promise<unknown> };
    const decoding = g.__sdx_call;
    g.__sdx_call = function (op: unknown, json: unknown, buffers: unknown) {
      return decoding(op, json, buffers);
    };
    try {
      const vdfs = new VdfsImpl(catalog());
      const note = Object.assign(new Note(), { words: 2, title: "old host" });
      const id = await vdfs.createModelForContent("content-9", note);
      expect(await vdfs.getModel(Note, id)).toEqual(Object.assign(new Note(), { words: 2, title: "old host", id }));
    } finally {
      g.__sdx_call = decoding;
    }
  });

  it("creates, reads, queries and updates models as instances of their class", async () => {
    const vdfs = new VdfsImpl(catalog());
    const note = Object.assign(new Note(), { words: 9, title: "t", vector: [1, 2] });
    const id = await vdfs.createModelForContent("content-1", note);
    expect(note.id).toBe(id);
    expect(vdfs.scopeOf(note)).toEqual({ content: "content-1" });
    const loaded = await vdfs.getModelByContent(Note, "content-1");
    expect(loaded).toBeInstanceOf(Note);
    expect(loaded!.describe()).toBe("t: 9 words");
    expect(loaded!.vector).toBeUndefined(); // lazy blob not loaded…
    expect(await vdfs.loadBlob(loaded!, "vector")).toEqual([1, 2]); // …until asked for
    expect(loaded!.vector).toEqual([1, 2]);
    // The accessor form: loads once, then answers from the model.
    const again = await vdfs.getModelByContent(Note, "content-1");
    const before = host.calls.filter((c) => c.op === "models.loadBlob").length;
    expect(await vdfs.blobs(again!).vector()).toEqual([1, 2]);
    expect(await vdfs.blobs(again!).vector()).toEqual([1, 2]);
    expect(host.calls.filter((c) => c.op === "models.loadBlob").length).toBe(before + 1);
    expect(Object.keys(vdfs.blobs(again!))).toEqual(["vector"]);
    // @ts-expect-error `words` is not a blob field: no accessor at compile time, a clear error at run time
    expect(() => vdfs.blobs(again!).words).toThrow("Note.words is not a @blobData field, so vdfs().blobs(…) has no loader for it (its @blobData fields: vector); read it from the model");
    expect((vdfs.blobs(again!) as { then?: unknown }).then).toBeUndefined(); // not a thenable: awaiting the accessors is harmless
    // `title` is optional, so the types offer a loader (they cannot see @blobData): the run time says why there is none.
    expect(() => vdfs.blobs(again!).title()).toThrow("Note.title is not a @blobData field");
    loaded!.words = 10;
    await vdfs.updateModel(loaded!);
    const [queried] = await vdfs.queryModels(Note).where("words", ">", 5).collect();
    expect(queried).toBeInstanceOf(Note);
    expect(queried!.words).toBe(10);
    expect(await vdfs.queryModels(Note).count()).toBe(1);
    expect(() => vdfs.queryModels(Note).where("vector", "=", null)).toThrow(/@blobData field/);
    await expect(vdfs.getModel(class NotAModel {} as never, "x")).rejects.toThrow(/NotAModel is not a @model class/);
  });
});
