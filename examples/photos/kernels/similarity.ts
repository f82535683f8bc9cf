// AssemblyScript kernel: cosine similarity of one embedding against many (row-major), run by the
// host in its own WebAssembly instance (QuickJS cannot run WASM). Embeddings are L2-normalised,
// so cosine is a dot product.

export function bestMatchIndex(query: Float32Array, centroids: Float32Array, dim: i32): i32 {
  const rows = centroids.length / dim;
  let best: i32 = -1;
  let bestScore: f32 = -2;
  for (let r = 0; r < rows; r++) {
    let s: f32 = 0;
    const base = r * dim;
    for (let i = 0; i < dim; i++) s += unchecked(query[i]) * unchecked(centroids[base + i]);
    if (s > bestScore) {
      bestScore = s;
      best = r;
    }
  }
  return best;
}

export function cosineAt(query: Float32Array, centroids: Float32Array, dim: i32, row: i32): f32 {
  let s: f32 = 0;
  const base = row * dim;
  for (let i = 0; i < dim; i++) s += unchecked(query[i]) * unchecked(centroids[base + i]);
  return s;
}
