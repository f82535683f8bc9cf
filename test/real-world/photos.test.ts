/**
 * Issue 6's real-world check: the Photos extension on ../shared/fixtures through the real CLI, the
 * way `npm run demo` drives it: build → install --yes --grant → models install-dir (both models
 * matched by sha256 into a temp models dir) → index faces/ and exif/ → run analyzePhotos on each.
 *
 * Results are read back from library.db with better-sqlite3. `detectedFaces` is a lazy zstd blob:
 * it is decoded with the host's own blob codec from packages/host/dist — the code that wrote
 * it through the CLI — so the test checks the stored boxes and person ids, not only `faceCount`.
 */
import { existsSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeStoredBlob, type StoredBlobRow } from "../../packages/host/dist/store/blobs.js";
import { FIXTURES } from "./fixtures.js";
import { sdx, tempDir } from "../helpers/cli.js";

type Box = [number, number, number, number];
interface ExpectedFaces {
  path: string;
  "version-RFB-320": { count: number; boxes: Array<[number, number, number, number, number]> };
}
interface ExpectedExif {
  path: string;
  sha256: string;
  gpsLatitude: number | null;
  gpsLongitude: number | null;
}
interface Face {
  box: Box;
  score: number;
  personId?: string;
}
interface Analysis {
  faceCount: number;
  identifiedPeople: string[];
  takenAt?: string;
  latitude?: number;
  longitude?: number;
  problem?: string;
}
interface Place {
  name: string;
  latitude: number;
  longitude: number;
  photoCount: number;
  contentIds: string[];
}
interface Summary {
  analyzed: number;
  skipped: number;
  faces: number;
  people: number;
  places: number;
  detecting: boolean;
  grouping: boolean;
  problems: Array<{ name: string; message: string }>;
}
interface RunResult {
  state: string;
  result: Summary | null;
  error: { message: string } | null;
}

const EXTENSION = "com.spacedrive.photos";
const expectedFaces = JSON.parse(readFileSync(join(FIXTURES, "faces/expected_faces.json"), "utf8")) as ExpectedFaces[];
const expectedExif = JSON.parse(readFileSync(join(FIXTURES, "exif/expected_exif.json"), "utf8")) as ExpectedExif[];
const embeddingsRef = JSON.parse(readFileSync(join(FIXTURES, "faces/expected_embeddings.json"), "utf8")) as { identity: Record<string, string> };

/** MobileFaceNet is optional in the fixtures (SOURCES.md): without it faces are detected, not grouped. */
const EMBEDDINGS = existsSync(join(FIXTURES, "models/MobileFaceNet.onnx"));
const work = tempDir("sdx-rw-photos-");
const library = join(work, "library");
const modelsDir = join(work, "models");

