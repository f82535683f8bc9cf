/**
 * @module @sdx/host
 * The runtime an extension runs against: bundle verification, install, the QuickJS sandbox, host
 * operations over a real SQLite library, and jobs. `Host` is the facade; the rest is exported for
 * tools and tests that need one layer (a sandbox without a library, a library without a sandbox).
 */
export { Host } from "./host/host.js";
export type { HostOptions, RunJobHostOptions } from "./host/host.js";

// sandbox
export { QuickJSSandbox } from "@sdx/sandbox";
export { preloadQuickJS } from "@sdx/sandbox";
export { DEFAULT_LIMITS } from "@sdx/sandbox";
export type { Sandbox, SandboxInstance, SandboxInstanceStats, SandboxLimits, HostCalls, InvokeOptions, InstanceOptions } from "@sdx/sandbox";

// operations
export { createDispatcher } from "./ops/dispatch.js";
export type { Dispatcher, DispatcherOptions } from "./ops/dispatch.js";
export { createEnvOps, ExtensionLogs } from "./ops/env.js";
export type { LogEntry, LogLevel } from "./ops/env.js";
export { deviceOps, createDeviceOps } from "./ops/devices.js";
export type { DeviceControl } from "./ops/devices.js";
export { kernelOps } from "./ops/kernels.js";
export { createJobOps } from "./ops/jobs.js";
export { libraryOps } from "./ops/library-ops.js";
export { EventBus } from "./ops/events.js";
export type { HostEvent, PublishedEvent, CallOrigin } from "./ops/events.js";
export { auditLine } from "./ops/audit-trail.js";
export { createLibraryOpContext } from "./ops/library-context.js";
export { ModelValidators } from "./extensions/validators.js";
export type { OpContext, OpHandler, OpHandlers } from "./ops/context.js";

// jobs
export { JobStore, JOBS_DB_FILE, FINAL_STATES } from "./store/job-store.js";
export type { JobRecord, JobState, JobProgress, TaskResultRecord } from "./store/job-store.js";
export { JobRunner, hashArgs } from "./jobs/job-runner.js";
export type { RunJobOptions } from "./jobs/job-runner.js";
export { TaskPool, Limiter } from "./jobs/task-pool.js";
export { bindJobArgs } from "./jobs/job-params.js";
export type { ExtensionRuntime, JobOutcome } from "./jobs/types.js";

// agents (used by `sdx events`)
export type { AgentDeliveryRecord, AgentEventFilter, AgentEventType, AgentOptions, DeliveryState } from "./agents/types.js";

// library, install, index
export { Library, LIBRARY_DB_FILE } from "./store/library.js";
export type { LibrarySummary } from "./store/library.js";
export { readAudit } from "./store/audit.js";
export { checkLibrary, isDamage } from "./store/library-check.js";
export type { LibraryCheck } from "./store/library-check.js";
export type { AuditRecord, AuditResult } from "./store/audit.js";
export { GrantSet } from "./extensions/grants.js";
export type { Grant } from "./extensions/grants.js";
export {
  installExtension, uninstallExtension, listInstalled, getInstalled, grantsFor, updateGrants, checkCompatibility, HOST_CORE_VERSION, HOST_FEATURES,
} from "./extensions/install.js";
export type { GrantInput, InstallOptions, InstalledExtension, InstalledSummary } from "./extensions/install.js";
export { boundKeyOf } from "./extensions/author.js";
export type { AuthorOutcome } from "./extensions/author.js";
export { indexLocation } from "./core/indexer/indexer.js";
export type { IndexOptions, IndexProgress, IndexSummary } from "./core/indexer/indexer.js";

// errors
export {
  SdxError, PermissionDenied, ValidationError, NotFound, TaskFailed, JobCancelled, ConsentRequired, UserError, SandboxError, IntegrityError, InternalError,
  sdxError, wireError, toWireError,
} from "./errors.js";


// AI infrastructure (used by `sdx models`)
export { ModelRegistry, resolveModelsDir, MODELS_DIR_ENV, policyStore, AiPolicyStore } from "./core/ai/index.js";
export type { ModelRecord } from "./core/ai/index.js";

// agent trail (used by `sdx trail`)
export { readTrail } from "./core/memory/trail-reader.js";
export type { TrailRecord } from "./core/memory/trail.js";

// devices and sync (used by `sdx serve`, `sdx devices`, `sdx sync`)
export { SyncNode } from "./sync/node.js";
export type { SyncNodeOptions, RemoteTasks } from "./sync/node.js";
export type { DeviceNetworkOptions } from "./host/devices.js";
export type { SyncOutcome, SessionOptions } from "./sync/session.js";
export type { PeerRow } from "./store/sync-peers.js";
export type { DeviceRow } from "./store/sync-export.js";
export type { DeviceReport } from "./sync/capabilities.js";

// named queries and an extension's UI (used by `sdx query` and the UI preview)
export { queryExtension, extensionUi, contentThumbnail } from "./host/queries.js";
export { dataVersion } from "./store/data-version.js";
export type { QueryRef, QueryPageOptions, ExtensionUi } from "./host/queries.js";
// user settings of extensions (used by `sdx settings`)
export { readSettings, writeSettings } from "./store/settings.js";

// time (a test harness passes a fake clock)
export { wallClock } from "./core/clock.js";
export type { Clock, ClockTimer, TimerKind, TimerOptions } from "./core/clock.js";

// read-only views of what extensions wrote (used by @sdx/testing)
export { listModels, listTags } from "./store/library-views.js";
export type { ModelView, TagView } from "./store/library-views.js";
export { readMemory } from "./core/memory/read-memory.js";
export type { MemoryView } from "./core/memory/read-memory.js";
