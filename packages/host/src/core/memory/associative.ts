/**
 * `AssociativeMemory<T>`: vectors with payloads, nearest-neighbour search through sqlite-vec, and
 * a small directed graph over the remembered items.
 *
 * - A field's dimension is fixed by its first vector; later vectors and queries must match it.
 *   Vectors must be finite and non-zero (cosine distance is undefined for a zero vector).
 * - `query`: the k nearest by cosine distance (1 − cos, in [0, 2]), nearest first, ties by
 *   insertion order. sqlite-vec scans the (extension, field) partition exactly (vec0 has no
 *   approximate index), so results equal a brute-force scan up to float32 rounding.
 * - Graph: `link(from, to, weight)` sets the weight of the directed edge (re-linking replaces it);
 *   both ends must be items of the same field. `neighbours(id)` lists outgoing edges, heaviest
 *   first. Unknown ids are SDX3008.
 */
import type { ResolvedField } from "./fields.js";
import { toStoredJson } from "./fields.js";
import { notFound, validationFailed } from "../../store/errors.js";
import { assocItemExists, assocNeighbours, insertAssocItem, nearestAssocItems, upsertAssocEdge } from "../../store/memory/associative.js";
import { MAX_DIMENSION } from "../../store/memory/schema.js";
import type { MemoryStore } from "../../store/memory/store.js";
import { blobToUuid, newUuid, uuidToBlob } from "../../store/uuid.js";

/** sqlite-vec's upper bound on k. */
export const MAX_K = 4096;

export interface SimilarItem {
  id: string;
  distance: number;
  payload: unknown;
}

export interface Neighbour {
  id: string;
  weight: number;
  payload: unknown;
}

function checkVector(vector: Float32Array, what: string): void {
  if (!(vector instanceof Float32Array)) throw validationFailed(`${what} must be a Float32Array`);
  if (vector.length < 1 || vector.length > MAX_DIMENSION) throw validationFailed(`${what} must have 1 to ${MAX_DIMENSION} dimensions, got ${vector.length}`);
  let norm = 0;
  for (let i = 0; i < vector.length; i++) {
    const x = vector[i];
    if (!Number.isFinite(x)) throw validationFailed(`${what}[${i}] is ${x}; vectors must be finite`);
    norm += x * x;
  }
  if (norm === 0) throw validationFailed(`${what} is all zeros; cosine distance needs a non-zero vector`);
}

export class AssociativeStore {
  constructor(
    private readonly store: MemoryStore,
    private readonly extensionId: string,
    private readonly field: ResolvedField,
  ) {}

  remember(vector: Float32Array, payload: unknown): string {
    checkVector(vector, "the vector");
    const { text, json } = toStoredJson(payload, "the payload");
    this.field.validate(json, "the payload");
    const state = this.store.field(this.extensionId, this.field);
    const dimension = state.dimension;
    if (dimension !== null && vector.length !== dimension) {
      throw validationFailed(`memory field ${this.field.name} holds ${dimension}-d vectors, got ${vector.length}-d`);
    }
    const table = this.store.vecTable(vector.length);
    const uuid = newUuid();
    try {
      this.store.transaction(() => {
        if (dimension === null) this.store.setDimension(this.extensionId, this.field, vector.length);
        insertAssocItem(this.store, table, this.extensionId, this.field, { uuid: uuidToBlob(uuid), vector, payloadJson: text });
      });
    } catch (error) {
      state.dimension = dimension; // the transaction rolled back the dimension too
      throw error;
    }
    return uuid;
  }

  query(vector: Float32Array, k: number): SimilarItem[] {
    checkVector(vector, "the query vector");
    if (!Number.isInteger(k) || k < 1 || k > MAX_K) throw validationFailed(`k must be an integer from 1 to ${MAX_K}`);
    const { dimension } = this.store.field(this.extensionId, this.field, false);
    if (dimension === null) return [];
    if (vector.length !== dimension) throw validationFailed(`memory field ${this.field.name} holds ${dimension}-d vectors, the query is ${vector.length}-d`);
    const table = this.store.vecTable(dimension);
    const rows = nearestAssocItems(this.store, table, this.extensionId, this.field.name, vector, k);
    return rows.map((r) => ({ id: blobToUuid(r.uuid), distance: r.distance, payload: JSON.parse(r.payload) as unknown }));
  }

  link(from: string, to: string, weight: number): void {
    if (!Number.isFinite(weight)) throw validationFailed("weight must be a finite number");
    const fromBlob = this.requireItem(from);
    const toBlob = this.requireItem(to);
    upsertAssocEdge(this.store, this.extensionId, this.field, fromBlob, toBlob, weight);
  }

  neighbours(id: string): Neighbour[] {
    const blob = this.requireItem(id);
    const rows = assocNeighbours(this.store, this.extensionId, this.field.name, blob);
    return rows.map((r) => ({ id: blobToUuid(r.uuid), weight: r.weight, payload: JSON.parse(r.payload) as unknown }));
  }

  /** The item's UUID blob; SDX3008 unless it belongs to this extension's field. */
  private requireItem(id: string): Buffer {
    const blob = uuidToBlob(id);
    if (!assocItemExists(this.store, this.extensionId, this.field.name, blob)) throw notFound(`memory item ${id} in ${this.field.name}`);
    return blob;
  }
}
