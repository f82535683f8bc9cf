// AssemblyScript: similarity over float32 embeddings laid out row-major (`rows` holds
// rows.length / dim vectors of `dim` floats). For L2-normalised embeddings the dot product is the
// cosine similarity.

/** Dot product of `a` and `b` over the shorter length. */
export function dot(a: Float32Array, b: Float32Array): f32 {
  const n = min(a.length, b.length);
  let s: f32 = 0;
  for (let i = 0; i < n; i++) s += unchecked(a[i]) * unchecked(b[i]);
  return s;
}

/** Dot product of `query` with row `row` of `rows`. */
export function cosineAt(query: Float32Array, rows: Float32Array, dim: i32, row: i32): f32 {
  const base = row * dim;
  if (dim > query.length || row < 0 || base + dim > rows.length) return 0;
  let s: f32 = 0;
  for (let i = 0; i < dim; i++) s += unchecked(query[i]) * unchecked(rows[base + i]);
  return s;
}

/** Index of the row of `rows` with the highest dot product with `query`; -1 when there is none. */
export function bestMatchIndex(query: Float32Array, rows: Float32Array, dim: i32): i32 {
  if (dim <= 0 || dim > query.length) return -1;
  const count = rows.length / dim;
  let best: i32 = -1;
  let bestScore: f32 = -Infinity;
  for (let r = 0; r < count; r++) {
    const base = r * dim;
    let s: f32 = 0;
    for (let i = 0; i < dim; i++) s += unchecked(query[i]) * unchecked(rows[base + i]);
    if (s > bestScore) {
      bestScore = s;
      best = r;
    }
  }
  return best;
}
