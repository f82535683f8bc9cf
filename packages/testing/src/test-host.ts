/**
 * `createTestHost()`: an author's extension in the real sandbox against a real temporary library.
 * It builds the project (or takes a built bundle), installs it with the permissions it requests
 * (all, or all but those a test denies), and offers what a test does next: add files, run jobs and
 * actions, read models, tags and memory, look at the audit trail, advance a fake clock, serve fake
 * AI models, and crash a job at its Nth host call. Everything goes through `@sdx/host`'s public
 * index; nothing here runs SQL.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import {
  Host, ModelRegistry, listModels, listTags, readAudit, readMemory, type AuditRecord, type GrantInput,
  type HostOptions, type IndexSummary, type JobOutcome, type LogEntry, type MemoryView, type ModelView, type TagView, type AgentOptions,
} from "@sdx/host";
import type { Manifest } from "@sdx/sdk/manifest";
import { readBundle } from "@sdx/bundle-format";
import { FakeClock } from "./fake-clock.js";
import { serveFakeModels, type FakeModel, type FakeModelServer } from "./fake-models.js";
import { crashJob, type CrashOutcome } from "./crash.js";
import { buildBundle } from "./build.js";

type PermissionKind = Manifest["permissions"][number]["kind"];

export interface GrantOptions {
  /** Requested permissions left out, by kind (e.g. `["write_tags"]`): calls needing them are denied. */
  deny?: PermissionKind[];
  /** Folders the path-scoped permissions are limited to (default: the whole library). */
  scope?: string[];
}

export interface TestHostOptions extends GrantOptions {
  /** The extension's project: built now (default: the current directory) unless `bundle` is given. */
  project?: string;
  /** A built bundle (`.sdx.wasm` file) to install instead of building. */
  bundle?: string;
  /** The host's clock: a `FakeClock` by default; `"wall"` for real time. */
  clock?: FakeClock | "wall";
  /** Install at once (default true); with false, call `install()` yourself. */
  install?: boolean;
  /** Agent hook delivery (deadline, attempts, backoff). */
  agents?: AgentOptions;
  /** Receives the extension's log lines as they are written. */
  onLog?: HostOptions["onLog"];
}

export interface TestHost {
  readonly host: Host;
  readonly extensionId: string;
  readonly manifest: Manifest;
  readonly bundlePath: string;
  /** The temporary directory holding the library, the models and the files added. */
  readonly dir: string;
  readonly libraryDir: string;
  /** The fake clock (null with `clock: "wall"`). */
  readonly clock: FakeClock | null;
  /** Installs (or reinstalls) the extension with the requested permissions, minus `deny`. */
  install(options?: GrantOptions): Promise<void>;
  /** Changes what the installed extension is granted (its next calls are checked against it). */
  grant(options: GrantOptions): Promise<void>;
  /**
   * Writes files (path → text or bytes) into a folder of the test directory and indexes it, which
   * queues `entry_indexed` jobs and hooks. Returns the folder's absolute path and the index summary.
   */
  addFiles(files: Record<string, string | Uint8Array>, options?: { folder?: string }): Promise<{ path: string; index: IndexSummary }>;
  /** Runs a job to its end; `params` by name or position. */
  runJob(name: string, params?: Record<string, unknown> | unknown[]): Promise<JobOutcome>;
  /** Resumes an unfinished job (after `crashJob`): completed tasks are replayed, not redone. */
  resumeJob(jobId: string): Promise<JobOutcome>;
  /** Runs a job in a separate process that is SIGKILLed just before the job's `atCall`th host call. */
  crashJob(name: string, params: Record<string, unknown> | unknown[], options: { atCall: number }): Promise<CrashOutcome>;
  preview(action: string, params?: Record<string, unknown> | unknown[]): ReturnType<Host["previewAction"]>;
  apply(actionId: string): ReturnType<Host["executeAction"]>;
  /** Waits until no job or hook is running or due in the background. */
  idle(): Promise<void>;
  /** The extension's models (of one type when given), with their data, tags and the file they are on. */
  models(modelType?: string): ModelView[];
  /** Tag links in the library (of one tag when given), with what they are on. */
  tags(tag?: string): TagView[];
  /** A memory field: a working value or temporal events. */
  memory(field: string): MemoryView;
  /** The extension's audit trail (every call that changed something or was refused). */
  audit(filter?: { result?: AuditRecord["result"] }): AuditRecord[];
  /** The extension's refused calls (audit rows with result `denied`). */
  denials(): AuditRecord[];
  logs(): readonly LogEntry[];
  /** Installs a real model file (e.g. ONNX) under `name`, as `sdx models add` does. */
  addModelFile(name: string, file: string, category?: string): Promise<void>;
  /** Serves `model` (a deterministic function) as the AI model `name` of its category. */
  fakeModel(name: string, model: FakeModel): Promise<void>;
  /** What the fake models were asked, in order. */
  readonly modelCalls: FakeModelServer["calls"];
  /** Closes the host and the fake models and deletes the temporary directory. */
  close(): Promise<void>;
}

