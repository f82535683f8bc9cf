/**
 * `Entry` objects (the host's EntryData plus `read()` and `sidecar()`) and the entry query builder,
 * which pages through the host's `entries.query` cursors so large locations never arrive at once.
 */
import type { EntryQuery } from "../types/context.js";
import type { Entry, EntryData, EntryKind, SdPath } from "../types/data.js";
import { callHost } from "./host.js";
import { trackMethods } from "./floating.js";

const ENTRY_FIELDS = ["uuid", "name", "extension", "kind", "path", "locationUuid", "size", "contentUuid", "modifiedAt"] as const;

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
    for (const field of ENTRY_FIELDS) (this as Record<string, unknown>)[field] = data[field];
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

  async *[Symbol.asyncIterator](): AsyncIterator<Entry> {
    let remaining = this.#state.limit ?? Infinity;
    let cursor: string | null = null;
    while (remaining > 0) {
      const page = await this.#request(Math.min(PAGE_SIZE, remaining), cursor);
      for (const data of page.entries) {
        if (remaining-- <= 0) return;
        yield new GuestEntry(data);
      }
      if (page.nextCursor === null || page.entries.length === 0) return;
      cursor = page.nextCursor;
    }
  }

  async collect(): Promise<Entry[]> {
    const out: Entry[] = [];
    for await (const entry of this) out.push(entry);
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
