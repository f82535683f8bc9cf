/**
 * `Entry` objects (the host's EntryData plus `read()` and `sidecar()`) and the entry query builder,
 * which pages through the host's `entries.query` cursors so large locations never arrive at once.
 */
import type { EntryQuery } from "../types/context.js";
import type { Entry, EntryData, EntryKind, SdPath } from "../types/data.js";
import { callHost } from "./host.js";
import { trackMethods } from "./floating.js";

export const ENTRY_FIELDS = ["uuid", "name", "extension", "kind", "path", "locationUuid", "size", "contentUuid", "modifiedAt"] as const;

/** An entry; its own enumerable properties are exactly the EntryData fields. */
export class GuestEntry implements Entry {
  declare uuid: string;
  declare name: string;
  declare extension: string | null;
  declare kind: EntryKind;
  declare path: SdPath;
  declare locationUuid: string;
  declare size: number;
  declare contentUuid: string;
  declare modifiedAt: string;

  constructor(data: EntryData) {
    // ENTRY_FIELDS, one by one: QuickJS sets named properties ~3× faster than computed ones, and
    // a location's iteration builds one entry per file (entries.test.ts checks the two agree).
    this.uuid = data.uuid;
    this.name = data.name;
    this.extension = data.extension;
    this.kind = data.kind;
    this.path = data.path;
    this.locationUuid = data.locationUuid;
    this.size = data.size;
    this.contentUuid = data.contentUuid;
    this.modifiedAt = data.modifiedAt;
  }

  async read(): Promise<Uint8Array> {
    return (await callHost("entries.read", { entryUuid: this.uuid })).bytes;
  }

  async sidecar<T = unknown>(kind: string): Promise<T | null> {
    const { data } = await callHost("sidecars.read", { contentUuid: this.contentUuid, kind });
    return (data ?? null) as T | null;
  }

  /** Entries cross the boundary (task arguments, results) as their data. */
  toJSON(): EntryData {
    return toEntryData(this);
  }
}

export function toEntryData(entry: EntryData): EntryData {
  const out: Record<string, unknown> = {};
  for (const field of ENTRY_FIELDS) out[field] = entry[field];
  return out as unknown as EntryData;
}

/** Whether a value looks like EntryData (used to rehydrate `Entry` parameters). */
export function isEntryData(value: unknown): value is EntryData {
  if (value === null || typeof value !== "object") return false;
  const v = value as Record<string, unknown>;
  return typeof v.uuid === "string" && typeof v.contentUuid === "string" && typeof v.path === "object" && v.path !== null;
}

export function toEntry(value: EntryData): Entry {
  return value instanceof GuestEntry ? value : new GuestEntry(value);
}

interface EntryQueryState {
  location?: SdPath;
  kinds?: EntryKind[];
  glob?: string;
  contentUuid?: string;
  thisDeviceOnly?: boolean;
  tag?: string;
  limit?: number;
}

const PAGE_SIZE = 500;

/** Immutable builder: each call returns a new query, so a base query can be reused. */
export class EntryQueryImpl implements EntryQuery {
  readonly #state: EntryQueryState;
  constructor(state: EntryQueryState = {}) {
    this.#state = state;
  }

  #with(patch: EntryQueryState): EntryQueryImpl {
    return new EntryQueryImpl({ ...this.#state, ...patch });
  }

  inLocation(location: SdPath): EntryQuery {
    return this.#with({ location: { device: location.device, path: location.path } });
  }
  /** Kinds accumulate: `.ofKind("image").ofKind("video")` matches either. */
  ofKind(...kinds: EntryKind[]): EntryQuery {
    return this.#with({ kinds: [...(this.#state.kinds ?? []), ...kinds] });
  }
  matching(glob: string): EntryQuery {
    if (this.#state.glob !== undefined && this.#state.glob !== glob) {
      // The host takes one pattern; silently keeping one of two would return wrong entries.
      throw new TypeError(`matching() was already called with "${this.#state.glob}"; combine patterns in one glob, e.g. "**/*.{jpg,png}"`);
    }
    return this.#with({ glob });
  }
  whereContentId(contentUuid: string): EntryQuery {
    return this.#with({ contentUuid });
  }
  onThisDevice(): EntryQuery {
    return this.#with({ thisDeviceOnly: true });
  }
  withTag(tag: string): EntryQuery {
    return this.#with({ tag });
  }
  limit(n: number): EntryQuery {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`limit must be a non-negative integer, got ${n}`);
    return this.#with({ limit: n });
  }

  #request(limit: number, cursor: string | null, countOnly?: boolean) {
    const { limit: _ignored, ...filters } = this.#state;
    void _ignored;
    return callHost("entries.query", { ...filters, limit, cursor, countOnly });
  }

  /**
   * Pages through `entries.query`. A hand-written iterator, not an async generator: in QuickJS a
   * generator's `yield` costs three promise jobs per entry, this costs one (and `collect` none).
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<Entry> {
    let remaining = this.#state.limit ?? Infinity;
    let cursor: string | null = null;
    let page: EntryData[] = [];
    let index = 0;
    let last = false;
    let done = false;
    /** The page being fetched: a `next()` meanwhile waits for it, as a generator queues its calls. */
    let fetching: Promise<unknown> | null = null;
    const finished = (): Promise<IteratorResult<Entry>> => {
      done = true;
      return Promise.resolve({ value: undefined, done: true });
    };
    const next = (): Promise<IteratorResult<Entry>> => {
      if (done) return Promise.resolve({ value: undefined, done: true });
      if (fetching) return fetching.then(next, next);
      if (index < page.length) {
        if (remaining-- <= 0) return finished();
        return Promise.resolve({ value: new GuestEntry(page[index++]!), done: false });
      }
      if (last || remaining <= 0) return finished();
      const fetched = this.#request(Math.min(PAGE_SIZE, remaining), cursor).then(
        (result) => {
          fetching = null;
          page = result.entries;
          index = 0;
          if (result.nextCursor === null || result.entries.length === 0) last = true;
          else cursor = result.nextCursor;
        },
        (error: unknown) => {
          fetching = null;
          done = true;
          throw error;
        },
      );
      fetching = fetched;
      return fetched.then(next);
    };
    const iterator: AsyncIterableIterator<Entry> = {
      next,
      return: (value?: unknown) => {
        done = true;
        return Promise.resolve({ value: value as Entry, done: true });
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  async collect(): Promise<Entry[]> {
    // The pages directly, no promise per entry.
    const out: Entry[] = [];
    let remaining = this.#state.limit ?? Infinity;
    let cursor: string | null = null;
    while (remaining > 0) {
      const page = await this.#request(Math.min(PAGE_SIZE, remaining), cursor);
      for (const data of page.entries) {
        if (remaining-- <= 0) return out;
        out.push(new GuestEntry(data));
      }
      if (page.nextCursor === null || page.entries.length === 0) return out;
      cursor = page.nextCursor;
    }
    return out;
  }

  async first(): Promise<Entry | null> {
    if (this.#state.limit === 0) return null;
    const page = await this.#request(1, null);
    return page.entries[0] ? new GuestEntry(page.entries[0]) : null;
  }

  async count(): Promise<number> {
    if (this.#state.limit === 0) return 0;
    const page = await this.#request(1, null, true);
    const total = page.count ?? page.entries.length;
    return this.#state.limit === undefined ? total : Math.min(total, this.#state.limit);
  }
}

// Promises these methods return are tracked: one never awaited that fails fails the invocation.
trackMethods(GuestEntry, "entry");
trackMethods(EntryQueryImpl, "queryEntries()");
