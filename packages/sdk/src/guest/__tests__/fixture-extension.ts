/**
 * A small extension written with the real decorators, and the manifest the codegen would emit for
 * it (hand-written here so the guest tests do not depend on the codegen package).
 */
import {
  action, actionExecute, agent, agentMemory, blobData, extension, job, model, Permission, setting, sync, task,
  type ActionContext, type AgentContext, type Entry, type ExtensionContext, type JobContext, type SdPath, type TaskContext,
  type TemporalMemory, type Uuid, type WorkingMemory, type ActionPreview,
} from "../../index.js";
import type { Manifest, ManifestParam } from "../../manifest.js";
import { PermissionDenied } from "../../errors.js";

@model({ version: "1.0.0", scope: "content", sync: "shared" })
export class Note {
  id!: Uuid;
  words!: number;
  title?: string;
  @blobData({ compression: "zstd", lazy: true }) vector?: number[];
  describe(): string {
    return `${this.title ?? "untitled"}: ${this.words} words`;
  }
}

export class NotesSettings {
  @setting({ label: "Tag", default: "#counted" }) tag = "#counted";
  @setting({ label: "Minimum words", default: 1 }) minWords = 1;
}

@agentMemory()
export class NotesMind {
  @sync("shared") history!: TemporalMemory<{ entry: string }>;
  @sync("device_owned") plan!: WorkingMemory<{ next: string }>;
}

export const seen: { entryIsLive?: boolean; settings?: unknown; instances: Set<object> } = { instances: new Set() };

@agent()
@extension({
  id: "org.example.test", name: "Test", version: "0.1.0", description: "fixture", minCoreVersion: "2.0.0", requiredFeatures: [],
  permissions: [Permission.readEntries({ glob: "**/*.txt" }), Permission.writeTags()],
})
export class Notes {
  config = new NotesSettings();

  constructor() {
    seen.instances.add(this);
  }

  @task({ retries: 2, timeoutMs: 5000 })
  async countWords(_ctx: TaskContext, entry: Entry): Promise<number> {
    seen.entryIsLive = typeof entry.read === "function";
    return new TextDecoder().decode(await entry.read()).split(/\s+/).filter(Boolean).length;
  }

  @task()
  async describeTask(ctx: TaskContext, label: string): Promise<string> {
    return `${label} by ${ctx.taskName} attempt ${ctx.attempt} of job ${ctx.jobId}`;
  }

  @job({ parallelism: 2, trigger: "user_initiated" })
  async countAll(ctx: JobContext, location: SdPath): Promise<number> {
    let total = 0;
    for (const entry of await ctx.vdfs().queryEntries().inLocation(location).collect()) {
      const note = new Note();
      note.words = await ctx.run(this.countWords, entry);
      note.title = entry.name;
      note.vector = [0.5, 0.25];
      await ctx.vdfs().createModelForContent(entry.contentUuid, note);
      await ctx.vdfs().addTagToContent(entry.contentUuid, ctx.config<NotesSettings>().tag);
      await ctx.progress(++total, 0);
    }
    await ctx.checkpoint({ done: total });
    return total;
  }

  @job()
  async runNotATask(ctx: JobContext): Promise<void> {
    await ctx.run(this.helper as never);
  }

  async helper(): Promise<number> {
    return 1;
  }

  @job()
  async throwString(): Promise<void> {
    throw "boom";
  }

  @job()
  async throwValue(_ctx: JobContext, kind: string): Promise<void> {
    const values: Record<string, unknown> = { number: 42, object: { code: 7, reason: "bad" }, null: null, undefined, error: new RangeError("too far", { cause: new Error("root") }) };
    throw values[kind];
  }

  @job()
  async readDenied(ctx: JobContext, entryUuid: string): Promise<string> {
    const entry = await ctx.vdfs().getEntry(entryUuid);
    try {
      await entry!.read();
      return "read";
    } catch (e) {
      if (e instanceof PermissionDenied) return `denied:${e.code}:${e.permission}`;
      throw e;
    }
  }

