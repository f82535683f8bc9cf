// Issue 7: associative memory, kNN over 100k × 512-d vectors (sqlite-vec) vs a tuned brute-force JS
// scan, interleaved query by query. The benchmark itself is packages/host/bench/memory.bench.mjs
// (it exports run() in the section format); this file adds the goal to its notes. Env: BENCH_N,
// BENCH_D, BENCH_K, BENCH_Q as there. Needs the built dist/.
import { run as memoryBench } from "../../packages/host/bench/memory.bench.mjs";

export async function run() {
  const section = await memoryBench();
  const { knn } = section.result;
  const met = knn.sqliteVec.medianMs <= knn.goalMs;
  return {
    ...section,
    description: `\`node scripts/bench.mjs memory\`. ${section.description}`,
    header: [...section.header, "vs brute force"],
    rows: section.rows.map((row, i) => [...row, i === 0 ? (knn.speedup >= 1 ? `${knn.speedup}× faster` : `${(1 / knn.speedup).toFixed(2)}× slower`) : "1.00×"]),
    goals: [{ measure: "kNN (k=10) over 100,000 × 512-d vectors, median", goal: `≤ ${knn.goalMs} ms/query`, result: `${knn.sqliteVec.medianMs} ms`, met }],
    notes: `${section.notes} Goal ≤ ${knn.goalMs} ms/query: ${met ? "met" : "**not met**"}.`,
  };
}
