/**
 * One run of the indexer over a location (indexer.ts has the rules; this is how they are applied
 * while the walk streams).
 *
 * Each item of the walk is settled when it is met, against the row at its path: a directory or a
 * bad item is written as it is, an unchanged file is counted, a changed or new file is hashed (a
 * few at a time, HashPool) and written. The writes wait in a list of at most `batch` entries,
 * written in one transaction; then the images of that batch get their media work.
 *
 * Moves need the rows that are gone, which only the end of the walk tells. So a new file that
 * may be one (a row from before the run, not seen so far, has its inode, size and mtime, or its
 * content) waits until then; every other new file is written at once. At the end, in walk order
 * as before: renames (by inode) take their rows first, then copies by content, then the rows not
 * seen and not moved are deleted.
 */
import type { IndexOptions, IndexSummary } from "./index-types.js";
import { acquireHashPool, releaseHashPool, type HashPool, type HashOutcome } from "./hash-pool.js";
import { IdSet } from "./id-set.js";
import { extensionOf, kindFromExtension } from "./kinds.js";
import { processMedia, type MediaJob } from "./media.js";
import { ocrImages } from "./ocr-step.js";
import { walk, type WalkItem } from "./walk.js";
import type { Library } from "../../store/library.js";
import { LocationIndex, type LocationRow } from "../../store/location-index.js";
import { blobToUuid } from "../../store/uuid.js";

/**
 * Files sent to the reader thread at once, at most; the first lists are smaller (1, 2, 4, …) so
 * that the first results, and progress, come at once.
 */
const HASH_CHUNK = 256;
/** Lists being read at once: the reader reads one while the main thread writes the other's rows. */
const IN_FLIGHT = 2;

type Hashed = Extract<HashOutcome, { ok: true }>;

/** A write waiting for its batch. */
type Op =
  | { t: "dir"; item: WalkItem; row: LocationRow | undefined }
  | { t: "bad"; item: WalkItem; row: LocationRow | undefined; error: string }
  | { t: "file"; item: WalkItem; row: LocationRow | undefined; hashed: Hashed; as: "added" | "updated" | "moved" }
  | { t: "rename"; item: WalkItem; row: LocationRow };

/** A new file that may be a moved entry: settled when the walk is over. */
interface MaybeMoved {
  item: WalkItem;
  seq: number;
  /** Hashed already (a copy by content), else a rename candidate (not hashed unless it is no rename). */
  hashed: Hashed | null;
}

const nameError = (item: WalkItem): string | null => (item.raw ? "file name is not valid UTF-8 (invalid bytes shown as %XX; raw bytes kept)" : null);

export class IndexRun {
  readonly summary: Omit<IndexSummary, "durationMs">;
  /** Rows from before the run met by the walk; moved: taken by a new path; renamed: taken by inode. */
  private readonly seen: IdSet;
  private readonly moved: IdSet;
  private readonly renamed: IdSet;
  private ops: Op[] = [];
  private toHash: Array<{ item: WalkItem; row: LocationRow | undefined; seq: number }> = [];
  private maybeMoved: MaybeMoved[] = [];
  private media: MediaJob[] = [];
  /** Contents whose media (and OCR) work was done in this run: once per content, across batches. */
  private readonly mediaDone = new Set<string>();
  private readonly ocrDone = new Set<string>();
  private readonly now = new Date().toISOString();
  private seq = 0;
  private queued = 0;
  private hashed = 0;
  private chunk = 1;
  /** Lists sent to the reader, each settled (its files written or kept as maybe-moved) in order. */
  private inFlight: Array<Promise<void>> = [];

  private constructor(
    private readonly library: Library,
    private readonly root: string,
    private readonly store: LocationIndex,
    private readonly pool: HashPool,
    private readonly options: IndexOptions,
    private readonly batch: number,
  ) {
    this.summary = {
      locationUuid: store.uuid, locationPath: root, added: 0, updated: 0, moved: 0, deleted: 0, unchanged: 0, errors: 0,
      directories: 0, skipped: 0, hashedBytes: 0, exif: 0, thumbnails: 0, ocr: 0, problems: [],
    };
    this.seen = new IdSet(store.minId, store.maxId);
    this.moved = new IdSet(store.minId, store.maxId);
    this.renamed = new IdSet(store.minId, store.maxId);
  }

  static async start(library: Library, root: string, options: IndexOptions, batch: number): Promise<IndexRun> {
    const pool = await acquireHashPool();
    try {
      return new IndexRun(library, root, new LocationIndex(library, root), pool, options, batch);
    } catch (error) {
      releaseHashPool(pool);
      throw error;
    }
  }

