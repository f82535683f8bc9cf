/** The Photos extension's data (spec §2): what it stores about photos, people, places and moments. */
import { model, blobData, type Uuid, type Timestamp } from "@sdx/sdk";

/** A face box in original-image pixels, with the detector's confidence. */
export interface FaceDetection {
  box: [number, number, number, number];
  score: number;
  /** The Person this face was grouped into, when embeddings are available. */
  personId?: Uuid;
}

/** A trait of the pixels (brightness, colour, orientation) from simple statistics, not a scene model (pixels.ts). */
export interface PixelTrait {
  label: string;
  confidence: number;
}

/** Attached to the content: the same photo at different paths has one analysis. */
@model({ version: "1.0.0", scope: "content", sync: "shared" })
export class PhotoAnalysis {
  id!: Uuid;
  faceCount!: number;
  pixelTraits!: PixelTrait[];
  identifiedPeople!: Uuid[];
  takenAt?: Timestamp;
  latitude?: number;
  longitude?: number;
  /** Why the pixels were not analyzed (e.g. an undecodable HEIC); time and place still come from EXIF. */
  problem?: string;
  /** From the user's language model, when one is configured. */
  caption?: string;
  @blobData({ compression: "zstd", lazy: true })
  detectedFaces?: FaceDetection[];
}

/** A person, grouped from face embeddings. */
@model({ version: "1.0.0", scope: "standalone", sync: "shared" })
export class Person {
  id!: Uuid;
  name?: string;
  photoCount!: number;
  @blobData({ compression: "zstd", lazy: true })
  embeddings?: number[][];
}

/** A user-visible album: references content, so it survives moves and device changes. */
@model({ version: "1.0.0", scope: "standalone", sync: "shared" })
export class Album {
  id!: Uuid;
  name!: string;
  contentIds!: Uuid[];
}

/** A cluster of photo locations. */
@model({ version: "1.0.0", scope: "standalone", sync: "shared" })
export class Place {
  id!: Uuid;
  name!: string;
  latitude!: number;
  longitude!: number;
  radiusMeters!: number;
  photoCount!: number;
  /** The photos in this place (content ids, so copies of a photo count once). */
  contentIds!: Uuid[];
}

/** Photos close in time and place. */
@model({ version: "1.0.0", scope: "standalone", sync: "shared" })
export class Moment {
  id!: Uuid;
  title!: string;
  startsAt!: Timestamp;
  endsAt!: Timestamp;
  placeId?: Uuid;
  contentIds!: Uuid[];
}

/**
 * How far this device got with one file (its path here): `analyzed`, or why its pixels could not be
 * read. Entry-scoped and device-owned: another device with the same photo has its own.
 */
@model({ version: "1.0.0", scope: "entry", sync: "device_owned" })
export class LocalEditState {
  id!: Uuid;
  processingState!: string;
}
