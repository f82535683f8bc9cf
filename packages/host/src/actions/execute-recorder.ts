/**
 * The execute step of an action runs the extension's own `@actionExecute` code, but its writes do
 * not reach the library directly: each mutating call is matched against the changes of the
 * preview the user confirmed and recorded. A call that is not one of them (or has no previewable
 * form: `models.update`, sidecars, custom metadata) is refused with SDX3015; a change the step
 * never made fails the action. Only when the step made exactly the previewed changes does the
 * host apply the recorded calls, in the step's order and in one transaction (action-runner.ts).
 *
 * Creates get their UUID now (the step may use it in later calls, e.g. to tag the new model) and
 * keep it when applied (`OpContext.writeUuid`). Previews built with the SDK's planner refer to
 * things they would create by placeholder ids (the n-th create gets `…-8000-<n>`); matching binds
 * each placeholder to the UUID of the create that matched, so later changes referring to it match.
 */
import { createHash, randomUUID } from "node:crypto";
import type { ActionChange } from "@sdx/sdk";
import type { WireResult } from "@sdx/sdk/protocol";
import { wireError } from "../errors.js";
import { canonical, replaceIds } from "./canonical.js";
import { describeChange } from "./preview-schema.js";

/** What an `ExecuteRecorder` recorded, as plain data. */
export interface ExecuteRecording {
  writes: RecordedWrite[];
  problem: string | null;
  consumed: boolean[];
  bound: Array<[string, string]>;
}

export interface RecordedWrite {
  op: string;
  request: unknown;
  /** The UUID promised to the step for a create. */
  uuid: string | null;
  change: number;
}

const placeholder = (n: number): string => `00000000-0000-4000-8000-${n.toString(16).padStart(12, "0")}`;
const withoutDescription = ({ description: _ignored, ...rest }: ActionChange): Omit<ActionChange, "description"> => rest;

/** The change a mutating request would make, or why it cannot be part of an action. */
function changeOf(op: string, request: Record<string, unknown>): ActionChange | string {
  switch (op) {
    case "models.create": {
      const blobs = Object.entries((request.blobs ?? {}) as Record<string, unknown>).filter(([, v]) => v !== null && v !== undefined);
      if (blobs.length > 0) return `models.create with blob fields (${blobs.map(([k]) => k).join(", ")}) cannot be shown in a preview; create the model in a job`;
      return { type: "create_model", modelType: request.modelType, scope: request.scope, data: request.data } as ActionChange;
    }
    case "models.delete":
      return { type: "delete_model", modelType: request.modelType, uuid: request.uuid } as ActionChange;
    case "tags.add":
      return { type: "add_tag", target: request.target, tag: request.tag } as ActionChange;
    case "tags.remove":
      return { type: "remove_tag", target: request.target, tag: request.tag } as ActionChange;
    case "collections.create":
      return { type: "create_collection", name: request.name, items: request.items } as ActionChange;
    case "collections.add":
      return { type: "add_to_collection", collection: request.collection, items: request.items } as ActionChange;
    case "files.move":
      return { type: "move_file", entry: request.entryUuid, from: request.from, to: request.to } as ActionChange;
    case "files.mkdir":
      return { type: "create_directory", path: request.path } as ActionChange;
    case "files.write": {
      const bytes = request.bytes as Uint8Array;
      return { type: "write_file", path: request.path, size: bytes.byteLength, sha256: createHash("sha256").update(bytes).digest("hex") } as ActionChange;
    }
    default:
      return `${op} has no ActionChange form, so it cannot be previewed; do it in a job`;
  }
}

export class ExecuteRecorder {
  readonly writes: RecordedWrite[] = [];
  /** The first refused call, if any (the step may have caught the refusal; the action still fails). */
  problem: string | null = null;
  private readonly consumed: boolean[];
  private readonly placeholderOf: Array<string | null>;
  private readonly bound = new Map<string, string>();

  constructor(private readonly changes: readonly ActionChange[]) {
    this.consumed = changes.map(() => false);
    let n = 0;
    this.placeholderOf = changes.map((c) => (c.type === "create_model" || c.type === "create_collection" ? placeholder(++n) : null));
  }

  /** Records one mutating call of the step and answers it. */
  take(op: string, request: unknown): WireResult {
    const change = changeOf(op, (request ?? {}) as Record<string, unknown>);
    if (typeof change === "string") return this.refuse(change);
    const wanted = canonical(change);
    const index = this.changes.findIndex((c, i) => !this.consumed[i] && canonical(withoutDescription(replaceIds(c, this.bound))) === wanted);
    if (index < 0) {
      const d = describeChange(change);
      return this.refuse(`${op} (${d.type} ${d.target} ${d.detail}) is not one of the changes the preview showed`);
    }
    this.consumed[index] = true;
    const creates = op === "models.create" || op === "collections.create";
    const uuid = creates ? randomUUID() : null;
    const ph = this.placeholderOf[index];
    if (ph && uuid) this.bound.set(ph, uuid);
    this.writes.push({ op, request, uuid, change: index });
    return { ok: true, value: creates ? { uuid } : null };
  }

  private refuse(message: string): WireResult {
    this.problem ??= message;
    return { ok: false, error: wireError("SDX3015", message) };
  }

  /** The preview's changes this recorder matches calls against. */
  get previewChanges(): readonly ActionChange[] {
    return this.changes;
  }

  /** The recorder's state as plain data, to hand from a sandbox worker to the host's thread. */
  snapshot(): ExecuteRecording {
    return { writes: this.writes, problem: this.problem, consumed: [...this.consumed], bound: [...this.bound] };
  }

  /** Takes over what a recorder with the same changes recorded elsewhere (`snapshot`). */
  absorb(recording: ExecuteRecording): void {
    this.writes.push(...recording.writes);
    this.problem ??= recording.problem;
    recording.consumed.forEach((done, i) => {
      if (done) this.consumed[i] = true;
    });
    for (const [placeholder, uuid] of recording.bound) this.bound.set(placeholder, uuid);
  }

  /** Why the step did not make exactly the previewed changes, or null. */
  mismatch(): string | null {
    if (this.problem) return this.problem;
    const missing = this.consumed.findIndex((done) => !done);
    if (missing < 0) return null;
    const d = describeChange(this.changes[missing]);
    return `the execute step did not make change ${missing + 1} of the preview (${d.type} ${d.target} ${d.detail})`;
  }

  /** Each previewed change with the UUID it got (creates) and its ids resolved, given `actual` (promised → stored UUID). */
  applied(actual: ReadonlyMap<string, string>): Array<{ change: ActionChange; uuid: string | null }> {
    const ids = new Map([...this.bound].map(([ph, uuid]) => [ph, actual.get(uuid) ?? uuid]));
    for (const [promised, stored] of actual) ids.set(promised, stored);
    return this.writes.map((w) => ({ change: replaceIds(this.changes[w.change], ids), uuid: w.uuid === null ? null : (actual.get(w.uuid) ?? w.uuid) }));
  }
}
