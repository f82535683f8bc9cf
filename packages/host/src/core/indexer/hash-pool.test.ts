import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { HashPool, acquireHashPool, releaseHashPool } from "./hash-pool.js";
import { CHUNK, ContentHasher, SAMPLE_THRESHOLD } from "./hashing.js";
import { detectKind, extensionOf } from "./kinds.js";
import { blobToUuid, contentUuidFor } from "../../store/uuid.js";
import { cleanupTempDirs, tempDir } from "../../store/__tests__/fixture.js";

afterAll(cleanupTempDirs);

// The reader thread's code is a string of its own (reader-worker-source.ts): it must hash by the
// same rule as ContentHasher, which files.ts still uses, at every size where the rule changes.
describe("the indexer's reader thread", () => {
  const dir = tempDir("sdx-hash-pool-");
  const bytes = (n: number, seed: number): Buffer => {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = (i * 31 + seed + (i >> 16)) & 0xff;
    return b;
  };
  const files: Record<string, Buffer> = {
    "empty.txt": Buffer.alloc(0),
    "small.txt": Buffer.from("hello, index\n"),
    "png-head.bin": Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), bytes(5000, 1)]),
    "chunk.bin": bytes(CHUNK, 2),
    "chunk-plus-one.bin": bytes(CHUNK + 1, 3),
    "big.bin": bytes(SAMPLE_THRESHOLD + 70_000, 4),
  };
  for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), content);
  const targets = Object.keys(files).map((name) => ({ abs: Buffer.from(path.join(dir, name)), name, size: files[name].length }));

  for (const sampled of [true, false]) {
    it(`hashes like ContentHasher (sampled: ${sampled}), in the order sent, with kind and content UUID`, async () => {
      const pool = await HashPool.create(sampled);
      const done: number[] = [];
      try {
        const outcomes = await pool.hashAll(targets, (i) => done.push(i));
        expect(done).toEqual(targets.map((_, i) => i));
        const hasher = await ContentHasher.create();
        for (const [i, target] of targets.entries()) {
          const expected = await hasher.hashFile(target.abs, target.size, { sampled });
          expect(outcomes[i]).toEqual({
            ok: true, hash: expected.hash, hashKind: expected.hashKind, bytesRead: expected.bytesRead,
            kind: detectKind(expected.head, extensionOf(target.name)),
            contentUuid: expect.any(Buffer),
          });
          const outcome = outcomes[i] as { contentUuid: Buffer };
          expect(blobToUuid(outcome.contentUuid)).toBe(await contentUuidFor(expected.hashKind, expected.hash));
        }
        expect(outcomes.find((_, i) => targets[i].name === "big.bin")).toMatchObject({ hashKind: sampled ? "blake3-sampled-v1" : "blake3" });
        expect(outcomes.find((_, i) => targets[i].name === "png-head.bin")).toMatchObject({ kind: "image" });
      } finally {
        await pool.close();
      }
    });
  }

  it("reports a file it cannot read, and one that became empty, as errors; the others still hash", async () => {
    const pool = await HashPool.create(true);
    try {
      const outcomes = await pool.hashAll(
        [
          { abs: Buffer.from(path.join(dir, "missing.txt")), name: "missing.txt", size: 3 },
          { abs: Buffer.from(path.join(dir, "empty.txt")), name: "empty.txt", size: 10 },
          targets[1],
        ],
        () => undefined,
      );
      expect(outcomes[0]).toEqual({ ok: false, error: expect.stringMatching(/^unreadable: ENOENT: /) });
      expect(outcomes[1]).toEqual({ ok: false, error: "unreadable: Error: file is empty now (it changed while indexing)" });
      expect(outcomes[2]).toMatchObject({ ok: true, bytesRead: files["small.txt"].length });
    } finally {
      await pool.close();
    }
  });

  it("is kept between index runs: a later run and concurrent runs get the same reader, each answered its own files", async () => {
    const first = await acquireHashPool();
    releaseHashPool(first);
    const [a, b] = await Promise.all([acquireHashPool(), acquireHashPool()]);
    try {
      expect(a).toBe(first);
      expect(b).toBe(first);
      const [small, png] = await Promise.all([
        a.hashAll([targets[1]], () => undefined, false),
        b.hashAll([targets[2]], () => undefined, true),
      ]);
      expect(small[0]).toMatchObject({ ok: true, bytesRead: files["small.txt"].length });
      expect(png[0]).toMatchObject({ ok: true, kind: "image" });
    } finally {
      releaseHashPool(a);
      releaseHashPool(b);
    }
  });
});
