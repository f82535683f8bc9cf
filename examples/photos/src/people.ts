/**
 * Face grouping: each face embedding joins the most similar known person (cosine to the person's
 * centroid, computed by the AssemblyScript kernel on the host) or starts a new one.
 *
 * Thresholds, measured on ../shared/fixtures with MobileFaceNet on UltraFace RFB-320 box crops:
 * the same person in different photos scores 0.56–0.60 (obama2 vs the others; 0.80–0.96 within one
 * photo); different people score at most 0.40 across photos and 0.52 within one group photo.
 * Faces under MIN_FACE_PX are not embedded: crops of 20–30 px upscaled to 112 px all look alike
 * (0.78–0.86 between strangers in a crowd), so they are detected and counted, never grouped.
 */
import type { JobContext, Uuid } from "@sdx/sdk";
import { Person } from "./models.js";

/** Cosine similarity to a person's centroid at or above which a face joins that person. */
export const SAME_PERSON = 0.45;

/** The smallest face box side (original pixels) whose embedding is trusted for grouping. */
export const MIN_FACE_PX = 40;

export function groupable(box: [number, number, number, number]): boolean {
  return Math.min(box[2] - box[0], box[3] - box[1]) >= MIN_FACE_PX;
}

export class PeopleGrouper {
  private constructor(private readonly ctx: JobContext, readonly people: Person[]) {}

  /** The extension's people so far, embeddings loaded. */
  static async load(ctx: JobContext): Promise<PeopleGrouper> {
    const people = await ctx.vdfs().queryModels(Person).collect();
    for (const person of people) await ctx.vdfs().blobs(person).embeddings();
    return new PeopleGrouper(ctx, people);
  }

  /**
   * Puts a face into the most similar person, or a new one, and records the embedding there.
   * `exclude`: people already found in the same photo — two faces of one photo are two people.
   */
  async assign(embedding: number[], exclude: ReadonlySet<Uuid>): Promise<Uuid> {
    const query = Float32Array.from(embedding);
    const dim = query.length;
    let best: Person | undefined;
    if (this.people.length > 0) {
      // An excluded person keeps an all-zero row: its score is 0, below any useful threshold.
      const centroids = new Float32Array(this.people.length * dim);
      this.people.forEach((p, row) => {
        if (!exclude.has(p.id)) centroids.set(centroidOf(p.embeddings ?? [], dim), row * dim);
      });
      const row = await this.ctx.kernel<number>("bestMatchIndex", query, centroids, dim);
      const score = row >= 0 ? await this.ctx.kernel<number>("cosineAt", query, centroids, dim, row) : -1;
      if (score >= SAME_PERSON) best = this.people[row];
    }
    if (!best) {
      best = Object.assign(new Person(), { photoCount: 0, embeddings: [] as number[][] });
      await this.ctx.vdfs().createModel(best);
      this.people.push(best);
    }
    best.embeddings = [...(best.embeddings ?? []), embedding];
    best.photoCount += 1;
    return best.id;
  }

  async save(): Promise<void> {
    for (const person of this.people) await this.ctx.vdfs().updateModel(person);
  }
}

/** Mean of unit vectors, normalised again (a zero vector for a person without embeddings). */
export function centroidOf(embeddings: number[][], dim: number): Float32Array {
  const sum = new Float32Array(dim);
  for (const e of embeddings) e.forEach((v, i) => (sum[i]! += v));
  const norm = Math.sqrt(sum.reduce((s, v) => s + v * v, 0)) || 1;
  return sum.map((v) => v / norm);
}
