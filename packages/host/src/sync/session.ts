/**
 * One sync with one peer (docs/devices.md#a-sync): pull what it has that this device has not seen,
 * then push what this device has that it has not seen, a batch at a time until neither side has
 * more. Each batch is applied in one transaction together with the new position, so a sync cut
 * anywhere (either side killed, the connection dropped) resumes from the last applied batch and
 * applies nothing twice.
 */
import type { Library } from "../store/library.js";
import { installedBundleBytes, sharedBlobBytes } from "../store/sync-export.js";
import { peerRow } from "../store/sync-peers.js";
import { applyBatch, type ApplyOutcome } from "./apply.js";
import { blobHashesOf, buildBatch, missingHashes } from "./batch.js";
import type { PeerClient } from "./client.js";
import { batchSchema, blobsReplySchema, cursorReplySchema, hashesSchema, pushReplySchema, type SyncBatch } from "./wire.js";
import { sdxError } from "../errors.js";

export const DEFAULT_BATCH_SIZE = 500;

export interface SyncOutcome {
  peer: string;
  pulled: { batches: number; applied: number };
  pushed: { batches: number; applied: number };
  /** Bytes of request and answer bodies, both directions. */
  bytes: number;
}

export interface SessionOptions {
  batchSize?: number;
  /** Called after every applied batch (tests stop a sync here). */
  onBatch?: (direction: "pull" | "push", batch: SyncBatch) => Promise<void> | void;
  /** Called after every batch this device applied (the host reloads extensions it changed). */
  afterApply?: (outcome: ApplyOutcome) => Promise<void> | void;
}

function parse<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: Array<{ path: PropertyKey[]; message: string }> } } }, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw sdxError("SDX3045", `sync batch refused: the peer's ${what} is malformed: ${parsed.error.issues.slice(0, 3).map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}`, { reason: "malformed" });
  return parsed.data;
}

/** The bytes of shared blobs and installed bundles by hash (what a peer asked for). */
export function shippedBytes(library: Library, hashes: readonly string[]): Record<string, Uint8Array<ArrayBuffer>> {
  const out: Record<string, Uint8Array<ArrayBuffer>> = {};
  for (const [hash, bytes] of [...sharedBlobBytes(library, hashes), ...installedBundleBytes(library, hashes)]) out[hash] = new Uint8Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
  return out;
}

/** Pulls every batch the peer has for this device. */
export async function pull(library: Library, client: PeerClient, options: SessionOptions, outcome: SyncOutcome): Promise<void> {
  const limit = options.batchSize ?? DEFAULT_BATCH_SIZE;
  for (;;) {
    const after = peerRow(library, client.peer.uuid)?.receivedSeq ?? 0;
    const batch = parse(batchSchema, await client.request("/v1/sync/pull", { after, limit }), "batch");
    const missing = missingHashes(library, blobHashesOf(batch));
    if (missing.length > 0) batch.blobData = parse(blobsReplySchema, await client.request("/v1/sync/blobs", { hashes: missing }), "blobs").blobs;
    const applied: ApplyOutcome = await applyBatch(library, client.peer.uuid, batch);
    await options.afterApply?.(applied);
    outcome.pulled.batches += 1;
    outcome.pulled.applied += applied.applied;
    await options.onBatch?.("pull", batch);
    if (!batch.more) return;
  }
}

/** Pushes every batch the peer has not seen of this device. */
export async function push(library: Library, client: PeerClient, options: SessionOptions, outcome: SyncOutcome): Promise<void> {
  const limit = options.batchSize ?? DEFAULT_BATCH_SIZE;
  for (;;) {
    const { receivedSeq } = parse(cursorReplySchema, await client.request("/v1/sync/cursor", {}), "position");
    const batch = buildBatch(library, client.peer.uuid, receivedSeq, limit);
    if (batch.toSeq === receivedSeq) return;
    const hashes = blobHashesOf(batch);
    if (hashes.length > 0) {
      const { hashes: missing } = parse(hashesSchema, await client.request("/v1/sync/have", { hashes }), "blob list");
      batch.blobData = shippedBytes(library, missing);
    }
    const reply = parse(pushReplySchema, await client.request("/v1/sync/push", batch), "answer");
    outcome.pushed.batches += 1;
    outcome.pushed.applied += reply.applied;
    await options.onBatch?.("push", batch);
    if (!batch.more) return;
  }
}