  /** Gives the reader thread back (kept for the next run). */
  async close(): Promise<void> {
    releaseHashPool(this.pool);
  }

  /** Walks the location, writing everything but the possible moves and the deletions. */
  async walk(): Promise<void> {
    const listings = walk(this.root);
    let next = listings.next();
    try {
      for (;;) {
        const listing = await next;
        if (listing.done) break;
        // One listing ahead: the next directory is read and stat'ed while this one is hashed.
        next = listings.next();
        for (const item of listing.value) this.settle(item);
        if (this.toHash.length >= this.chunk) await this.hashQueued();
        await this.mediaOfWritten();
      }
      await this.hashQueued();
      while (this.inFlight.length > 0) await this.inFlight.shift();
      this.flush();
      await this.mediaOfWritten();
    } finally {
      next.then(() => listings.return(undefined), () => undefined);
    }
  }

  /** Settles the possible moves, deletes the rows that are gone, marks the location indexed. */
  async finish(): Promise<void> {
    const waiting = this.maybeMoved;
    this.maybeMoved = [];
    const late: MaybeMoved[] = [];
    for (const m of waiting) {
      if (m.hashed) continue;
      const stat = m.item.stat!;
      const match = this.firstGone(this.store.withStat(stat.ino, stat.size, stat.mtime), false);
      if (match && !this.moved.has(match.id)) {
        this.moved.add(match.id);
        this.renamed.add(match.id);
        this.push({ t: "rename", item: m.item, row: match });
      } else late.push(m);
    }
    const outcomes = await this.hash(late.map((m) => m.item));
    late.forEach((m, i) => {
      const o = outcomes[i];
      if (o.ok) m.hashed = o;
      else this.push({ t: "bad", item: m.item, row: undefined, error: o.error });
    });
    const copies = waiting.filter((m) => m.hashed).sort((a, b) => a.seq - b.seq);
    for (const { item, hashed } of copies) {
      const twin = this.firstGone(this.store.withContent(hashed!.contentUuid), true);
      if (twin && !this.moved.has(twin.id)) {
        this.moved.add(twin.id);
        this.push({ t: "file", item, row: twin, hashed: hashed!, as: "moved" });
      } else this.push({ t: "file", item, row: undefined, hashed: hashed!, as: "added" });
    }
    this.flush();
    for (let after = 0; ;) {
      const rows = this.store.rowsAfter(after, this.batch);
      if (rows.length === 0) break;
      after = rows[rows.length - 1].id;
      this.library.transaction(() => {
        for (const row of rows) {
          if (this.seen.has(row.id) || this.moved.has(row.id)) continue;
          this.store.remove(row.uuid);
          if (!row.is_dir) this.summary.deleted += 1;
        }
      });
    }
    this.store.markIndexed();
    await this.mediaOfWritten();
  }

  /** The newest row of `rows` the walk did not meet (and, for copies, no rename took): what the rule picks. */
  private firstGone(rows: LocationRow[], notRenamed: boolean): LocationRow | undefined {
    return rows.find((r) => !this.seen.has(r.id) && !(notRenamed && this.renamed.has(r.id)));
  }

  private settle(item: WalkItem): void {
    if (item.type === "symlink" && !item.error) {
      this.summary.skipped += 1;
      return;
    }
    const row = this.store.hadEntries ? this.store.at(item.rel) : undefined;
    if (row) this.seen.add(row.id);
    if (item.type === "dir") return this.push({ t: "dir", item, row });
    const stat = item.stat;
    if (item.error || item.type !== "file" || !stat) return this.push({ t: "bad", item, row, error: item.error ?? "not a regular file" });
    if (row && !row.is_dir && row.content_identity_uuid && row.size === stat.size && row.modified_at === stat.mtime && row.inode === stat.ino) {
      this.summary.unchanged += 1;
      return;
    }
    const seq = this.seq++;
    if (!row && this.store.hadEntries && this.firstGone(this.store.withStat(stat.ino, stat.size, stat.mtime), false)) {
      this.maybeMoved.push({ item, seq, hashed: null });
      return;
    }
    this.toHash.push({ item, row, seq });
  }

  /** Sends the files waiting to the reader (once fewer than IN_FLIGHT lists are out); they are settled in order. */
  private async hashQueued(): Promise<void> {
    if (this.toHash.length === 0) return;
    while (this.inFlight.length >= IN_FLIGHT) await this.inFlight.shift();
    const files = this.toHash;
    this.toHash = [];
    this.chunk = Math.min(HASH_CHUNK, this.chunk * 2);
    const previous = this.inFlight.at(-1);
    const reading = this.hash(files.map((f) => f.item));
    const settled = (previous ? previous.then(() => reading) : reading).then((outcomes) => this.settleHashed(files, outcomes));
    // Awaited in turn above or at the end of the walk; a failure is thrown there, not unhandled here.
    settled.catch(() => undefined);
    this.inFlight.push(settled);
  }

