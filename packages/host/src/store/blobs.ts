/**
 * `metadata_blobs`: content-addressed, deduplicated, reference-counted large values.
 *
 * A blob is keyed by the BLAKE3 of its stored bytes (after encoding and compression), so equal
 * values stored with equal options share one row across models and extensions. Preparing
 * (encode, compress, hash) is async and done before the write transaction; storing and releasing
 * are synchronous and must run inside the caller's transaction, so a crash never leaves a count
 * that disagrees with the links.
 *
 * `size_bytes` is the encoded size before compression; `length(blob_data)` is what is stored.
 */
import { blake3 } from "hash-wasm";
import { compress, decompress } from "@mongodb-js/zstd";
import { decodeBlobValue, encodeBlobValue, type Quantize } from "./blob-codec.js";
import type { Library } from "./library.js";

/** zstd level: 3 is zstd's default; higher levels buy ~1% on float data at many times the cost. */
export const ZSTD_LEVEL = 3;

export interface BlobOptions {
  compression: "zstd" | "none";
  quantize: Quantize;
}

export interface PreparedBlob {
  hash: string;
  data: Buffer;
  blobType: string;
  sizeBytes: number;
  compression: "zstd" | null;
}

export async function prepareBlob(value: unknown, options: BlobOptions): Promise<PreparedBlob> {
  const encoded = encodeBlobValue(value, options.quantize);
  let data = encoded.bytes;
  let compression: "zstd" | null = null;
  if (options.compression === "zstd") {
    const packed = await compress(encoded.bytes, ZSTD_LEVEL);
    // Keep the raw bytes when zstd does not help (tiny or incompressible values).
    if (packed.length < encoded.bytes.length) {
      data = packed;
      compression = "zstd";
    }
  }
  return { hash: await blake3(data), data, blobType: encoded.kind, sizeBytes: encoded.bytes.length, compression };
}

/** Stores or shares a blob; returns its id. Call inside a transaction. */
export function storeBlob(library: Library, blob: PreparedBlob): number {
  const now = new Date().toISOString();
  const existing = library.stmt("SELECT id FROM metadata_blobs WHERE blob_hash = ?").get(blob.hash) as { id: number } | undefined;
  if (existing) {
    library.stmt("UPDATE metadata_blobs SET reference_count = reference_count + 1, last_accessed_at = ? WHERE id = ?").run(now, existing.id);
    return existing.id;
  }
  const result = library
    .stmt(
      `INSERT INTO metadata_blobs (blob_hash, blob_data, blob_type, size_bytes, compression, reference_count, created_at, last_accessed_at)
       VALUES (?, ?, ?, ?, ?, 1, ?, ?)`,
    )
    .run(blob.hash, blob.data, blob.blobType, blob.sizeBytes, blob.compression, now, now);
  return Number(result.lastInsertRowid);
}

/** Drops one reference; the row is deleted when none is left. Call inside a transaction. */
export function releaseBlob(library: Library, blobId: number): void {
  library.stmt("UPDATE metadata_blobs SET reference_count = reference_count - 1 WHERE id = ?").run(blobId);
  library.stmt("DELETE FROM metadata_blobs WHERE id = ? AND reference_count <= 0").run(blobId);
}

export interface StoredBlobRow {
  blob_data: Buffer;
  blob_type: string;
  compression: string | null;
}

export async function decodeStoredBlob(row: StoredBlobRow): Promise<unknown> {
  const bytes = row.compression === "zstd" ? await decompress(row.blob_data) : row.blob_data;
  return decodeBlobValue(row.blob_type, bytes);
}

/**
 * Repairs counts from the links and deletes unreferenced rows. Normal operation keeps counts
 * exact; this is the safety net (and what tests use to prove nothing leaked).
 */
export function collectGarbage(library: Library): { fixed: number; deleted: number } {
  return library.transaction(() => {
    const fixed = library.db
      .prepare(
        `UPDATE metadata_blobs SET reference_count = refs.n FROM (
           SELECT b.id AS id,
                  (SELECT count(*) FROM model_blobs mb WHERE mb.blob_id = b.id) +
                  (SELECT count(*) FROM user_metadata_blobs ub WHERE ub.blob_id = b.id) AS n
           FROM metadata_blobs b) AS refs
         WHERE refs.id = metadata_blobs.id AND metadata_blobs.reference_count IS NOT refs.n`,
      )
      .run().changes;
    const deleted = library.db.prepare("DELETE FROM metadata_blobs WHERE reference_count <= 0").run().changes;
    return { fixed, deleted };
  });
}