/** `sdx --json --models-dir <tmp> …`, offline (the models come from the fixtures, never the network). */
async function cli<T>(args: string[]): Promise<T> {
  const result = await sdx(["--json", "--models-dir", modelsDir, ...args], { env: { SDX_OFFLINE: "1" } });
  if (result.status !== 0) throw new Error(`sdx ${args.join(" ")} exited ${result.status}\n${result.stdout}\n${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

function uuidOf(bytes: Buffer): string {
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function metres(a: { latitude: number; longitude: number }, b: { latitude: number; longitude: number }): number {
  const rad = Math.PI / 180;
  const h = Math.sin(((b.latitude - a.latitude) * rad) / 2) ** 2
    + Math.cos(a.latitude * rad) * Math.cos(b.latitude * rad) * Math.sin(((b.longitude - a.longitude) * rad) / 2) ** 2;
  return 2 * 6_371_000 * Math.asin(Math.min(1, Math.sqrt(h)));
}

function iou(a: number[], b: number[]): number {
  const w = Math.max(0, Math.min(a[2]!, b[2]!) - Math.max(a[0]!, b[0]!));
  const h = Math.max(0, Math.min(a[3]!, b[3]!) - Math.max(a[1]!, b[1]!));
  return (w * h) / ((a[2]! - a[0]!) * (a[3]! - a[1]!) + (b[2]! - b[0]!) * (b[3]! - b[1]!) - w * h);
}

const runs: Record<"faces" | "exif", RunResult> = {} as Record<"faces" | "exif", RunResult>;
let rerun: RunResult;
let installedModels: string[] = [];
let db: Database.Database;
/** Fixture path (e.g. `faces/obama.jpg`) → content uuid. */
const contentOf = new Map<string, string>();
const analysisOf = new Map<string, Analysis>();
const facesOf = new Map<string, Face[]>();
const modelsPerContent = new Map<string, number>();

beforeAll(async () => {
  const build = await cli<{ bundlePath: string }>(["build", fileURLToPath(new URL("../../examples/photos", import.meta.url))]);
  await cli(["install", build.bundlePath, "--library", library, "--grant", join(FIXTURES, "faces"), "--grant", join(FIXTURES, "exif"), "--yes"]);
  installedModels = (await cli<{ installed: Array<{ name: string }> }>(["models", "install-dir", join(FIXTURES, "models")])).installed.map((m) => m.name);
  for (const location of ["faces", "exif"] as const) await cli(["index", join(FIXTURES, location), "--library", library]);
  for (const location of ["faces", "exif"] as const) {
    runs[location] = await cli<RunResult>(["run", EXTENSION, "analyzePhotos", "--library", library, "--param", `location=${join(FIXTURES, location)}`]);
  }
  rerun = await cli<RunResult>(["run", EXTENSION, "analyzePhotos", "--library", library, "--param", `location=${join(FIXTURES, "faces")}`]);

  db = new Database(join(library, "library.db"), { readonly: true });
  const rows = db.prepare(`SELECT l.path AS location, e.relative_path AS path, e.content_identity_uuid AS content
    FROM entries e JOIN locations l ON l.id = e.location_id WHERE e.is_dir = 0`).all() as Array<{ location: string; path: string; content: Buffer }>;
  const locationName = new Map(["faces", "exif"].map((name) => [realpathSync(join(FIXTURES, name)), name]));
  for (const row of rows) contentOf.set(`${locationName.get(row.location)}/${row.path}`, uuidOf(row.content));
  const analyses = db.prepare(`SELECT m.content_identity_uuid AS content, m.data, b.blob_data, b.blob_type, b.compression
    FROM models m LEFT JOIN model_blobs mb ON mb.model_uuid = m.uuid AND mb.blob_key = 'detectedFaces' LEFT JOIN metadata_blobs b ON b.id = mb.blob_id
    WHERE m.extension_id = ? AND m.model_type = 'PhotoAnalysis'`).all(EXTENSION) as Array<StoredBlobRow & { content: Buffer; data: string }>;
  for (const row of analyses) {
    const content = uuidOf(row.content);
    modelsPerContent.set(content, (modelsPerContent.get(content) ?? 0) + 1);
    analysisOf.set(content, JSON.parse(row.data) as Analysis);
    facesOf.set(content, row.blob_data ? ((await decodeStoredBlob(row)) as Face[]) : []);
  }
}, 600_000); // eight CLI runs, three of them face detection over every fixture: minutes on a busy 2-core machine

afterAll(async () => {
  db?.close();
  rmSync(work, { recursive: true, force: true });
});

function models<T>(type: string): T[] {
  return (db.prepare("SELECT data FROM models WHERE extension_id = ? AND model_type = ?").all(EXTENSION, type) as Array<{ data: string }>).map((r) => JSON.parse(r.data) as T);
}

function facesIn(path: string): Face[] {
  const content = contentOf.get(path);
  expect(content, `${path} is indexed`).toBeTruthy();
  return facesOf.get(content!) ?? [];
}

describe("Photos on the real fixtures (sdx build → install → models install-dir → index → run)", () => {
  it("installs both models by sha256 and completes every run, the broken files included", async () => {
    expect(installedModels.sort()).toEqual(EMBEDDINGS ? ["face_detection", "face_embedding"] : ["face_detection"]);
    for (const [location, run] of Object.entries(runs)) {
      expect(run.state, `${location}: ${run.error?.message}`).toBe("completed");
      expect(run.result!.detecting).toBe(true);
      expect(run.result!.grouping).toBe(EMBEDDINGS);
    }
    console.log(`analyzePhotos (explicit runs after indexing; the onNewPhoto hook's jobs did most work): faces/ ${JSON.stringify(runs.faces.result)}; exif/ ${JSON.stringify(runs.exif.result)}`);
  });

  it("finds the faces of expected_faces.json on every photo (count, and boxes within max(4 px, 10% of the face))", async () => {
    const report: string[] = [];
    for (const photo of expectedFaces) {
      const want = photo["version-RFB-320"];
      const found = facesIn(photo.path);
      expect(analysisOf.get(contentOf.get(photo.path)!)?.faceCount, photo.path).toBe(want.count);
      expect(found, photo.path).toHaveLength(want.count);
      for (const box of want.boxes) {
        const best = found.reduce((a, b) => (iou(a.box, box) >= iou(b.box, box) ? a : b));
        const side = Math.max(box[2] - box[0], box[3] - box[1]);
        expect(Math.max(...best.box.map((v, i) => Math.abs(v - box[i]!))), `${photo.path} box ${box.join(",")}`).toBeLessThanOrEqual(Math.max(4, 0.1 * side));
      }
      report.push(`${photo.path.slice(6)} ${found.length}`);
    }
    console.log(`faces per photo (= expected_faces.json RFB-320): ${report.join(", ")}`);
  });

  it("finds no confident face on the documented negatives (exif/gps, exif/camera JPEGs) and the one face of the IPTC example", async () => {
    const negatives = expectedExif.filter((e) => /^exif\/(gps|camera)\/.*\.jpg$/.test(e.path) && !e.path.includes("iptc-agency"));
    const borderline: string[] = [];
    for (const file of negatives) {
      const faces = facesIn(file.path);
      // SOURCES.md counted these with Pillow on the stored (unrotated) pixels; sharp's resampler and
      // the EXIF orientation the host applies can lift a face-like patch just over 0.7, never to a real face's ≥ 0.97.
      for (const face of faces) expect(face.score, `${file.path} ${JSON.stringify(face)}`).toBeLessThan(0.9);
      if (faces.length) borderline.push(`${file.path} ${faces.map((f) => f.score).join(",")}`);
    }
    expect(facesIn("exif/gps/iptc-agency-photographer-example.jpg")).toHaveLength(1);
    console.log(`negatives: ${negatives.length} photos, borderline detections (score < 0.9): ${borderline.join("; ") || "none"}`);
  });

  it("clusters EXIF GPS into places: every place within 2 km of its photos, the three DSCN photos in one", async () => {
    const places = models<Place>("Place");
    const withGps = expectedExif.filter((e) => e.gpsLatitude !== null && e.gpsLongitude !== null);
    const gpsOf = new Map(withGps.map((e) => [contentOf.get(e.path)!, { latitude: e.gpsLatitude!, longitude: e.gpsLongitude! }]));
    const placeOf = new Map<string, Place>();
    for (const place of places) {
      expect(place.photoCount).toBe(place.contentIds.length);
      for (const content of place.contentIds) {
        expect(placeOf.has(content), `${content} is in one place only`).toBe(false);
        placeOf.set(content, place);
        const gps = gpsOf.get(content);
        expect(gps, `place ${place.name} holds a photo without GPS (${content})`).toBeTruthy();
        expect(metres(place, gps!)).toBeLessThanOrEqual(2_000);
      }
    }
    for (const file of withGps) expect(placeOf.has(contentOf.get(file.path)!), `${file.path} has a place`).toBe(true);
    const dscn = withGps.filter((e) => e.path.includes("DSCN")).map((e) => placeOf.get(contentOf.get(e.path)!));
    expect(dscn).toHaveLength(3);
    expect(new Set(dscn).size).toBe(1);
    const tagged = db.prepare(`SELECT t.name FROM tags t JOIN tag_links l ON l.tag_id = t.id JOIN user_metadata u ON u.id = l.metadata_id
      WHERE u.content_identity_uuid = ? AND t.name LIKE '#place:%'`).all(Buffer.from(contentOf.get("exif/gps/DSCN0021.jpg")!.replace(/-/g, ""), "hex")) as Array<{ name: string }>;
    expect(tagged.map((t) => t.name)).toEqual([`#place:${dscn[0]!.name.replace(", ", ",")}`]);
    console.log(`places: ${places.length} (${places.map((p) => `${p.name} ×${p.photoCount}`).join("; ")})`);
  });

  it("gives the byte-identical pair one content identity and one PhotoAnalysis; each analyzed content has exactly one", async () => {
    const a = contentOf.get("exif/gps/Kodak_CX7530.jpg");
    expect(a).toBeTruthy();
    expect(contentOf.get("exif/gps/issue-exifr-36.jpg")).toBe(a);
    expect(modelsPerContent.get(a!)).toBe(1);
    for (const [content, n] of modelsPerContent) expect(n, content).toBe(1);
    const images = new Set([...contentOf.entries()].filter(([path]) => /\.(jpe?g|png|heic)$/i.test(path)).map(([, c]) => c));
    expect(modelsPerContent.size).toBe(images.size);
  });

  it("analyzes or reports the broken-EXIF and undecodable photos without failing the job", async () => {
    // The Photos agent's onNewPhoto hook already ran analyzePhotos during `sdx index`, so the
    // problems are read from the PhotoAnalysis rows, whichever job wrote them.
    const problems = new Map<string, string>();
    for (const file of expectedExif.filter((e) => e.path.startsWith("exif/bad/") || e.path.startsWith("exif/formats/"))) {
      const analysis = analysisOf.get(contentOf.get(file.path)!);
      expect(analysis, `${file.path} has a PhotoAnalysis`).toBeTruthy();
      // Either its pixels were analyzed, or the job reported why (e.g. a HEIC without an HEVC decoder).
      if (analysis!.problem !== undefined) {
        expect(analysis!.problem.length, file.path).toBeGreaterThan(0);
        problems.set(file.path.split("/").at(-1)!, analysis!.problem);
      }
    if (file.gpsLatitude !== null) expect(analysis!.latitude).toBeCloseTo(file.gpsLatitude, 5);
    }
    // GPS IFD with unusable coordinates: no position rather than a wrong one.
    expect(analysisOf.get(contentOf.get("exif/bad/broken1.jpg")!)?.latitude).toBeUndefined();
    // Malformed DateTimeOriginal "2009:09:09 20:27:09.60:04:00": the valid prefix is kept.
    expect(analysisOf.get(contentOf.get("faces/obama2.jpg")!)?.takenAt).toBe("2009-09-09T20:27:09Z");
    console.log(`reported, not analyzed: ${[...problems.keys()].join(", ") || "none"}`);
  });

  it("skips content already analyzed on the next run", async () => {
    expect(rerun.state).toBe("completed");
    expect(rerun.result).toMatchObject({ analyzed: 0, skipped: expectedFaces.length });
  });

  it.skipIf(!EMBEDDINGS)("groups the obama photos into one Person, biden and the unknown people into others", () => {
    const personOf = (key: string): string | undefined => {
      const [file, index] = key.split("#");
      return facesIn(`faces/${file}`)[Number(index ?? 0)]?.personId;
    };
    const labelled = Object.keys(embeddingsRef.identity);
    const obama = labelled.filter((k) => embeddingsRef.identity[k] === "obama").map(personOf);
    expect(obama).toHaveLength(4);
    expect(obama[0]).toBeTruthy();
    expect(new Set(obama).size).toBe(1);
    // Different identities of expected_embeddings.json (biden, unknown_a/b/c) are different people.
    const others = labelled.filter((k) => embeddingsRef.identity[k] !== "obama").map(personOf);
    expect(others.every(Boolean)).toBe(true);
    expect(new Set([obama[0], ...others]).size).toBe(1 + others.length);
    // No face of the other ultraface_* photos joins obama's person.
    for (const photo of expectedFaces.filter((p) => p.path.includes("ultraface"))) {
      for (const face of facesIn(photo.path)) expect(face.personId, photo.path).not.toBe(obama[0]);
    }
    // Two faces of one photo are two people (a crowd of look-alike 25 px crops must not collapse into one).
    for (const [content, faces] of facesOf) {
      const ids = faces.map((f) => f.personId).filter(Boolean);
      expect(new Set(ids).size, `photo ${content}`).toBe(ids.length);
    }
    const person = models<{ photoCount: number }>("Person");
    const obamaAnalyses = labelled.filter((k) => embeddingsRef.identity[k] === "obama").map((k) => analysisOf.get(contentOf.get(`faces/${k}`)!)!);
    for (const a of obamaAnalyses) expect(a.identifiedPeople).toEqual([obama[0]]);
    const allFaces = [...facesOf.values()].flat();
    const grouped = allFaces.filter((f) => f.personId);
    console.log(`people: ${person.length} Person models from ${grouped.length} grouped faces of ${allFaces.length} (faces under 40 px are not grouped); obama's person has ${obamaAnalyses.length} photos, biden and ultraface_5/13 are ${others.length} other people`);
  });
});