function grantsFor(manifest: Manifest, options: GrantOptions): GrantInput[] {
  const deny = new Set(options.deny ?? []);
  const scope = (options.scope ?? []).map((p) => resolve(p));
  return manifest.permissions.flatMap((p, permission) => (deny.has(p.kind) ? [] : [{ permission, scope }]));
}

export async function createTestHost(options: TestHostOptions = {}): Promise<TestHost> {
  const bundlePath = options.bundle ? resolve(options.bundle) : await buildBundle(resolve(options.project ?? "."));
  const bytes = new Uint8Array(readFileSync(bundlePath));
  const dir = mkdtempSync(join(tmpdir(), "sdx-test-host-"));
  const libraryDir = join(dir, "library");
  const modelsDir = join(dir, "models");
  const clock = options.clock === "wall" ? null : (options.clock ?? new FakeClock());
  const fakes = new Map<string, FakeModel>();
  let server: FakeModelServer | null = null;
  const calls: FakeModelServer["calls"] = [];
  let host: Host;
  try {
    host = await Host.open({ libraryDir, modelsDir, clock: clock ?? undefined, agents: options.agents, onLog: options.onLog, recover: "queued" });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  let manifest: Manifest | null = null;
  const installed = (): Manifest => {
    if (!manifest) throw new Error("the extension is not installed yet: call install() first");
    return manifest;
  };
  const id = () => installed().id;

  const t: TestHost = {
    host, bundlePath, dir, libraryDir, clock,
    get extensionId() { return id(); },
    get manifest() { return installed(); },
    modelCalls: calls,
    async install(grant = options) {
      const bundle = await readBundle(bytes);
      const record = await host.install(bytes, { grants: grantsFor(bundle.manifest, grant), replaceAuthor: true, allowDowngrade: true });
      manifest = record.manifest;
    },
    async grant(grant) {
      await host.updateGrants(id(), grantsFor(installed(), grant));
    },
    async addFiles(files, opts = {}) {
      const folder = join(dir, "files", opts.folder ?? "location");
      for (const [path, content] of Object.entries(files)) {
        const file = join(folder, path);
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, content);
      }
      mkdirSync(folder, { recursive: true });
      return { path: folder, index: await host.index(folder) };
    },
    runJob: (name, params = {}) => host.runJob(id(), name, params),
    resumeJob: (jobId) => host.resumeJob(jobId),
    crashJob: (name, params, { atCall }) => crashJob({ host, libraryDir, modelsDir, extensionId: id(), job: name, params, atCall }),
    preview: (action, params = {}) => host.previewAction(id(), action, params),
    apply: (actionId) => host.executeAction(actionId),
    idle: () => host.idle(),
    models: (modelType) => listModels(host.library, id(), modelType),
    tags: (tag) => listTags(host.library, tag),
    memory: (field) => readMemory(host.library, installed(), field),
    audit: (filter = {}) => readAudit(host.library, { who: id(), result: filter.result }),
    denials: () => readAudit(host.library, { who: id(), result: "denied" }),
    logs: () => host.logs(id()),
    async addModelFile(name, file, category) {
      const registry = new ModelRegistry(modelsDir);
      try {
        await registry.addFile(name, resolve(file), category ? { category } : {});
      } finally {
        registry.close();
      }
    },
    async fakeModel(name, model) {
      fakes.set(name, model);
      server ??= await serveFakeModels(fakes, calls);
      const registry = new ModelRegistry(modelsDir);
      try {
        registry.addEndpoint(name, { kind: "ollama", baseUrl: server.url, model: name, category: model.category });
      } finally {
        registry.close();
      }
    },
    async close() {
      try {
        await host.close();
      } finally {
        await server?.close();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
  if (options.install !== false) {
    try {
      await t.install(options);
    } catch (error) {
      await t.close();
      throw error;
    }
  }
  return t;
}
