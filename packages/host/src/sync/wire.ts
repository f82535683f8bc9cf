/**
 * What devices send each other (docs/devices.md#the-wire): the messages of the sync protocol as zod
 * schemas, and the frame they travel in. Everything a peer sends is parsed here before anything
 * else looks at it; a message that does not parse is refused whole (SDX3045).
 *
 * A frame is the protocol's codec (JSON + binary attachments, `@sdx/sdk/protocol`) packed in one
 * body and gzip-compressed: `u32 json length | json | u32 count | u32 size… | bytes…` (little endian).
 * Model data travels as JSON text (`dataJson`), never as nested values, so it arrives byte for byte
 * and no user value can pose as an attachment.
 */
import { gunzipSync, gzipSync } from "node:zlib";
import { z } from "zod";
import { decodeMessage, encodeMessage } from "@sdx/sdk/protocol";
import { HLC_RE } from "../store/hlc.js";

/** Version of the sync protocol (the `/v1/` of its paths). */
export const SYNC_PROTOCOL_VERSION = 1;

/** The most records in one batch, and the largest frame a peer accepts (bytes, compressed or not). */
export const MAX_BATCH_RECORDS = 5_000;
export const MAX_FRAME_BYTES = 64 * 1024 * 1024;

const uuid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, "a lower-case UUID");
const hlc = z.string().regex(HLC_RE, "an HLC stamp");
const extensionId = z.string().regex(/^[a-z0-9][a-z0-9.-]{0,199}$/, "an extension id");
const blake3Hex = z.string().regex(/^[0-9a-f]{64}$/, "a BLAKE3 hash");
const memoryField = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,199}$/, "a memory field name");
const clocks = z.record(z.string().min(1).max(300), hlc).refine((c) => Object.keys(c).length > 0, "no clocks");
const common = { clocks, deleted: z.boolean() };

export const blobRefSchema = z.object({ hash: blake3Hex, type: z.string().max(64), compression: z.enum(["zstd"]).nullable(), size: z.number().int().nonnegative() }).strict();
export type BlobRef = z.output<typeof blobRefSchema>;

const modelValue = z.object({
  extensionId,
  modelType: z.string().min(1).max(200),
  scope: z.union([z.object({ content: uuid }).strict(), z.object({ standalone: z.literal(true) }).strict()]),
  createdAt: z.string().max(40),
  version: z.string().max(64),
  /** The whole inline data as JSON text (an object); the receiver takes the fields whose clocks win. */
  dataJson: z.string().max(16 * 1024 * 1024),
  blobs: z.record(z.string().max(200), blobRefSchema.nullable()),
}).strict();

export const recordSchema = z.discriminatedUnion("entity", [
  z.object({ entity: z.literal("model"), key: uuid, ...common, value: modelValue.optional() }).strict(),
  z.object({
    entity: z.literal("tag_link"), key: z.string().max(400), ...common,
    value: z.object({ target: z.enum(["content", "model"]), uuid, tag: z.string().min(1).max(256) }).strict(),
  }).strict(),
  z.object({ entity: z.literal("collection"), key: uuid, ...common, value: z.object({ name: z.string().min(1).max(1000) }).strict().optional() }).strict(),
  z.object({
    entity: z.literal("collection_item"), key: z.string().max(200), ...common,
    value: z.object({ collection: uuid, kind: z.enum(["content", "model"]), uuid }).strict(),
  }).strict(),
  z.object({
    entity: z.literal("memory_working"), key: z.string().max(500), ...common,
    value: z.object({ extensionId, field: memoryField, valueJson: z.string().max(16 * 1024 * 1024).nullable() }).strict(),
  }).strict(),
  z.object({
    entity: z.literal("memory_event"), key: uuid, ...common,
    value: z.object({ extensionId, field: memoryField, at: z.string().max(40), atMs: z.number().int(), eventJson: z.string().max(16 * 1024 * 1024) }).strict(),
  }).strict(),
  z.object({
    entity: z.literal("memory_item"), key: uuid, ...common,
    value: z.object({
      extensionId, field: memoryField, dimension: z.number().int().min(1).max(8192), payloadJson: z.string().max(16 * 1024 * 1024),
      syncVectors: z.boolean(), vector: z.instanceof(Float32Array).nullable(),
    }).strict(),
  }).strict(),
  z.object({
    entity: z.literal("memory_edge"), key: z.string().max(600), ...common,
    value: z.object({ extensionId, field: memoryField, from: uuid, to: uuid, weight: z.number() }).strict(),
  }).strict(),
  z.object({
    entity: z.literal("extension"), key: extensionId, ...common,
    value: z.object({
      // No grants: each device's user consents to them (merge-extension.ts).
      version: z.string().max(64), bundleHash: blake3Hex,
      settings: z.record(z.string().max(200), z.string().max(1_000_000)),
    }).strict().optional(),
  }).strict(),
  z.object({
    entity: z.literal("device"), key: uuid, ...common,
    value: z.object({ name: z.string().max(200), capabilities: z.array(z.string().max(200)).max(500), info: z.record(z.string(), z.unknown()) }).strict(),
  }).strict(),
]);
export type SyncRecord = z.output<typeof recordSchema>;

