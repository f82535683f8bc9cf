/**
 * The code of the indexer's reader thread, as a string (`new Worker(source, { eval: true })`): it
 * reads and BLAKE3-hashes the files it is sent, by the rule of hashing.ts (whole up to
 * SAMPLE_THRESHOLD, else the sampled identity; constants come in `workerData`).
 *
 * Why a thread: for small files, open/read/close through libuv's pool cost the main thread three
 * round trips each, about four times the CPU of the same calls made synchronously (measured on
 * 10k 1 KiB files: 500–630 ms vs 130–150 ms). Here they are synchronous, off the host's main
 * thread, which meanwhile walks and writes rows.
 * Why a string: the same code must start from the built dist/ and from vitest's TypeScript
 * sources (see onnx-worker-source.ts). hash-pool.test.ts checks it against ContentHasher.
 *
 * Messages in:  { id, sampled, files: [{ abs: Uint8Array, size }] }
 * Messages out: { id, out: [{ hash, hashKind, head, bytesRead } | { error }] }, in the order sent.
 */
export const READER_WORKER_SOURCE = String.raw`
"use strict";
const { parentPort, workerData } = require("node:worker_threads");
const fs = require("node:fs");
const { createBLAKE3 } = require(workerData.hashWasm);
const { SAMPLE_THRESHOLD, SAMPLE_SIZE, SAMPLE_COUNT, CHUNK, HEAD_SIZE } = workerData;
const FLAGS = fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW;
const buffer = Buffer.allocUnsafe(CHUNK);
const hasherReady = createBLAKE3();

function headOf(n) {
  return Buffer.from(buffer.subarray(0, Math.min(HEAD_SIZE, n)));
}

function hashSampled(h, fd, size) {
  const sizeBytes = Buffer.alloc(8);
  sizeBytes.writeBigUInt64LE(BigInt(size));
  h.update(sizeBytes);
  const offsets = [0];
  const span = size - 2 * SAMPLE_SIZE;
  for (let i = 1; i <= SAMPLE_COUNT; i++) offsets.push(SAMPLE_SIZE + Math.floor((span * i) / (SAMPLE_COUNT + 1)) - Math.floor(SAMPLE_SIZE / 2));
  offsets.push(size - SAMPLE_SIZE);
  let head = null;
  let total = 0;
  for (const offset of offsets) {
    const n = fs.readSync(fd, buffer, 0, SAMPLE_SIZE, offset);
    if (head === null) head = headOf(n);
    h.update(buffer.subarray(0, n));
    total += n;
  }
  return { hash: h.digest("hex"), hashKind: "blake3-sampled-v1", head, bytesRead: total };
}

function hashWhole(h, fd, size) {
  let head = null;
  let total = 0;
  for (;;) {
    const n = fs.readSync(fd, buffer, 0, CHUNK, total);
    if (n > 0) {
      if (head === null) head = headOf(n);
      h.update(buffer.subarray(0, n));
      total += n;
    }
    // Past the stat's size, a read that fills less than asked met the end of the file (no second
    // read per small file); before it (the file shrank, or a short read), only an empty read does.
    if (n === 0 || (n < CHUNK && total >= size)) break;
  }
  return { hash: h.digest("hex"), hashKind: "blake3", head: head ?? new Uint8Array(0), bytesRead: total };
}

function hashOne(h, file, sampled) {
  let fd = -1;
  try {
    fd = fs.openSync(file.abs, FLAGS);
    h.init();
    return sampled && file.size > SAMPLE_THRESHOLD ? hashSampled(h, fd, file.size) : hashWhole(h, fd, file.size);
  } catch (error) {
    return { error: error && error.code ? error.code + ": " + error.message : String(error) };
  } finally {
    if (fd >= 0) fs.closeSync(fd);
  }
}

parentPort.on("message", async (message) => {
  const h = await hasherReady;
  parentPort.postMessage({ id: message.id, out: message.files.map((file) => hashOne(h, file, message.sampled)) });
});
`;
