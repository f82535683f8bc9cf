/** Agent memory (temporal, associative, working) over `library.db`, and the agent trail. */
export { memoryStore, MemoryStore } from "../../store/memory/store.js";
export { resolveField, type ResolvedField, type MemoryKind } from "./fields.js";
export { TemporalStore, type TemporalQuery, type TemporalEvent, DEFAULT_TEMPORAL_LIMIT, MAX_TEMPORAL_LIMIT } from "./temporal.js";
export { AssociativeStore, type SimilarItem, type Neighbour, MAX_K } from "./associative.js";
export { WorkingStore } from "./working.js";
export {
  appendTrail, levelEnabled, trailDir, trailFile, trailLevelOf, TRACE_LEVEL, TRAIL_LEVELS,
  DEFAULT_TRAIL_KEEP, DEFAULT_TRAIL_MAX_BYTES, type TrailLevel, type TrailOptions, type TrailRecord,
} from "./trail.js";
export { readTrail, type ReadTrailOptions } from "./trail-reader.js";
