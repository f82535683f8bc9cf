/**
 * The indexer's file reads: files are read and hashed on a reader thread (reader-worker-source.ts),
 * a list at a time, results in the order sent; the kind (from each file's first bytes) and the
 * content UUID are derived here. What comes back per file is small (hash, kind, content UUID): no
 * file bytes outlive their hashing.
 */
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import { createBLAKE3, type IHasher } from "hash-wasm";
import { CHUNK, HEAD_SIZE, SAMPLE_COUNT, SAMPLE_SIZE, SAMPLE_THRESHOLD } from "./hashing.js";
import { detectKind, extensionOf } from "./kinds.js";
import { READER_WORKER_SOURCE } from "./reader-worker-source.js";
import { hostFailed } from "../../store/errors.js";
import { contentUuidBlob } from "../../store/uuid.js";

export interface HashTarget {
  abs: Buffer;
  name: string;
  size: number;
}

export type HashOutcome =
  | { ok: true; hash: string; hashKind: string; kind: string; contentUuid: Buffer; bytesRead: number }
  | { ok: false; error: string };

type Read = { hash: string; hashKind: string; head: Uint8Array; bytesRead: number } | { error: string };

const hashWasm = createRequire(import.meta.url).resolve("hash-wasm");

export class HashPool {
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (out: Read[]) => void; reject: (error: Error) => void }>();
  private failure: Error | null = null;

  private constructor(
    private readonly worker: Worker,
    private readonly ids: IHasher,
    private readonly sampled: boolean,
  ) {
    worker.on("message", (reply: { id: number; out: Read[] }) => {
      const waiting = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      waiting?.resolve(reply.out);
    });
    const fail = (error: Error): void => {
      this.failure ??= hostFailed(`the indexer's reader thread stopped: ${error.message}`, error);
      for (const waiting of this.pending.values()) waiting.reject(this.failure);
      this.pending.clear();
    };
    worker.on("error", fail);
    worker.on("exit", (code) => fail(new Error(`exit code ${code}`)));
  }

  static async create(sampled: boolean): Promise<HashPool> {
    const worker = new Worker(READER_WORKER_SOURCE, {
      eval: true,
      workerData: { hashWasm, SAMPLE_THRESHOLD, SAMPLE_SIZE, SAMPLE_COUNT, CHUNK, HEAD_SIZE },
    });
    return new HashPool(worker, await createBLAKE3(), sampled);
  }

  /** Whether the reader thread stopped (every later call fails). */
  get failed(): boolean {
    return this.failure !== null;
  }

  /** Whether the reader thread keeps the process alive (while a run uses it). */
  hold(yes: boolean): void {
    if (yes) this.worker.ref();
    else this.worker.unref();
  }

  /**
   * Hashes `targets` (one round trip to the reader thread); `done(i)` after each, in order.
   * `sampled`: the sampled identity for large files (default: the pool's).
   */
  async hashAll(targets: readonly HashTarget[], done: (index: number) => void, sampled = this.sampled): Promise<HashOutcome[]> {
    if (targets.length === 0) return [];
    if (this.failure) throw this.failure;
    const id = this.nextId++;
    const reads = await new Promise<Read[]>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, sampled, files: targets.map((t) => ({ abs: t.abs, size: t.size })) });
    });
    return reads.map((read, index) => {
      const outcome = this.outcome(targets[index], read);
      done(index);
      return outcome;
    });
  }

  private outcome(target: HashTarget, read: Read): HashOutcome {
    if ("error" in read) return { ok: false, error: `unreadable: ${read.error}` };
    if (read.bytesRead === 0 && target.size > 0) return { ok: false, error: "unreadable: Error: file is empty now (it changed while indexing)" };
    return {
      ok: true, hash: read.hash, hashKind: read.hashKind, kind: detectKind(read.head, extensionOf(target.name)),
      contentUuid: contentUuidBlob(this.ids, read.hashKind, read.hash), bytesRead: read.bytesRead,
    };
  }

  /** Stops the reader thread. */
  async close(): Promise<void> {
    this.worker.removeAllListeners("exit");
    await this.worker.terminate();
  }
}

/**
 * The reader thread kept between index runs: starting one (a worker thread loading hash-wasm) cost
 * ~80 ms, more than indexing a folder with one new file, the watcher's and the agents' usual case.
 * Runs share it (each request is answered by its id); it keeps the process alive only while a run
 * uses it, stops after `SHARED_IDLE_MS` unused, and a reader that failed is replaced by the next run.
 */
const SHARED_IDLE_MS = 30_000;
interface SharedPool {
  pool: Promise<HashPool>;
  users: number;
  idle: NodeJS.Timeout | null;
}
let shared: SharedPool | null = null;

/** The shared reader thread, for one run: give it back with `releaseHashPool`. */
export async function acquireHashPool(): Promise<HashPool> {
  const existing = shared;
  if (existing) {
    const pool = await existing.pool.catch(() => null);
    if (pool && !pool.failed && shared === existing) {
      existing.users++;
      if (existing.idle) clearTimeout(existing.idle);
      existing.idle = null;
      pool.hold(true);
      return pool;
    }
    if (shared === existing) shared = null;
    if (shared) return acquireHashPool();
  }
  const entry: SharedPool = { pool: HashPool.create(true), users: 1, idle: null };
  shared = entry;
  try {
    return await entry.pool;
  } catch (error) {
    if (shared === entry) shared = null;
    throw error;
  }
}

/** Gives the reader thread back; the last run out lets the process exit without it and starts its idle stop. */
export function releaseHashPool(pool: HashPool): void {
  const entry = shared;
  if (!entry) return void pool.close();
  void entry.pool.then((current) => {
    if (current !== pool) return void pool.close();
    if (--entry.users > 0) return;
    pool.hold(false);
    entry.idle = setTimeout(() => {
      if (shared === entry && entry.users === 0) {
        shared = null;
        void pool.close();
      }
    }, SHARED_IDLE_MS);
    entry.idle.unref();
  });
}
