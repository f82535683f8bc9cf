// The baseline of "index small files": the least a correct indexer of a fresh library has to do,
// written as one plain synchronous loop. It walks the tree without following symlinks (names read
// as bytes), lstats every entry, reads and BLAKE3-hashes every file with hash-wasm (files over
// 10 MiB by the indexer's sampling rule), gives it a kind from its head and extension, derives the
// deterministic content UUID, and inserts the same rows with the same columns and encodings as
// indexLocation (a content_identities row per distinct content, an entries row per file and
// directory), committing every INDEX_BATCH entries on the library's own connection (WAL,
// synchronous=NORMAL: the same durability). No change detection (the library is fresh), no
// progress, no per-entry errors, no media: those are the indexer's extra work.
import fs from "node:fs";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { createBLAKE3 } from "hash-wasm";
import { detectKind, extensionOf } from "../../../packages/host/dist/core/indexer/kinds.js";
import { decodeName } from "../../../packages/host/dist/core/indexer/walk.js";
import { INDEX_BATCH } from "../../../packages/host/dist/core/indexer/indexer.js";

const SAMPLE_THRESHOLD = 10 * 1024 * 1024;
const SAMPLE = 64 * 1024;
const HEAD = 4096;

/** Reads and hashes a file like the indexer (whole up to 10 MiB, else size + 18 samples). */
function hashFile(hasher, file, size) {
  hasher.init();
  if (size <= SAMPLE_THRESHOLD) {
    const bytes = fs.readFileSync(file);
    hasher.update(bytes);
    return { hash: hasher.digest("hex"), hashKind: "blake3", head: bytes.subarray(0, HEAD) };
  }
  const fd = fs.openSync(file, "r");
  try {
    const sizeBytes = Buffer.alloc(8);
    sizeBytes.writeBigUInt64LE(BigInt(size));
    hasher.update(sizeBytes);
    const buffer = Buffer.allocUnsafe(SAMPLE);
    const span = size - 2 * SAMPLE;
    const offsets = [0];
    for (let i = 1; i <= 16; i++) offsets.push(SAMPLE + Math.floor((span * i) / 17) - SAMPLE / 2);
    offsets.push(size - SAMPLE);
    let head = null;
    for (const offset of offsets) {
      const n = fs.readSync(fd, buffer, 0, SAMPLE, offset);
      head ??= Buffer.from(buffer.subarray(0, Math.min(HEAD, n)));
      hasher.update(buffer.subarray(0, n));
    }
    return { hash: hasher.digest("hex"), hashKind: "blake3-sampled-v1", head };
  } finally {
    fs.closeSync(fd);
  }
}

/** Indexes `root` into the fresh `library` (a Library from dist/store/library.js); returns the entries written. */
export async function minimalIndex(library, root) {
  const db = library.db;
  const hasher = await createBLAKE3();
  const idHasher = await createBLAKE3();
  const now = new Date().toISOString();
  const device = library.deviceUuidBlob;
  const locationUuid = Buffer.from(randomUUID().replace(/-/g, ""), "hex");
  const locationId = Number(db.prepare("INSERT INTO locations (uuid, device_uuid, path, name, created_at) VALUES (?, ?, ?, ?, ?)")
    .run(locationUuid, device, root, path.basename(root), now).lastInsertRowid);
  const content = db.prepare(`INSERT INTO content_identities (uuid, content_hash, hash_kind, size, kind, first_seen_at) VALUES (?, ?, ?, ?, ?, ?)
    ON CONFLICT (content_hash) DO NOTHING`);
  const entry = db.prepare(`INSERT INTO entries (uuid, location_id, device_uuid, relative_path, raw_path, name, extension, kind, is_dir, size, inode,
    modified_at, content_identity_uuid, error, hlc_timestamp, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const contentUuid = (hashKind, hash) => {
    idHasher.init();
    idHasher.update(`sdx:content-identity:v1\0${hashKind}\0${hash}`);
    const bytes = Buffer.from(idHasher.digest("binary").subarray(0, 16));
    bytes[6] = (bytes[6] & 0x0f) | 0x80;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    return bytes;
  };
  const newUuid = () => Buffer.from(randomUUID().replace(/-/g, ""), "hex");
  let written = 0;
  let inBatch = 0;
  db.exec("BEGIN");
  const stack = [{ abs: Buffer.from(root), rel: "" }];
  while (stack.length > 0) {
    const dir = stack.pop();
    for (const nameBytes of fs.readdirSync(dir.abs, { encoding: "buffer" }).sort(Buffer.compare)) {
      const { text: name, valid } = decodeName(nameBytes);
      const abs = Buffer.concat([dir.abs, Buffer.from(path.sep), nameBytes]);
      const rel = dir.rel === "" ? name : `${dir.rel}/${name}`;
      const raw = valid ? null : Buffer.from(rel); // the generated tree has none; kept for the same column
      const stat = fs.lstatSync(abs);
      const mtime = stat.mtime.toISOString();
      if (stat.isDirectory()) {
        stack.push({ abs, rel });
        entry.run(newUuid(), locationId, device, rel, raw, name, null, "directory", 1, 0, stat.ino, mtime, null, null, library.hlc.now(), now, now);
      } else if (stat.isFile()) {
        const h = hashFile(hasher, abs, stat.size);
        const extension = extensionOf(name);
        const kind = detectKind(h.head, extension);
        const cid = contentUuid(h.hashKind, h.hash);
        content.run(cid, h.hash, h.hashKind, stat.size, kind, now);
        entry.run(newUuid(), locationId, device, rel, raw, name, extension, kind, 0, stat.size, stat.ino, mtime, cid, null, library.hlc.now(), now, now);
      } else continue; // symlinks and special files: none in the generated tree
      written += 1;
      if (++inBatch >= INDEX_BATCH) {
        db.exec("COMMIT");
        db.exec("BEGIN");
        inBatch = 0;
      }
    }
  }
  db.prepare("UPDATE locations SET last_indexed_at = ? WHERE id = ?").run(new Date().toISOString(), locationId);
  db.exec("COMMIT");
  return written;
}
