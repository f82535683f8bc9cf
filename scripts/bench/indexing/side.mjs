// One side of the indexing comparison, alone in its own process so that its peak RSS
// (the whole process: V8 heap, SQLite, buffers) is its own:
// `node side.mjs <indexer|baseline> <files> <fresh library dir>`. Prints one JSON line: entries
// written, wall and CPU time (every thread of the process) of the indexing alone, peak RSS, and a
// fingerprint of the rows (path, kind, size, content hash, …) to show both sides wrote the same.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { Library } from "../../../packages/host/dist/store/library.js";
import { indexLocation } from "../../../packages/host/dist/core/indexer/indexer.js";
import { minimalIndex } from "./baseline.mjs";

const [side, files, libraryDir] = process.argv.slice(2);
const library = Library.open(libraryDir);
const cpu0 = process.cpuUsage();
const t0 = performance.now();
let entries;
if (side === "indexer") {
  const summary = await indexLocation(library, files);
  entries = summary.added + summary.directories;
} else if (side === "baseline") {
  entries = await minimalIndex(library, files);
} else throw new Error(`unknown side ${side}`);
const wallMs = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const maxRssKb = peakRssKb();
const fingerprint = createHash("sha256");
const rows = library.db.prepare(`SELECT e.relative_path, e.raw_path, e.name, e.extension, e.kind, e.is_dir, e.size, e.inode, e.modified_at, e.error,
    hex(e.content_identity_uuid) AS content, c.content_hash, c.hash_kind, c.size AS content_size, c.kind AS content_kind
  FROM entries e LEFT JOIN content_identities c ON c.uuid = e.content_identity_uuid ORDER BY e.relative_path`);
for (const row of rows.iterate()) fingerprint.update(JSON.stringify(row));
library.close();
process.stdout.write(`${JSON.stringify({ side, entries, wallMs, cpuMs: (cpu.user + cpu.system) / 1000, maxRssKb, fingerprint: fingerprint.digest("hex") })}\n`);

/**
 * This process's peak RSS. On Linux from /proc/self/status (VmHWM, this program's own memory):
 * getrusage's maxRSS keeps the high-water mark of the process it was forked from across exec, so
 * under `npm run bench` every side reported the bench process's own peak (371 MiB for each).
 */
function peakRssKb() {
  try {
    const hwm = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync("/proc/self/status", "utf8"));
    if (hwm) return Number(hwm[1]);
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS;
}
