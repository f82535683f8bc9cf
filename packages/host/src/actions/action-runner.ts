/**
 * Actions: preview → (user confirms) → execute → verify, and undo. Every step is written to the
 * library's audit log (`action.preview`, `action.execute`, `action.undo`, and each refused call).
 *
 * - preview: the `@action` method runs with read-only host calls (action-calls.ts); its reads and
 *   the state of each change's target are recorded (read-set.ts). Nothing is written.
 * - execute: refused with SDX3016 if a recorded read answers differently now (stale preview).
 *   The `@actionExecute` step runs with its writes recorded and matched against the preview
 *   (execute-recorder.ts); only if it made exactly the previewed changes does the host apply them:
 *   under the write gate, in one `BEGIN IMMEDIATE` transaction that re-checks the reads, runs the
 *   recorded calls through the ordinary handlers (permissions, validation, audit), verifies every
 *   change (verify.ts), and for a reversible action captures the undo log (store/change-capture.ts).
 *   Any failure rolls everything back. File operations (`files.*`) are journaled step by step
 *   before they touch the disk and reversed when the apply fails (file-batch.ts).
 * - undo: restores the captured rows and puts moved files back, refused (SDX3016) if either
 *   changed since.
 */
import { randomUUID } from "node:crypto";
import type { ActionPreview } from "@sdx/sdk";
import type { Manifest } from "@sdx/sdk/manifest";
import type { Invocation, WireError, WireResult } from "@sdx/sdk/protocol";
import { errorFromWire, sdxError, toWireError, wireError } from "../errors.js";
import type { Dispatcher } from "../ops/dispatch.js";
import { publish, type OpContext } from "../ops/context.js";
import type { ActionStep, EventBus } from "../ops/events.js";
import type { InvokeOptions } from "@sdx/sandbox";
import type { Library } from "../store/library.js";
import type { ActionRecord, ActionState, ActionStore } from "../store/action-store.js";
import { ChangeCapture, undoRowChanges } from "../store/change-capture.js";
import { replaceIds } from "./canonical.js";
import { ExecuteRecorder } from "./execute-recorder.js";
import { parsePreview } from "./preview-schema.js";
import { ReadSet, firstChangedRead, type RecordedRead } from "./read-set.js";
import { verifyChanges } from "./verify.js";
import { finishUndo, requireStepsInPlace, reverseSteps, undoSteps, redoSteps } from "./file-batch.js";
import type { WriteGate } from "./write-gate.js";

/**
 * The calls of an action's steps (answered by the host's call pipeline, host/calls.ts, wherever the
 * step's calls run): the preview may only read; its library reads land in `reads` and the calls it
 * was refused in `refused` (each also published as an `action_call_refused` event). The execute
 * step's writes go to `recorder`.
 */
export type ActionCallScope =
  | { kind: "preview"; action: string; actionId: string; reads: ReadSet; refused: string[] }
  | { kind: "execute"; recorder: ExecuteRecorder };

/** What the runner needs of a loaded extension. */
export interface ActionTarget {
  readonly extensionId: string;
  readonly manifest: Manifest;
  readonly config: Record<string, unknown>;
  readonly deviceUuid: string;
  /** Runs one of the action's steps in a sandbox instance (the Host uses a task instance, so a long job does not hold it up). */
  invoke(invocation: Invocation, options: InvokeOptions): Promise<WireResult>;
  /** The extension's op context (normal phase, no job). */
  readonly context: OpContext;
  /** How to invoke one of the action's steps: its host calls and what the sandbox needs to answer them. */
  invokeOptions(scope: ActionCallScope): InvokeOptions;
}

export interface ActionOutcome {
  actionId: string;
  state: ActionState;
  preview: ActionPreview | null;
  error?: WireError;
}

export class ActionRunner {
  constructor(
    private readonly store: ActionStore,
    private readonly library: Library,
    private readonly dispatch: Dispatcher,
    private readonly gate: WriteGate,
    private readonly events: EventBus,
  ) {}

  /** Publishes a step of `record`'s action (the audit trail writes it). */
  private step(ctx: OpContext | null, record: { id: string; extensionId: string; name: string }, step: ActionStep, ok: boolean, detail: Record<string, unknown>): void {
    const event = { type: "action_step" as const, step, action: record.name, actionId: record.id, ok, detail };
    if (ctx) publish(ctx, event);
    else this.events.publish({ extensionId: record.extensionId, manifest: null, origin: { kind: "other" }, event });
  }

