/**
 * Content identity of a file: BLAKE3 (hash-wasm) of its bytes.
 *
 * Files up to `SAMPLE_THRESHOLD` (10 MiB) are hashed whole (`hash_kind = "blake3"`). Larger files
 * get a sampled identity, as Spacedrive does (`"blake3-sampled-v1"`): BLAKE3 over the file size
 * (u64 LE), the first and last 64 KiB and 16 evenly spaced 64 KiB samples between them
 * (~1.1 MiB read, whatever the size). Two large files that differ only outside the samples share
 * an identity; the trade is indexing speed on big media libraries. `hashFile(…, { sampled: false })`
 * always hashes everything.
 *
 * A hasher reads through one buffer of its own, reused for every file (a small file is one read
 * into it), with the callback forms of open/read/close: the indexer hashes tens of thousands of
 * small files, and a FileHandle or a fresh buffer per file costs more than the hashing.
 */
import fs from "node:fs";
import { createBLAKE3, type IHasher } from "hash-wasm";

export const SAMPLE_THRESHOLD = 10 * 1024 * 1024;
export const SAMPLE_SIZE = 64 * 1024;
export const SAMPLE_COUNT = 16;
/** The read buffer: a whole file up to this size is one read; larger ones are read in chunks of it. Its pages are only touched as far as files fill it. */
export const CHUNK = 4 * 1024 * 1024;
export const HEAD_SIZE = 4096;

export interface FileHash {
  hash: string;
  hashKind: "blake3" | "blake3-sampled-v1";
  /** First bytes of the file (for kind detection). */
  head: Uint8Array;
  /** Bytes actually read. */
  bytesRead: number;
}

const open = (file: string | Buffer): Promise<number> =>
  new Promise((resolve, reject) => fs.open(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW, (e, fd) => (e ? reject(e) : resolve(fd))));
const read = (fd: number, buffer: Buffer, length: number, position: number): Promise<number> =>
  new Promise((resolve, reject) => fs.read(fd, buffer, 0, length, position, (e, n) => (e ? reject(e) : resolve(n))));
const close = (fd: number): Promise<void> => new Promise((resolve) => fs.close(fd, () => resolve()));
const ignore = (): void => undefined;

/** open, one read from the start into `buffer`, close (not awaited): one promise for a small file. */
function readSmall(file: string | Buffer, buffer: Buffer): Promise<number> {
  return new Promise((resolve, reject) =>
    fs.open(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW, (error, fd) => {
      if (error) return reject(error);
      fs.read(fd, buffer, 0, buffer.length, 0, (readError, n) => {
        fs.close(fd, ignore);
        if (readError) reject(readError);
        else resolve(n);
      });
    }));
}

/** Offsets of the samples of a sampled identity (see the header). */
function sampleOffsets(size: number): number[] {
  const offsets = [0];
  const span = size - 2 * SAMPLE_SIZE;
  for (let i = 1; i <= SAMPLE_COUNT; i++) offsets.push(SAMPLE_SIZE + Math.floor((span * i) / (SAMPLE_COUNT + 1)) - Math.floor(SAMPLE_SIZE / 2));
  offsets.push(size - SAMPLE_SIZE);
  return offsets;
}

export class ContentHasher {
  private buffer: Buffer | null = null;

  private constructor(private readonly hasher: IHasher) {}

  static async create(): Promise<ContentHasher> {
    return new ContentHasher(await createBLAKE3());
  }

  /**
   * Hashes a file (given as a path, Buffer paths for non-UTF-8 names). `size` is from its stat:
   * it chooses whole or sampled; a whole file is read to its end, whatever its size is now.
   * Not reentrant: one file at a time per hasher.
   */
  async hashFile(file: string | Buffer, size: number, options: { sampled?: boolean } = {}): Promise<FileHash> {
    const sampled = (options.sampled ?? true) && size > SAMPLE_THRESHOLD;
    const buffer = (this.buffer ??= Buffer.allocUnsafe(CHUNK));
    if (!sampled && size < CHUNK) {
      const n = await readSmall(file, buffer);
      // Past the stat's size, a read that fills less than asked met the end of the file (no
      // second read per small file); before it (the file shrank, or a short read), read on.
      if (n < CHUNK && n >= size) {
        const h = this.hasher;
        h.init();
        h.update(buffer.subarray(0, n));
        return { hash: h.digest("hex"), hashKind: "blake3", head: Buffer.from(buffer.subarray(0, Math.min(HEAD_SIZE, n))), bytesRead: n };
      }
    }
    const fd = await open(file);
    try {
      const h = this.hasher;
      h.init();
      let head: Buffer | null = null;
      let total = 0;
      if (sampled) {
        const sizeBytes = Buffer.alloc(8);
        sizeBytes.writeBigUInt64LE(BigInt(size));
        h.update(sizeBytes);
        for (const offset of sampleOffsets(size)) {
          const n = await read(fd, buffer, SAMPLE_SIZE, offset);
          head ??= Buffer.from(buffer.subarray(0, Math.min(HEAD_SIZE, n)));
          h.update(buffer.subarray(0, n));
          total += n;
        }
        return { hash: h.digest("hex"), hashKind: "blake3-sampled-v1", head: head ?? new Uint8Array(), bytesRead: total };
      }
      for (;;) {
        const n = await read(fd, buffer, CHUNK, total);
        if (n > 0) {
          head ??= Buffer.from(buffer.subarray(0, Math.min(HEAD_SIZE, n)));
          h.update(buffer.subarray(0, n));
          total += n;
        }
        if (n === 0 || (n < CHUNK && total >= size)) break;
      }
      return { hash: h.digest("hex"), hashKind: "blake3", head: head ?? new Uint8Array(), bytesRead: total };
    } finally {
      await close(fd);
    }
  }
}
