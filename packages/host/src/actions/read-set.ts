/**
 * Stale-preview detection by read-set validation. Every library read a preview makes (and, after
 * it returns, a read of each change's target: the tags it adds to, the model it deletes, the
 * collection it extends, the content-scoped model it would replace, the entry it moves) is recorded with a hash of
 * its answer. Before execute, and again inside the apply transaction, the same reads are replayed:
 * one different answer means the library changed since the user saw the preview (a new model
 * matching its query, a deleted target, a tag added meanwhile), and the action is refused with
 * SDX3016 instead of applying something the user did not see.
 */
import type { ActionChange } from "@sdx/sdk";
import type { WireResult } from "@sdx/sdk/protocol";
export { readsLibrary } from "@sdx/sdk/protocol";
import type { Dispatcher } from "../ops/dispatch.js";
import type { OpContext } from "../ops/context.js";
import { hashArgs } from "../ops/request-hash.js";
import type { RecordedRead } from "../store/action-store.js";

export type { RecordedRead } from "../store/action-store.js";

function answerHash(result: WireResult): string {
  return hashArgs([result.ok ? { ok: true, value: result.value } : { ok: false, code: result.error.code, message: result.error.message }]);
}

/** Placeholder ids the SDK hands out for things a preview would create (`ChangePlanner.placeholderId`). */
export const isPlaceholder = (id: string): boolean => id.startsWith("00000000-0000-4000-8000-");

export class ReadSet {
  readonly reads: RecordedRead[] = [];
  private readonly seen = new Set<string>();

  record(op: string, request: unknown, result: WireResult): void {
    const key = hashArgs([op, request]);
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.reads.push({ op, request, hash: answerHash(result) });
  }

  /** Adds reads recorded elsewhere (by the preview's calls in a sandbox worker). */
  absorb(reads: readonly RecordedRead[]): void {
    for (const read of reads) {
      const key = hashArgs([read.op, read.request]);
      if (this.seen.has(key)) continue;
      this.seen.add(key);
      this.reads.push(read);
    }
  }

  /** Reads the current state of every change's target. */
  async recordTargets(dispatch: Dispatcher, ctx: OpContext, changes: readonly ActionChange[]): Promise<void> {
    for (const [op, request] of targetReads(changes)) this.record(op, request, await dispatch(ctx, op, request));
  }
}

function targetReads(changes: readonly ActionChange[]): Array<[string, unknown]> {
  const out: Array<[string, unknown]> = [];
  const refOk = (ref: object) => !Object.values(ref).some((v) => typeof v === "string" && isPlaceholder(v));
  for (const c of changes) {
    if ((c.type === "add_tag" || c.type === "remove_tag") && refOk(c.target)) out.push(["tags.list", { target: c.target }]);
    else if (c.type === "delete_model" && !isPlaceholder(c.uuid)) out.push(["models.get", { modelType: c.modelType, by: { uuid: c.uuid } }]);
    else if (c.type === "add_to_collection" && !isPlaceholder(c.collection)) out.push(["collections.get", { collection: c.collection }]);
    else if (c.type === "create_model" && !("standalone" in c.scope) && refOk(c.scope)) out.push(["models.get", { modelType: c.modelType, by: c.scope }]);
    // A moved entry re-indexed since (changed, moved, deleted) answers differently.
    else if (c.type === "move_file") out.push(["entries.get", { entryUuid: c.entry }]);
  }
  return out;
}

/** Replays the reads; the first whose answer changed, or null when all are the same. */
export async function firstChangedRead(dispatch: Dispatcher, ctx: OpContext, reads: readonly RecordedRead[]): Promise<RecordedRead | null> {
  for (const read of reads) {
    if (answerHash(await dispatch(ctx, read.op, read.request)) !== read.hash) return read;
  }
  return null;
}