export const contentSchema = z.object({
  uuid, hash: z.string().min(1).max(200), hashKind: z.string().max(64), size: z.number().int().nonnegative(), kind: z.string().max(64), firstSeenAt: z.string().max(40),
}).strict();
export type ContentRow = z.output<typeof contentSchema>;

/**
 * One page of a device's changes for one peer: the things whose rows changed in `(fromSeq, toSeq]`
 * of the sender's order, with the content identities they refer to. The receiver applies it only
 * when `fromSeq` is where it stands with the sender, and then stands at `toSeq`: a batch is applied
 * once, in order, or refused.
 */
export const batchSchema = z.object({
  version: z.literal(SYNC_PROTOCOL_VERSION),
  from: uuid,
  to: uuid,
  fromSeq: z.number().int().nonnegative(),
  toSeq: z.number().int().nonnegative(),
  /** Whether the sender has more after `toSeq`. */
  more: z.boolean(),
  records: z.array(recordSchema).max(MAX_BATCH_RECORDS),
  contents: z.array(contentSchema).max(MAX_BATCH_RECORDS),
  /** Blob bytes the receiver asked for, by hash. */
  blobData: z.record(blake3Hex, z.instanceof(Uint8Array)).default({}),
}).strict().refine((b) => b.toSeq >= b.fromSeq, "toSeq before fromSeq");
export type SyncBatch = z.output<typeof batchSchema>;

export const pullRequestSchema = z.object({ after: z.number().int().nonnegative(), limit: z.number().int().min(1).max(MAX_BATCH_RECORDS) }).strict();
export const hashesSchema = z.object({ hashes: z.array(blake3Hex).max(10_000) }).strict();
export const blobsReplySchema = z.object({ blobs: z.record(blake3Hex, z.instanceof(Uint8Array)) }).strict();

/** Packs a value into a frame (codec, then gzip). */
export function encodeFrame(value: unknown): Buffer {
  const message = encodeMessage(value);
  const json = Buffer.from(message.json, "utf8");
  const header = Buffer.alloc(8 + 4 * message.buffers.length);
  header.writeUInt32LE(json.length, 0);
  header.writeUInt32LE(message.buffers.length, 4 + 0);
  const parts: Buffer[] = [];
  message.buffers.forEach((b, i) => header.writeUInt32LE(b.byteLength, 8 + 4 * i));
  parts.push(header.subarray(0, 4), json, header.subarray(4), ...message.buffers.map((b) => Buffer.from(b)));
  return gzipSync(Buffer.concat(parts), { level: 1 });
}

/** Unpacks a frame; throws on anything malformed (the caller refuses the message). */
export function decodeFrame(body: Buffer): unknown {
  const raw = gunzipSync(body, { maxOutputLength: MAX_FRAME_BYTES });
  let at = 0;
  const u32 = () => {
    if (at + 4 > raw.length) throw new Error("truncated frame");
    const value = raw.readUInt32LE(at);
    at += 4;
    return value;
  };
  const jsonLength = u32();
  if (at + jsonLength > raw.length) throw new Error("truncated frame");
  const json = raw.subarray(at, at + jsonLength).toString("utf8");
  at += jsonLength;
  const count = u32();
  if (count > 100_000) throw new Error("too many attachments");
  const sizes = Array.from({ length: count }, u32);
  const buffers = sizes.map((size) => {
    if (at + size > raw.length) throw new Error("truncated frame");
    const copy = raw.buffer.slice(raw.byteOffset + at, raw.byteOffset + at + size) as ArrayBuffer;
    at += size;
    return copy;
  });
  if (at !== raw.length) throw new Error("trailing bytes in frame");
  return decodeMessage({ json, buffers });
}

const deviceReport = z.object({
  uuid, name: z.string().min(1).max(200), publicKey: z.string().min(1).max(200),
  capabilities: z.array(z.string().max(200)).max(500), info: z.record(z.string(), z.unknown()),
}).strict();
export type PairingDevice = z.output<typeof deviceReport>;
const hex = (bytes: number) => z.string().regex(new RegExp(`^[0-9a-f]{${bytes * 2}}$`));

/** The one request no device signs: it proves knowledge of a pairing token instead. */
export const pairRequestSchema = z.object({ device: deviceReport, url: z.string().url().max(500).nullable(), nonce: hex(16), proof: hex(32) }).strict();
export const pairReplySchema = z.object({ device: deviceReport, proof: hex(32) }).strict();
export const cursorReplySchema = z.object({ receivedSeq: z.number().int().nonnegative() }).strict();
export const pushReplySchema = z.object({ receivedSeq: z.number().int().nonnegative(), applied: z.number().int().nonnegative() }).strict();
export const errorReplySchema = z.object({ error: z.object({ code: z.string(), message: z.string() }).strict() }).strict();

/** `executeOn` on another device: a declared task of an installed extension, keyed so a retry is answered from the first run. */
export const remoteTaskSchema = z.object({
  extensionId,
  task: z.string().min(1).max(200),
  args: z.array(z.unknown()).max(1000),
  /** The caller's key of this call (its job, task, arguments and occurrence): the same key runs once. */
  key: z.string().min(1).max(500),
}).strict();
export type RemoteTaskRequest = z.output<typeof remoteTaskSchema>;
export const remoteTaskReplySchema = z.object({ result: z.unknown() }).strict();
