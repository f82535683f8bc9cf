/**
 * The agent's associative memory of people (spec §4, `knowledge`): one node per `Person`, its
 * vector the centroid of the person's face embeddings, and weighted edges between people who
 * appear in the same photos (weight = photos together). Brought up to date by `onJobCompleted`
 * after each analysis; `knowledge.querySimilar(faceEmbedding, k)` answers "who looks like this
 * face?", `knowledge.neighbours(node)` "who is photographed with whom".
 */
import type { AgentContext, Uuid } from "@sdx/sdk";
import type { PhotosMind } from "./mind.js";
import { PhotoAnalysis, Person } from "./models.js";
import { centroidOf } from "./people.js";

/** Adds the people not yet in `knowledge` and sets the co-occurrence edges; returns the number of people known. */
export async function rememberPeople(ctx: AgentContext, mind: PhotosMind): Promise<number> {
  const vdfs = ctx.vdfs();
  const nodeOf = new Map<Uuid, Uuid>();
  for (const person of await vdfs.queryModels(Person).collect()) {
    const embeddings = (await vdfs.blobs(person).embeddings()) ?? [];
    if (embeddings.length === 0) continue;
    const centroid = centroidOf(embeddings, embeddings[0]!.length);
    // Already known: the nearest node is this person (the centroid may have moved a little since).
    const [nearest] = await mind.knowledge.querySimilar(centroid, 1);
    nodeOf.set(person.id, nearest?.payload.personId === person.id ? nearest.id : await mind.knowledge.remember(centroid, { personId: person.id }));
  }
  const together = new Map<string, number>();
  for (const analysis of await vdfs.queryModels(PhotoAnalysis).selectInlineOnly().collect()) {
    const people = analysis.identifiedPeople.filter((id) => nodeOf.has(id)).sort();
    for (const [i, a] of people.entries()) for (const b of people.slice(i + 1)) together.set(`${a} ${b}`, (together.get(`${a} ${b}`) ?? 0) + 1);
  }
  for (const [pair, weight] of together) {
    const [a, b] = pair.split(" ") as [Uuid, Uuid];
    await mind.knowledge.link(nodeOf.get(a)!, nodeOf.get(b)!, weight);
    await mind.knowledge.link(nodeOf.get(b)!, nodeOf.get(a)!, weight);
  }
  return nodeOf.size;
}

