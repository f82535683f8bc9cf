/** Places from EXIF GPS (greedy clustering by distance) and moments (photos close in time and place). */

export interface GeoPoint {
  latitude: number;
  longitude: number;
}

const EARTH_RADIUS_M = 6_371_000;

export function distanceMeters(a: GeoPoint, b: GeoPoint): number {
  const rad = Math.PI / 180;
  const dLat = (b.latitude - a.latitude) * rad;
  const dLon = (b.longitude - a.longitude) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.latitude * rad) * Math.cos(b.latitude * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

export interface Cluster<T extends GeoPoint> {
  center: GeoPoint;
  members: T[];
  radiusMeters: number;
}

/** Greedy clustering: a point joins the first cluster whose centre is within `maxMeters`. Order-stable. */
export function clusterPlaces<T extends GeoPoint>(points: T[], maxMeters = 2_000): Array<Cluster<T>> {
  const clusters: Array<Cluster<T>> = [];
  for (const point of points) {
    const home = clusters.find((c) => distanceMeters(c.center, point) <= maxMeters);
    if (!home) {
      clusters.push({ center: { latitude: point.latitude, longitude: point.longitude }, members: [point], radiusMeters: 0 });
      continue;
    }
    home.members.push(point);
    const n = home.members.length;
    home.center = {
      latitude: home.center.latitude + (point.latitude - home.center.latitude) / n,
      longitude: home.center.longitude + (point.longitude - home.center.longitude) / n,
    };
    home.radiusMeters = Math.max(...home.members.map((m) => distanceMeters(home.center, m)));
  }
  return clusters;
}

/** Splits time-sorted items into moments wherever the gap exceeds `maxGapMs` or the place changes. */
export function groupMoments<T extends { takenAt: string; placeKey: string | null }>(items: T[], maxGapMs = 3 * 3600_000): T[][] {
  const sorted = [...items].sort((a, b) => a.takenAt.localeCompare(b.takenAt));
  const moments: T[][] = [];
  for (const item of sorted) {
    const current = moments.at(-1);
    const last = current?.at(-1);
    if (current && last && Date.parse(item.takenAt) - Date.parse(last.takenAt) <= maxGapMs && item.placeKey === last.placeKey) current.push(item);
    else moments.push([item]);
  }
  return moments;
}