  private invocationContext(target: ActionTarget) {
    return { extensionId: target.extensionId, config: target.config, deviceUuid: target.deviceUuid };
  }

  /** Computes the preview; nothing is written to the library. */
  async preview(target: ActionTarget, name: string, args: unknown[]): Promise<ActionOutcome> {
    if (!target.manifest.actions.some((a) => a.name === name)) {
      throw sdxError("SDX3011", `${target.extensionId} has no action "${name}"; actions: ${target.manifest.actions.map((a) => a.name).join(", ") || "none"}`);
    }
    const id = randomUUID();
    const ctx: OpContext = { ...target.context, phase: "preview" };
    const reads = new ReadSet();
    const refused: string[] = [];
    const options = target.invokeOptions({ kind: "preview", action: name, actionId: id, reads, refused });
    const reply = await target.invoke({ kind: "action_preview", name, args, context: this.invocationContext(target) }, options);
    const base = { id, extensionId: target.extensionId, name, params: args };
    const fail = (error: WireError): ActionOutcome => {
      this.store.create({ ...base, state: "failed", preview: null, reads: [], error });
      this.step(ctx, base, "preview", false, { code: error.code, message: error.message });
      return { actionId: id, state: "failed", preview: null, error };
    };
    // Even when the guest caught the refusal: a preview that tried to write is not trusted.
    if (refused.length > 0) return fail(wireError("SDX3015", `the preview of ${name} tried to change the library (${[...new Set(refused)].sort().join(", ")}); nothing was changed`));
    if (!reply.ok) return fail(reply.error);
    let preview: ActionPreview;
    try {
      preview = parsePreview(reply.value, name);
    } catch (error) {
      return fail(toWireError(error));
    }
    await reads.recordTargets(this.dispatch, ctx, preview.changes);
    this.store.create({ ...base, state: "previewed", preview, reads: reads.reads });
    this.step(ctx, base, "preview", true, { title: preview.title, changes: preview.changes.length, reversible: preview.reversible });
    return { actionId: id, state: "previewed", preview };
  }

  private requireRecord(target: ActionTarget, actionId: string): ActionRecord {
    const record = this.store.get(actionId);
    if (!record || record.extensionId !== target.extensionId) throw sdxError("SDX3008", `action ${actionId} does not exist`);
    return record;
  }

  private settle(target: ActionTarget, record: ActionRecord, state: ActionState, error: WireError): ActionOutcome {
    this.store.setState(record.id, state, error);
    this.step(target.context, record, "execute", false, { code: error.code, message: error.message });
    return { actionId: record.id, state, preview: record.preview, error };
  }

  /** Applies a previewed action: exactly its changes, or nothing. */
  async execute(target: ActionTarget, actionId: string): Promise<ActionOutcome> {
    const record = this.requireRecord(target, actionId);
    if (record.state !== "previewed" || !record.preview) {
      throw sdxError("SDX3022", `action ${actionId} is ${record.state}; only a previewed action can be executed (preview it again)`);
    }
    const preview = record.preview;
    const reads = this.store.reads(actionId);
    const readCtx: OpContext = { ...target.context, phase: "preview" };
    const changed = await firstChangedRead(this.dispatch, readCtx, reads);
    if (changed) return this.settle(target, record, "stale", staleError(changed));

    const recorder = new ExecuteRecorder(preview.changes);
    const reply = await target.invoke(
      { kind: "action_execute", name: record.name, args: [preview], context: this.invocationContext(target) },
      target.invokeOptions({ kind: "execute", recorder }),
    );
    if (!reply.ok) return this.settle(target, record, "failed", reply.error);
    const mismatch = recorder.mismatch();
    if (mismatch) return this.settle(target, record, "failed", wireError("SDX3015", `${mismatch}; nothing was applied`));

    // What the apply causes reaches the agents only once it committed.
    const events = this.events.collect();
    try {
      await this.gate.exclusive(() => this.apply({ ...target, context: { ...target.context, events } }, record, preview, reads, recorder));
    } catch (error) {
      return this.settle(target, record, (error as { code?: unknown }).code === "SDX3016" ? "stale" : "failed", toWireError(error));
    }
    events.flush();
    this.store.setState(actionId, "executed");
    return { actionId, state: "executed", preview };
  }

