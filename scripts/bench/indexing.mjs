// Issue 12: indexing small files, the indexer vs the least a correct indexer has to do
// (indexing/baseline.mjs: one synchronous walk + BLAKE3 (hash-wasm, the same sampling rule) +
// the same rows, committed every INDEX_BATCH entries on the library's own connection, so the
// same durability). Each side runs alone in a fresh process on a fresh library
// (indexing/side.mjs), so its peak RSS is its own; the sides alternate, on three tree sizes, and
// the rows both wrote are compared (a fingerprint of every column that does not depend on time
// or chance). Memory per file is the growth of peak RSS between consecutive sizes.
// Needs the built dist/ (`npx tsc -b tsconfig.build.json`).
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { median, ms } from "./util.mjs";

const SIZES = (process.env.SDX_BENCH_INDEX_SIZES ?? "10000,50000,100000").split(",").map(Number);
const ROUNDS = Number(process.env.SDX_BENCH_INDEX_ROUNDS ?? 2);
const PER_FOLDER = 100;
const SIDE = fileURLToPath(new URL("./indexing/side.mjs", import.meta.url));

/** `count` distinct text files of 200–2000 bytes, PER_FOLDER to a folder (as library.mjs makes them). */
function generateFiles(dir, count) {
  let seed = 7;
  const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  for (let d = 0; d < count / PER_FOLDER; d++) {
    mkdirSync(join(dir, `d${d}`), { recursive: true });
    for (let f = 0; f < PER_FOLDER; f++) {
      const words = Array.from({ length: 30 + Math.floor(rand() * 270) }, () => rand().toString(36).slice(2, 7));
      writeFileSync(join(dir, `d${d}`, `note-${f}.txt`), `file ${d}/${f}\n${words.join(" ")}\n`);
    }
  }
}

function side(work, name, files, round) {
  const library = join(work, `lib-${name}-${round}`);
  const out = JSON.parse(execFileSync(process.execPath, [SIDE, name, files, library], { encoding: "utf8" }));
  rmSync(library, { recursive: true, force: true });
  return out;
}

/** Both sides, alternating which goes first; throws if they wrote different rows. */
function measure(work, count) {
  const files = join(work, `files-${count}`);
  generateFiles(files, count);
  const runs = { indexer: [], baseline: [] };
  side(work, "baseline", files, "warm"); // the page cache holds the tree for both sides
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of round % 2 ? ["baseline", "indexer"] : ["indexer", "baseline"]) runs[name].push(side(work, name, files, round));
  }
  const [a, b] = [runs.indexer[0], runs.baseline[0]];
  if (a.fingerprint !== b.fingerprint || a.entries !== b.entries) throw new Error(`indexing ${count} files: the indexer and the baseline wrote different rows`);
  rmSync(files, { recursive: true, force: true });
  const pick = (name, key) => median(runs[name].map((r) => r[key]));
  return {
    count, entries: a.entries,
    indexer: { wallMs: pick("indexer", "wallMs"), cpuMs: pick("indexer", "cpuMs"), rssKb: pick("indexer", "maxRssKb") },
    baseline: { wallMs: pick("baseline", "wallMs"), cpuMs: pick("baseline", "cpuMs"), rssKb: pick("baseline", "maxRssKb") },
  };
}

