/**
 * Content identity of a file: BLAKE3 (hash-wasm) of its bytes.
 *
 * Files up to `SAMPLE_THRESHOLD` (10 MiB) are hashed whole (`hash_kind = "blake3"`). Larger files
 * get a sampled identity, as Spacedrive does (`"blake3-sampled-v1"`): BLAKE3 over the file size
 * (u64 LE), the first and last 64 KiB and 16 evenly spaced 64 KiB samples between them
 * (~1.1 MiB read, whatever the size). Two large files that differ only outside the samples share
 * an identity; the trade is indexing speed on big media libraries. `hashFile(…, { sampled: false })`
 * always hashes everything.
 */
import fs from "node:fs";
import { createBLAKE3, type IHasher } from "hash-wasm";

export const SAMPLE_THRESHOLD = 10 * 1024 * 1024;
export const SAMPLE_SIZE = 64 * 1024;
export const SAMPLE_COUNT = 16;
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

export class ContentHasher {
  private constructor(private readonly hasher: IHasher) {}

  static async create(): Promise<ContentHasher> {
    return new ContentHasher(await createBLAKE3());
  }

  /** Hashes a file (given as a path, Buffer paths for non-UTF-8 names). `size` is from its stat. */
  async hashFile(file: string | Buffer, size: number, options: { sampled?: boolean } = {}): Promise<FileHash> {
    const sampled = (options.sampled ?? true) && size > SAMPLE_THRESHOLD;
    const handle = await fs.promises.open(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    try {
      const h = this.hasher;
      h.init();
      if (!sampled && size <= CHUNK) {
        const bytes = await handle.readFile();
        h.update(bytes);
        return { hash: h.digest("hex"), hashKind: "blake3", head: bytes.subarray(0, HEAD_SIZE), bytesRead: bytes.length };
      }
      const buffer = Buffer.allocUnsafe(sampled ? SAMPLE_SIZE : CHUNK);
      let head: Uint8Array | null = null;
      let read = 0;
      if (sampled) {
        const sizeBytes = Buffer.alloc(8);
        sizeBytes.writeBigUInt64LE(BigInt(size));
        h.update(sizeBytes);
        const offsets = [0];
        const span = size - 2 * SAMPLE_SIZE;
        for (let i = 1; i <= SAMPLE_COUNT; i++) offsets.push(SAMPLE_SIZE + Math.floor((span * i) / (SAMPLE_COUNT + 1)) - Math.floor(SAMPLE_SIZE / 2));
        offsets.push(size - SAMPLE_SIZE);
        for (const offset of offsets) {
          const { bytesRead } = await handle.read(buffer, 0, SAMPLE_SIZE, offset);
          if (!head) head = Buffer.from(buffer.subarray(0, Math.min(HEAD_SIZE, bytesRead)));
          h.update(buffer.subarray(0, bytesRead));
          read += bytesRead;
        }
        return { hash: h.digest("hex"), hashKind: "blake3-sampled-v1", head: head ?? new Uint8Array(), bytesRead: read };
      }
      for (;;) {
        const { bytesRead } = await handle.read(buffer, 0, CHUNK, read);
        if (bytesRead === 0) break;
        if (!head) head = Buffer.from(buffer.subarray(0, Math.min(HEAD_SIZE, bytesRead)));
        h.update(buffer.subarray(0, bytesRead));
        read += bytesRead;
      }
      return { hash: h.digest("hex"), hashKind: "blake3", head: head ?? new Uint8Array(), bytesRead: read };
    } finally {
      await handle.close();
    }
  }
}
