/**
 * The library's host operations (entries, models, tags, collections, sidecars, custom metadata,
 * files) in one table. Which of them write is the op table's business (`effectOf` in the protocol); refusals
 * and failed writes are reported by the dispatcher; successful mutations publish their events from
 * inside their handlers' transactions.
 */
import type { OpHandlers } from "./context.js";
import { collectionOps } from "./collections.js";
import { entryOps } from "./entries.js";
import { fileOps } from "./files.js";
import { metadataOps } from "./metadata.js";
import { modelOps } from "./models.js";
import { queryOps } from "./queries.js";
import { sidecarOps } from "./sidecars.js";
import { tagOps } from "./tags.js";

export const libraryOps: OpHandlers = { ...entryOps, ...modelOps, ...tagOps, ...collectionOps, ...sidecarOps, ...metadataOps, ...fileOps, ...queryOps };
