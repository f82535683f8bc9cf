/**
 * Accuracy measures for OCR output (tests, the real-world suite, benchmarks): Levenshtein edit
 * distance and the character error rate (CER = edits / length of the expected text).
 */

/** Case folded, punctuation dropped, runs of whitespace as one space. */
export function normalizeText(text: string): string {
  return text.toLowerCase().replace(/[^\p{L}\p{N}\s]/gu, "").replace(/\s+/g, " ").trim();
}

/** Insertions, deletions and substitutions (by UTF-16 unit) turning `a` into `b`. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

/** Character error rate of `actual` against `expected` (0 = exact). */
export function characterErrorRate(expected: string, actual: string): number {
  return expected.length === 0 ? (actual.length === 0 ? 0 : 1) : editDistance(expected, actual) / expected.length;
}
