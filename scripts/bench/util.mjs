// Shared helpers for benchmarks: timing, medians, interleaved A/B runs.
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export async function time(fn) {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

/** Runs `a` and `b` alternately `rounds` times; returns median ms of each. */
export async function interleaved(rounds, a, b) {
  const ta = [];
  const tb = [];
  for (let i = 0; i < rounds; i++) {
    ta.push(await time(a));
    tb.push(await time(b));
  }
  return { a: median(ta), b: median(tb) };
}

export const ms = (v) => `${v < 10 ? v.toFixed(2) : Math.round(v)} ms`;
export const ratio = (a, b) => `${(a / b).toFixed(2)}×`;
