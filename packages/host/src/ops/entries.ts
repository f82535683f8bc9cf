/**
 * entries.*: the library's files as the extension may see them. Every result is filtered through
 * the read_entries grants (glob and scope); `entries.read` checks the file it actually opens
 * (entry-file.ts): a file replaced since indexing, by a symlink or otherwise, is refused.
 *
 * Only entries with content (indexed files) cross the wire: directories and files that failed to
 * index have no content UUID, which `EntryData` requires.
 */
import path from "node:path";
import picomatch from "picomatch";
import type { EntryData } from "@sdx/sdk";
import { PERMISSION_GLOB_OPTIONS } from "@sdx/sdk/manifest";
import type { OpContext, OpHandlers, OpParsedRequest } from "./context.js";
import { requireReadableEntry } from "./access.js";
import { canonicalPath, isWithin } from "../store/paths.js";
import { entryAbsolutePath, entryPages, locationsOfDevice, pageRowToEntryData, toEntryData, type EntryFilter } from "../store/entries-store.js";
import { notFound, validationFailed } from "../errors.js";
import { readEntryFile } from "./entry-file.js";
import { uuidToBlob } from "../store/uuid.js";

export { MAX_READ_BYTES } from "./entry-file.js";

type QueryRequest = OpParsedRequest<"entries.query">;

interface LocationFilter {
  id: number;
  /** Relative path prefix inside the location; "" for the whole location. */
  prefix: string;
}

function locationFilter(ctx: OpContext, location: NonNullable<QueryRequest["location"]>): LocationFilter {
  const local = location.device.toLowerCase() === ctx.library.deviceUuid;
  const target = local ? canonicalPath(location.path) : path.posix.normalize(location.path);
  const rows = locationsOfDevice(ctx.library, uuidToBlob(location.device));
  const match = rows.filter((r) => isWithin(target, r.path)).sort((a, b) => b.path.length - a.path.length)[0];
  if (!match) throw notFound(`a location containing ${location.path}`);
  ctx.grants.requireReadEntriesUnder(target);
  return { id: match.id, prefix: path.relative(match.path, target).split(path.sep).join("/") };
}

function entryFilter(ctx: OpContext, request: QueryRequest, location: LocationFilter | null): EntryFilter {
  return {
    location: location ?? undefined,
    kinds: request.kinds,
    contentUuid: request.contentUuid ? uuidToBlob(request.contentUuid) : undefined,
    deviceUuid: request.thisDeviceOnly ? ctx.library.deviceUuidBlob : undefined,
    tag: request.tag,
  };
}

function parseCursor(cursor: string | null | undefined): number {
  if (cursor === null || cursor === undefined) return 0;
  if (!/^\d{1,15}$/.test(cursor)) throw validationFailed("entries.query: cursor is not one this host returned");
  return Number(cursor);
}

const BATCH = 512;

export const entryOps: OpHandlers = {
  "entries.query": (ctx, request) => {
    ctx.grants.requireReadEntries("query entries");
    const location = request.location ? locationFilter(ctx, request.location) : null;
    const glob = request.glob ? picomatch(request.glob, PERMISSION_GLOB_OPTIONS) : null;
    const globAbsolute = request.glob?.startsWith("/") ?? false;
    const page = entryPages(ctx.library, entryFilter(ctx, request, location));
    const want = request.countOnly ? Infinity : request.limit;
    const entries: EntryData[] = [];
    let count = 0;
    let after = parseCursor(request.cursor);
    let more = true;
    scan: while (count < want) {
      const rows = page(after, BATCH);
      for (let i = 0; i < rows.length; i++) {
        const row = rows[i];
        after = row.id;
        const absolute = entryAbsolutePath(row);
        if (glob && !glob(globAbsolute ? absolute : row.relative_path)) continue;
        if (!ctx.grants.canReadEntry(absolute, row.relative_path)) continue;
        count += 1;
        if (!request.countOnly) entries.push(pageRowToEntryData(row, absolute));
        if (count >= want) {
          more = i < rows.length - 1 || rows.length === BATCH;
          break scan;
        }
      }
      if (rows.length < BATCH) {
        more = false;
        break;
      }
    }
    if (request.countOnly) return { entries: [], nextCursor: null, count };
    return { entries, nextCursor: more ? String(after) : null };
  },

  "entries.get": (ctx, request) => {
    const row = requireReadableEntry(ctx, request.entryUuid);
    return { entry: toEntryData(row) };
  },

  "entries.read": async (ctx, request) => {
    const row = requireReadableEntry(ctx, request.entryUuid);
    if (row.is_dir) throw validationFailed(`entry ${request.entryUuid} is a directory`);
    const bytes = await readEntryFile(ctx, row, `entry ${request.entryUuid}`);
    return { bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
  },
};
