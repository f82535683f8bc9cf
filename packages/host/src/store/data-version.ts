/**
 * SQLite's `data_version` of a library connection: it moves whenever another connection (another
 * process, a worker's connection) commits. Watchers such as the UI preview poll it to learn that
 * the library changed without reading any table.
 */
import type { Library } from "./library.js";

export function dataVersion(library: Library): number {
  return library.db.pragma("data_version", { simple: true }) as number;
}
