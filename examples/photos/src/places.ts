/**
 * Places (GPS clustered within 2 km, tagged `#place:<lat>,<lon>`) and moments (photos within 3 h
 * of each other at the same place), rebuilt from every PhotoAnalysis at the end of analyzePhotos.
 */
import type { JobContext, Uuid } from "@sdx/sdk";
import { clusterPlaces, groupMoments } from "./geo.js";
import { Moment, PhotoAnalysis, Place } from "./models.js";

export async function rebuildPlacesAndMoments(ctx: JobContext): Promise<{ places: number; moments: number }> {
  const vdfs = ctx.vdfs();
  const analyses = await vdfs.queryModels(PhotoAnalysis).selectInlineOnly().collect();
  const located = analyses.filter((a) => typeof a.latitude === "number" && typeof a.longitude === "number")
    .map((a) => ({ latitude: a.latitude!, longitude: a.longitude!, analysis: a }));
  for (const old of await vdfs.queryModels(Place).collect()) await vdfs.deleteModel(Place, old.id);
  for (const old of await vdfs.queryModels(Moment).collect()) await vdfs.deleteModel(Moment, old.id);
  const clusters = clusterPlaces(located);
  const placeOf = new Map<PhotoAnalysis, Place>();
  for (const cluster of clusters) {
    const place = Object.assign(new Place(), {
      name: `${cluster.center.latitude.toFixed(2)}, ${cluster.center.longitude.toFixed(2)}`,
      latitude: cluster.center.latitude, longitude: cluster.center.longitude,
      radiusMeters: Math.round(cluster.radiusMeters), photoCount: cluster.members.length,
      contentIds: cluster.members.map((m) => contentOf(vdfs, m.analysis)),
    });
    await vdfs.createModel(place);
    for (const member of cluster.members) placeOf.set(member.analysis, place);
  }
  // `#place:` tags follow the clusters, whose centres (and so names) move as photos are added.
  for (const analysis of located.map((l) => l.analysis)) {
    const content = contentOf(vdfs, analysis);
    const tag = `#place:${placeOf.get(analysis)!.name.replace(", ", ",")}`;
    for (const old of await vdfs.tagsOf({ content })) if (old.startsWith("#place:") && old !== tag) await vdfs.removeTag({ content }, old);
    await vdfs.addTagToContent(content, tag);
  }
  const timed = analyses.filter((a) => a.takenAt).map((a) => ({ takenAt: a.takenAt!, placeKey: placeOf.get(a)?.id ?? null, analysis: a }));
  const groups = groupMoments(timed);
  for (const group of groups) {
    const moment = Object.assign(new Moment(), {
      title: `${group[0]!.takenAt.slice(0, 10)}${group[0]!.placeKey ? ` at ${placeOf.get(group[0]!.analysis)?.name}` : ""}`,
      startsAt: group[0]!.takenAt, endsAt: group.at(-1)!.takenAt,
      contentIds: group.map((g) => contentOf(vdfs, g.analysis)),
      ...(group[0]!.placeKey ? { placeId: group[0]!.placeKey } : {}),
    });
    await vdfs.createModel(moment);
  }
  return { places: clusters.length, moments: groups.length };
}

/** The content a content-scoped model is attached to. */
function contentOf(vdfs: ReturnType<JobContext["vdfs"]>, model: object): Uuid {
  const scope = vdfs.scopeOf(model);
  if (!scope || !("content" in scope)) throw new Error("expected a content-scoped model");
  return scope.content;
}