  private settleHashed(files: Array<{ item: WalkItem; row: LocationRow | undefined; seq: number }>, outcomes: HashOutcome[]): void {
    files.forEach(({ item, row, seq }, i) => {
      const o = outcomes[i];
      if (!o.ok) return this.push({ t: "bad", item, row, error: o.error });
      // Empty files are never taken for moved ones; any other new file may be a copy of a row that is gone.
      if (!row && this.store.hadEntries && item.stat!.size > 0 && this.firstGone(this.store.withContent(o.contentUuid), false)) {
        this.maybeMoved.push({ item, seq, hashed: o });
      } else this.push({ t: "file", item, row, hashed: o, as: row ? "updated" : "added" });
    });
  }

  private hash(items: WalkItem[]): Promise<HashOutcome[]> {
    this.queued += items.length;
    return this.pool.hashAll(items.map((i) => ({ abs: i.abs, name: i.name, size: i.stat!.size })), (index) => {
      this.hashed += 1;
      this.options.onProgress?.({ done: this.hashed, total: this.queued, path: items[index].rel });
    }, this.options.sampledHashing ?? true);
  }

  private push(op: Op): void {
    this.ops.push(op);
    if (this.ops.length >= this.batch) this.flush();
  }

  /** Writes the waiting ops in one transaction. */
  private flush(): void {
    if (this.ops.length === 0) return;
    const ops = this.ops;
    this.ops = [];
    this.library.transaction(() => {
      for (const op of ops) this.write(op);
    });
  }

  private write(op: Op): void {
    const s = this.summary;
    const { item } = op;
    switch (op.t) {
      case "dir":
        this.upsert(item, op.row, "directory", true, null, item.error);
        if (item.error) this.problem(item, item.error);
        s.directories += 1;
        return;
      case "bad":
        this.upsert(item, op.row, kindFromExtension(extensionOf(item.name)), false, null, op.error);
        this.problem(item, op.error);
        return;
      case "rename":
        this.upsert(item, op.row, op.row.kind, false, op.row.content_identity_uuid, nameError(item));
        s.moved += 1;
        return;
      case "file": {
        const h = op.hashed;
        this.store.content({ uuid: h.contentUuid, hash: h.hash, hashKind: h.hashKind, size: item.stat!.size, kind: h.kind }, this.now);
        s.hashedBytes += h.bytesRead;
        s[op.as] += 1;
        const error = nameError(item);
        if (error) this.problem(item, error);
        const entryUuid = this.upsert(item, op.row, h.kind, false, h.contentUuid, error);
        if (h.kind === "image") this.media.push({ item: { abs: item.abs, rel: item.rel }, contentUuid: blobToUuid(h.contentUuid), entryUuid });
        return;
      }
    }
  }

  private upsert(item: WalkItem, row: LocationRow | undefined, kind: string, isDir: boolean, contentUuid: Buffer | null, error: string | null): Buffer {
    const stat = item.stat;
    const fields = {
      relativePath: item.rel, rawPath: item.raw, name: item.name, extension: isDir ? null : extensionOf(item.name), kind, isDir,
      size: isDir ? 0 : (stat?.size ?? 0), inode: stat?.ino ?? null, modifiedAt: stat?.mtime ?? null, contentUuid, error, hlc: this.library.hlc.now(),
    };
    if (!row) return this.store.insert(fields, this.now);
    this.store.update(row.id, fields, this.now);
    return row.uuid;
  }

  private readonly problem = (item: { rel: string }, error: string): void => {
    this.summary.errors += 1;
    this.summary.problems.push({ path: item.rel, error });
  };

  /** EXIF, thumbnails and OCR of the images written so far (their rows are committed). */
  private async mediaOfWritten(): Promise<void> {
    if (this.media.length === 0) return;
    const jobs = this.media;
    this.media = [];
    const media = this.options.media ?? true;
    if (media) {
      const counts = await processMedia(this.library, jobs, this.problem, this.mediaDone);
      this.summary.exif += counts.exif;
      this.summary.thumbnails += counts.thumbnails;
    }
    this.summary.ocr += await ocrImages(this.library, jobs, this.options.ocr ?? (media ? "documents" : false), this.problem, this.ocrDone);
  }
}