  @job()
  async uncaughtDenied(ctx: JobContext, entryUuid: string): Promise<void> {
    const entry = await ctx.vdfs().getEntry(entryUuid);
    await entry!.read();
  }

  @action({ title: "Tag all notes" })
  async tagAll(ctx: ActionContext, location: SdPath): Promise<ActionPreview> {
    const vdfs = ctx.vdfs();
    const entries = await vdfs.queryEntries().inLocation(location).collect();
    const collection = await vdfs.createCollection("Notes", entries.map((e) => ({ entry: e.uuid })));
    for (const e of entries) await vdfs.addTagToContent(e.contentUuid, "#note");
    const note = new Note();
    note.words = 0;
    await vdfs.createModel(note);
    return { title: `Tag ${entries.length} notes into ${collection}`, changes: ctx.plannedChanges(), reversible: true };
  }

  @actionExecute()
  async tagAllExecute(ctx: ActionContext, preview: ActionPreview): Promise<void> {
    for (const change of preview.changes) {
      if (change.type === "add_tag") await ctx.vdfs().addTag(change.target, change.tag);
    }
  }

  async onNewEntry(ctx: AgentContext, entry: Entry): Promise<string> {
    ctx.trace("saw entry", { uuid: entry.uuid });
    const mind = ctx.memory<NotesMind>();
    await mind.history.append({ entry: entry.uuid });
    await mind.plan.set({ next: entry.name });
    const plan = await mind.plan.get();
    return `${ctx.eventId}:${plan?.next}:${mind instanceof NotesMind}:${entry instanceof Object && typeof entry.sidecar}`;
  }

  async init(ctx: ExtensionContext): Promise<void> {
    seen.settings = ctx.config();
    ctx.log.info("installed", { tag: ctx.config<NotesSettings>().tag });
  }
}

const param = (name: string, sdkType?: ManifestParam["sdkType"]): ManifestParam => ({ name, schema: {}, optional: false, ...(sdkType ? { sdkType } : {}) });
const jobDecl = (name: string, params: ManifestParam[] = []) => ({ name, parallelism: 1, trigger: "user_initiated" as const, params });

export const manifest: Manifest = {
  manifestVersion: 1, protocolVersion: 1, id: "org.example.test", name: "Test", version: "0.1.0", description: "fixture",
  minCoreVersion: "2.0.0", requiredFeatures: [], permissions: [{ kind: "read_entries", glob: "**/*.txt" }, { kind: "write_tags" }],
  settings: [
    { name: "tag", label: "Tag", type: "string", default: "#counted" },
    { name: "minWords", label: "Minimum words", type: "number", default: 1 },
  ],
  models: [{ name: "Note", className: "Note", version: "1.0.0", scope: "content", sync: "shared", schema: {}, blobFields: [{ name: "vector", compression: "zstd", lazy: true, quantize: "none", schema: {} }] }],
  jobs: [
    jobDecl("countAll", [param("location", "SdPath")]), jobDecl("runNotATask"), jobDecl("throwString"), jobDecl("throwValue", [param("kind")]),
    jobDecl("readDenied", [param("entryUuid", "Uuid")]), jobDecl("uncaughtDenied", [param("entryUuid", "Uuid")]),
  ],
  tasks: [
    { name: "countWords", retries: 2, timeoutMs: 5000, backoffMs: 100, params: [param("entry", "Entry")], returns: {} },
    { name: "describeTask", retries: 0, timeoutMs: 30000, backoffMs: 100, params: [param("label")], returns: {} },
  ],
  actions: [{ name: "tagAll", title: "Tag all notes", execute: "tagAllExecute", params: [param("location", "SdPath")] }],
  agent: { hooks: [{ name: "onNewEntry", event: "entry_indexed", params: [param("entry", "Entry")] }], trail: null },
  memory: {
    className: "NotesMind",
    fields: [
      { name: "history", kind: "temporal", sync: "shared", itemSchema: {} },
      { name: "plan", kind: "working", sync: "device_owned", itemSchema: {} },
    ],
  },
  aiModels: [], prompts: [], kernels: [], hasInit: true, hasUi: false, queries: [],
};