export async function run() {
  const work = mkdtempSync(join(tmpdir(), "sdx-bench-indexing-"));
  const load = loadavg()[0].toFixed(1);
  try {
    const results = SIZES.map((count) => measure(work, count));
    const perSec = (n, v) => `${Math.round(n / (v / 1000)).toLocaleString("en")}/s`;
    const goal = (ok) => (ok ? "met" : "**not met**");
    const rows = [];
    const goals = [];
    for (const r of results) {
      const share = r.baseline.wallMs / r.indexer.wallMs;
      const k = `${r.count / 1000}k`;
      goals.push({ measure: `indexing ${k} small files vs a minimal walk+hash+insert loop`, goal: "≥ 50% of its speed", result: `${Math.round(share * 100)}%`, met: share >= 0.5 });
      rows.push(
        [`index ${k} small files, fresh library: indexer (indexLocation)`, `${ms(r.indexer.wallMs)} (${perSec(r.count, r.indexer.wallMs)}), CPU ${ms(r.indexer.cpuMs)}`,
          `${Math.round(share * 100)}% of the baseline's speed (CPU ${(r.indexer.cpuMs / r.baseline.cpuMs).toFixed(2)}×)`, `≥ 50%: ${goal(share >= 0.5)}`],
        [`index ${k} small files: minimal walk+hash+insert loop`, `${ms(r.baseline.wallMs)} (${perSec(r.count, r.baseline.wallMs)}), CPU ${ms(r.baseline.cpuMs)}`, "100%", ""],
        [`peak RSS at ${k} files: indexer vs baseline`, `${Math.round(r.indexer.rssKb / 1024)} MiB vs ${Math.round(r.baseline.rssKb / 1024)} MiB`, "", ""],
      );
    }
    // Growth of peak RSS per file between consecutive sizes. The first interval includes warm-up
    // (SQLite's page cache, malloc arenas, V8 sizing its heap: the baseline, which keeps nothing
    // per file, grows there too); flat means the last interval is ≤ 256 B per file more than the
    // baseline's.
    for (let i = 1; i < results.length; i++) {
      const [lo, hi] = [results[i - 1], results[i]];
      const perFile = (s) => ((hi[s].rssKb - lo[s].rssKb) * 1024) / (hi.count - lo.count);
      const last = i === results.length - 1;
      if (last) goals.push({ measure: `peak RSS growth per file, ${lo.count / 1000}k → ${hi.count / 1000}k files`, goal: "flat (≤ baseline + 256 B)", result: `${Math.round(perFile("indexer"))} B vs ${Math.round(perFile("baseline"))} B`, met: perFile("indexer") <= perFile("baseline") + 256 });
      rows.push([`peak RSS growth per file, ${lo.count / 1000}k → ${hi.count / 1000}k files: indexer vs baseline`, `${Math.round(perFile("indexer"))} B vs ${Math.round(perFile("baseline"))} B`,
        "", last ? `flat in the number of files: ${goal(perFile("indexer") <= perFile("baseline") + 256)}` : ""]);
    }
    return {
      title: "Indexing small files: the indexer vs a minimal walk + hash + insert loop",
      description: `\`node scripts/bench.mjs indexing\`. Generated text files of 200–2000 bytes, ${PER_FOLDER} to a folder; each side in its own process on a fresh library (medians of ${ROUNDS} alternating rounds after a warm-up that fills the page cache). Load average when the section started: ${load} (the machine is shared).`,
      header: ["measure", "result", "comparison", "goal"],
      rows,
      goals,
      notes: "Both sides walk the tree the same way (names as bytes, sorted, depth first, lstat of every entry, symlinks not followed), read and hash every file with hash-wasm BLAKE3 (whole up to 10 MiB, else the sampled identity), derive the kind from the head and the deterministic content UUID, and write the same content_identities and entries rows (checked: a fingerprint of every row matches), committing every 1,000 entries on the library's connection (WAL, synchronous=NORMAL). The baseline is one synchronous loop with no change detection, progress, per-entry errors or media: the indexer's extra work. The indexer streams the walk and writes in batches, so what it holds does not grow with the tree; RSS per file is the growth of peak RSS (whole process) between consecutive sizes; flat is judged on the last interval (the first includes warm-up, for the baseline too). CPU counts every thread (the indexer reads and hashes on a reader thread).",
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

// `node scripts/bench/indexing.mjs` alone: print the rows.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const section = await run();
  for (const row of section.rows) process.stdout.write(`${row.join(" | ")}\n`);
}
