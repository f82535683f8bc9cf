/**
 * The shape of a host operation handler. Every op in `@sdx/sdk/protocol`'s table is implemented by
 * one handler in `ops/<group>.ts`; `ops/dispatch.ts` validates the request with the protocol's zod
 * schema, checks nothing else, and calls the handler. Handlers check permissions (through
 * `ctx.grants`) and validate model payloads (through `ctx.validators`) themselves, because only they
 * know which entry, content or model a call touches.
 */
import type { OpName, OpResponse } from "@sdx/sdk/protocol";
import type { ops } from "@sdx/sdk/protocol";
import type { Manifest } from "@sdx/sdk/manifest";
import type { z } from "zod";
import type { Library } from "../store/library.js";
import type { GrantSet } from "../extensions/grants.js";
import type { ModelValidators } from "../extensions/validators.js";
import type { LoadedBundle } from "@sdx/bundle-format";
import type { CallOrigin, EventSink, HostEvent } from "./events.js";
import type { FileStep } from "../store/file-journal.js";

/** Where an action's apply journals each file step before making it (ops/files.ts). */
export interface FileStepSink {
  record(step: FileStep): void;
}

/** Who is calling and in what situation; built by the runtime for each guest invocation. */
export interface OpContext {
  readonly extensionId: string;
  readonly manifest: Manifest;
  readonly library: Library;
  readonly grants: GrantSet;
  readonly validators: ModelValidators;
  /** The local device's UUID (string form). */
  readonly deviceUuid: string;
  /** The job this call belongs to, if any. */
  readonly jobId: string | null;
  /** During an action preview, mutating handlers must not be reached (the guest records them). */
  readonly phase: "normal" | "preview";
  /**
   * Set on writes made inside a job or task, and on the writes of an action's apply: the UUID a
   * create made by this call gets. Inside jobs it is derived from the write's key (jobs/write-keys.ts),
   * so a resumed job that repeats a create finds the row it made before and gets its UUID back
   * instead of a duplicate, and deleting a model that is already gone succeeds.
   */
  readonly writeUuid?: string;
  /** The verified bundle of the calling extension (prompts, assets, kernels); set by the runtime. */
  readonly bundle?: LoadedBundle;
  /** The models directory (registry); set by the runtime. */
  readonly modelsDir?: string;
  /** Where the call comes from (a job, a hook at some depth, anything else): carried by the events it causes. */
  readonly origin: CallOrigin;
  /**
   * Set only while an action's apply runs its recorded calls: the journal of its file steps. The
   * `files.*` handlers refuse to run without it (SDX3035), so files change only in actions.
   */
  readonly files?: FileStepSink;
  /** Where handlers publish what they did or refused (`publish`): the host's bus, or the collector of one guest call. */
  readonly events: EventSink;
}

/** Publishes `event` as caused by the call `ctx`. */
export function publish(ctx: OpContext, event: HostEvent): void {
  ctx.events.publish({ extensionId: ctx.extensionId, manifest: ctx.manifest, origin: ctx.origin, event });
}

/** Parsed (validated) request of an op. */
export type OpParsedRequest<O extends OpName> = z.output<(typeof ops)[O]["request"]>;

export type OpHandler<O extends OpName> = (ctx: OpContext, request: OpParsedRequest<O>) => Promise<OpResponse<O>> | OpResponse<O>;

export type OpHandlers = { [O in OpName]?: OpHandler<O> };