  private async apply(target: ActionTarget, record: ActionRecord, preview: ActionPreview, reads: readonly RecordedRead[], recorder: ExecuteRecorder): Promise<void> {
    const journal = this.store.files;
    try {
      await this.applyInTransaction({ ...target, context: { ...target.context, files: { record: (step) => journal.record(record.id, step) } } }, record, preview, reads, recorder);
    } catch (error) {
      // The library rolled back: the file system goes back too.
      const batch = journal.batch(record.id);
      if (!batch) throw error;
      const problems = reverseSteps(batch.steps);
      journal.remove(record.id);
      if (problems.length > 0 && error instanceof Error) error.message += `; files kept where they are: ${problems.join("; ")}`;
      throw error;
    }
    if (!journal.batch(record.id)) return;
    if (preview.reversible) journal.setPhase(record.id, "applied");
    else journal.remove(record.id);
  }

  private async applyInTransaction(target: ActionTarget, record: ActionRecord, preview: ActionPreview, reads: readonly RecordedRead[], recorder: ExecuteRecorder): Promise<void> {
    // Everything below commits together or not at all; a rollback also removes the capture's
    // temporary triggers and log, created inside this transaction.
    await this.library.immediateTransaction(async () => {
      const changed = await firstChangedRead(this.dispatch, { ...target.context, phase: "preview" }, reads);
      if (changed) throw errorFromWire(staleError(changed));
      const capture = preview.reversible ? ChangeCapture.start(this.library) : null;
      const actual = new Map<string, string>();
      for (const write of recorder.writes) {
        const ctx: OpContext = write.uuid === null ? target.context : { ...target.context, writeUuid: write.uuid };
        const result = await this.dispatch(ctx, write.op, replaceIds(write.request, actual));
        if (!result.ok) throw errorFromWire(result.error);
        // A content-scoped create replaces the existing row and keeps its UUID.
        const stored = (result.value as { uuid?: string } | null)?.uuid;
        if (write.uuid !== null && stored && stored !== write.uuid) actual.set(write.uuid, stored);
      }
      await verifyChanges(this.dispatch, target.context, recorder.applied(actual));
      const undo = capture?.finish() ?? null;
      this.store.setApplying(record.id, undo);
      this.step(target.context, record, "execute", true, { changes: preview.changes.length, rows: undo?.length ?? null });
    });
  }

  /** Restores the library as it was before the action. */
  async undo(actionId: string): Promise<ActionOutcome> {
    const record = this.store.get(actionId);
    if (!record) throw sdxError("SDX3008", `action ${actionId} does not exist`);
    const log = this.store.undoLog(actionId);
    if (record.state !== "executed" || !record.preview?.reversible || log === null) {
      const why = record.state !== "executed" ? `it is ${record.state}` : "its preview said it is not reversible";
      throw sdxError("SDX3022", `action ${actionId} cannot be undone: ${why}`);
    }
    const journal = this.store.files;
    const steps = journal.batch(actionId)?.steps ?? [];
    try {
      await this.gate.exclusive(async () => {
        requireStepsInPlace(actionId, steps);
        if (steps.length > 0) journal.setPhase(actionId, "undoing");
        try {
          undoRowChanges(this.library, log, () => {
            undoSteps(actionId, steps);
            this.step(null, record, "undo", true, { rows: log.length, files: steps.length });
          });
        } catch (error) {
          if (steps.length > 0) {
            // undoSteps made its own steps again when it failed; a later failure (the audit row) leaves them undone.
            redoSteps(actionId, steps);
            journal.setPhase(actionId, "applied");
          }
          throw error;
        }
      });
    } catch (error) {
      const wire = toWireError(error);
      this.step(null, record, "undo", false, { code: wire.code, message: wire.message });
      return { actionId, state: record.state, preview: record.preview, error: wire };
    }
    finishUndo(actionId, steps);
    if (steps.length > 0) journal.remove(actionId);
    this.store.setState(actionId, "undone");
    return { actionId, state: "undone", preview: record.preview };
  }
}

function staleError(read: RecordedRead): WireError {
  return wireError("SDX3016", `the library changed since the preview (${read.op} ${JSON.stringify(read.request).slice(0, 160)} answers differently now); preview the action again`);
}
