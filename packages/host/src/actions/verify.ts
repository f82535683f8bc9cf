/**
 * The verify step of preview-commit-verify: after the recorded writes ran (inside the apply
 * transaction), every previewed change is read back through the ordinary read ops (file changes
 * also on disk) and must be in effect; otherwise the transaction is rolled back and the action fails.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import type { ActionChange } from "@sdx/sdk";
import type { WireResult } from "@sdx/sdk/protocol";
import { sdxError } from "../errors.js";
import type { Dispatcher } from "../ops/dispatch.js";
import type { OpContext } from "../ops/context.js";
import { canonical } from "./canonical.js";
import { canonicalPath } from "../store/paths.js";
import { describeChange } from "./preview-schema.js";

function value<T>(result: WireResult, what: string): T {
  if (!result.ok) throw sdxError("SDX3020", `verify: reading ${what} failed: ${result.error.code} ${result.error.message}`);
  return result.value as T;
}

const containsAll = (have: readonly unknown[], want: readonly unknown[]): boolean => {
  const set = new Set(have.map(canonical));
  return want.every((w) => set.has(canonical(w)));
};

async function holds(dispatch: Dispatcher, ctx: OpContext, change: ActionChange, uuid: string | null): Promise<boolean> {
  switch (change.type) {
    case "add_tag":
    case "remove_tag": {
      const { tags } = value<{ tags: string[] }>(await dispatch(ctx, "tags.list", { target: change.target }), "tags");
      return tags.includes(change.tag) === (change.type === "add_tag");
    }
    case "create_model": {
      const { model } = value<{ model: { data: unknown } | null }>(await dispatch(ctx, "models.get", { modelType: change.modelType, by: { uuid } }), "the model");
      return model !== null && canonical(model.data) === canonical(change.data);
    }
    case "delete_model": {
      const { model } = value<{ model: unknown }>(await dispatch(ctx, "models.get", { modelType: change.modelType, by: { uuid: change.uuid } }), "the model");
      return model === null;
    }
    case "create_collection":
    case "add_to_collection": {
      const id = change.type === "create_collection" ? uuid : change.collection;
      const { collection } = value<{ collection: { name: string; items: unknown[] } | null }>(await dispatch(ctx, "collections.get", { collection: id }), "the collection");
      return collection !== null && containsAll(collection.items, change.items) && (change.type !== "create_collection" || collection.name === change.name);
    }
    // File changes: on disk, and (moves) in the index.
    case "move_file": {
      const { entry } = value<{ entry: { path: { path: string } } | null }>(await dispatch(ctx, "entries.get", { entryUuid: change.entry }), "the entry");
      const to = canonicalPath(change.to.path);
      return entry !== null && canonicalPath(entry.path.path) === to && fs.existsSync(to) && !fs.existsSync(change.from.path);
    }
    case "create_directory":
      return fs.statSync(change.path.path, { throwIfNoEntry: false })?.isDirectory() === true;
    case "write_file": {
      const bytes = fs.existsSync(change.path.path) ? fs.readFileSync(change.path.path) : null;
      return bytes !== null && bytes.length === change.size && createHash("sha256").update(bytes).digest("hex") === change.sha256;
    }
  }
}

export async function verifyChanges(dispatch: Dispatcher, ctx: OpContext, applied: ReadonlyArray<{ change: ActionChange; uuid: string | null }>): Promise<void> {
  for (const [i, { change, uuid }] of applied.entries()) {
    if (!(await holds(dispatch, ctx, change, uuid))) {
      const d = describeChange(change);
      throw sdxError("SDX3020", `verify: change ${i + 1} (${d.type} ${d.target} ${d.detail}) is not in effect after applying it`);
    }
  }
}
