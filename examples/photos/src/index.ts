/**
 * Photos: faces, people, places and moments for the user's photo locations (the spec's
 * demonstration extension). Face detection runs UltraFace through the model registry; face
 * grouping runs MobileFaceNet embeddings through an AssemblyScript similarity kernel.
 */
import {
  extension, job, task, action, actionExecute, agent, agentTrail, Permission, ModelSources, TaskFailed,
  type ActionContext, type ActionPreview, type ActionChange, type AgentContext, type Entry, type ExtensionContext,
  type JobContext, type SdPath, type TaskContext, type Uuid,
} from "@sdx/sdk";
import { PhotosConfig } from "./config.js";
import { PhotosMind } from "./mind.js";
import { Album, LocalEditState, Moment, PhotoAnalysis, Person, Place, type FaceDetection, type SceneTag } from "./models.js";
import { MOBILEFACENET_FAMILY, storedFace, ULTRAFACE_FAMILY } from "./faces.js";
import { clusterPlaces, groupMoments } from "./geo.js";
import { groupable, PeopleGrouper } from "./people.js";

export { PhotosMind, PhotoAnalysis, Person, Album, Place, Moment, LocalEditState };

interface ExifSidecar {
  DateTimeOriginal?: string;
  latitude?: number;
  longitude?: number;
}

/** What prompts/caption.jinja takes. */
export interface CaptionVariables {
  place: string | null;
  taken_at: string | null;
  people: string[];
  scene: string[];
}

export interface AnalyzeSummary {
  detecting: boolean;
  analyzed: number;
  skipped: number;
  faces: number;
  people: number;
  places: number;
  moments: number;
  grouping: boolean;
  /** Photos whose pixels could not be analyzed (e.g. an undecodable HEIC), with the reason. */
  problems: Array<{ name: string; message: string }>;
}

@extension({
  id: "com.spacedrive.photos",
  name: "Photos Manager",
  version: "1.0.0",
  description: "Advanced photo organization with faces and places.",
  minCoreVersion: "2.0.0",
  requiredFeatures: ["ai_models", "exif_extraction"],
  permissions: [
    Permission.readEntries({ glob: "**/*.{jpg,jpeg,png,heic,JPG,JPEG,PNG,HEIC}" }),
    Permission.readSidecars({ kinds: ["exif"] }),
    Permission.writeSidecars({ kinds: ["faces", "places"] }),
    Permission.writeTags(),
    Permission.writeCollections(),
    Permission.useModel({ category: "face_detection", preference: "local" }),
    Permission.useModel({ category: "face_embedding", preference: "local" }),
    Permission.useModel({ category: "llm", preference: "local" }),
    Permission.dispatchJobs(),
  ],
})
@agent()
@agentTrail({ level: "debug", format: "jsonl" })
export class Photos {
  config!: PhotosConfig;

  /**
   * Registers the two models by URL + sha256. The host downloads them at install when the user has
   * consented to that origin (`sdx consent grant com.spacedrive.photos https://github.com`), or later
   * with `sdx models download <name>`; offline, `sdx models add` / `sdx models install-dir` install
   * them from files with the same sha256.
   */
  async init(ctx: ExtensionContext): Promise<void> {
    await ctx.models().register({
      name: "face_detection",
      category: "face_detection",
      source: ModelSources.download({
        url: "https://github.com/Linzaer/Ultra-Light-Fast-Generic-Face-Detector-1MB/raw/master/models/onnx/version-RFB-320.onnx",
        sha256: "34cd7e60aeff28744c657de7a3dc64e872d506741de66987f3426f2b79f88017",
      }),
      family: ULTRAFACE_FAMILY,
    });
    await ctx.models().register({
      name: "face_embedding",
      category: "face_embedding",
      source: ModelSources.download({
        url: "https://github.com/foamliu/MobileFaceNet/raw/master/weights/MobileFaceNet.onnx",
        sha256: "b7120c095d60094f28a4a54ba6a8bf51b297a6273fb40ef6350dfec1f63d9507",
      }),
      family: MOBILEFACENET_FAMILY,
    });
  }

  @task({ retries: 2, timeoutMs: 30_000 })
  async detectFaces(ctx: TaskContext, entry: Entry, threshold: number): Promise<FaceDetection[]> {
    const { faces } = await ctx.ai().fromRegistered("face_detection").detectFaces(entry, { threshold });
    return faces.map(storedFace);
  }

  @task({ retries: 2, timeoutMs: 30_000 })
  async embedFace(ctx: TaskContext, entry: Entry, box: [number, number, number, number]): Promise<number[]> {
    return Array.from(await ctx.ai().fromRegistered("face_embedding").embedFace(entry, box));
  }

  /** Coarse scene tags from pixel statistics (no scene model is bundled): brightness, colour, orientation. */
  @task({ retries: 1, timeoutMs: 10_000 })
  async classifyScene(ctx: TaskContext, entry: Entry): Promise<SceneTag[]> {
    const { tensor, width, height } = await ctx.ai().imageTensor(entry, { width: 16, height: 16, fit: "fill", layout: "nhwc" });
    const px = (await tensor.read()).data as Float32Array;
    let luma = 0;
    let chroma = 0;
    for (let i = 0; i < px.length; i += 3) {
      const [r, g, b] = [px[i]!, px[i + 1]!, px[i + 2]!];
      luma += 0.299 * r + 0.587 * g + 0.114 * b;
      chroma += Math.max(r, g, b) - Math.min(r, g, b);
    }
    const n = px.length / 3;
    luma /= n * 255;
    chroma /= n * 255;
    const round = (v: number) => Math.round(v * 100) / 100;
    return [
      luma > 0.5 ? { label: "bright", confidence: round(luma) } : { label: "dark", confidence: round(1 - luma) },
      chroma > 0.25 ? { label: "colorful", confidence: round(Math.min(1, chroma * 2)) } : { label: "muted", confidence: round(1 - chroma) },
      { label: width >= height ? "landscape" : "portrait", confidence: 1 },
    ];
  }

  /** One caption from the user's language model, through the bundled Jinja template prompts/caption.jinja. */
  @task({ retries: 2, timeoutMs: 120_000 })
  async captionPhoto(ctx: TaskContext, variables: CaptionVariables): Promise<string> {
    const text = await ctx.ai().fromRegistered("caption").generate("", { template: "caption.jinja", variables: { ...variables }, maxTokens: 60 });
    return text.trim();
  }

  @job({ parallelism: 4, trigger: "user_initiated" })
  async analyzePhotos(ctx: JobContext, location: SdPath): Promise<AnalyzeSummary> {
    const vdfs = ctx.vdfs();
    const settings = ctx.config<PhotosConfig>();
    const byContent = new Map<Uuid, Entry>();
    for await (const entry of vdfs.queryEntries().inLocation(location).ofKind("image")) {
      if (!byContent.has(entry.contentUuid)) byContent.set(entry.contentUuid, entry);
    }
    const todo: Entry[] = [];
    for (const [contentUuid, entry] of byContent) {
      if (!(await vdfs.getModelByContent(PhotoAnalysis, contentUuid))) todo.push(entry);
    }
    const detector = settings.faceRecognition ? await ctx.models().get("face_detection") : null;
    const detecting = Boolean(detector?.installed);
    const embedder = detecting ? await ctx.models().get("face_embedding") : null;
    const grouping = Boolean(embedder?.installed);
    if (settings.faceRecognition && !detecting) {
      ctx.log.warn("face detection is off: the face_detection model is not installed (sdx models add face_detection --file version-RFB-320.onnx)");
    } else if (settings.faceRecognition && !grouping) {
      ctx.log.warn("face grouping is off: no face_embedding model is installed (sdx models add face_embedding --file MobileFaceNet.onnx); faces are still detected");
    }

    let done = 0;
    const problems: AnalyzeSummary["problems"] = [];
    await ctx.progress(0, todo.length, "analyzing");
    const analyzed = await Promise.all(todo.map(async (entry) => {
      let faces: FaceDetection[] = [];
      let scenes: SceneTag[] = [];
      let embeddings: Array<number[] | null> = [];
      let problem: string | undefined;
      try {
        faces = detecting ? await ctx.run(this.detectFaces, entry, settings.faceThreshold) : [];
        scenes = await ctx.run(this.classifyScene, entry);
        // Small faces are counted but not embedded (see people.ts); one failed crop leaves one face ungrouped.
        embeddings = grouping ? await Promise.all(faces.map((f) => groupable(f.box) ? ctx.run(this.embedFace, entry, f.box).catch(unlessTaskFailed(null)) : null)) : [];
      } catch (error) {
        // A photo whose pixels cannot be read is reported and still gets its EXIF time and place.
        if (!(error instanceof TaskFailed)) throw error;
        problem = error.message;
        problems.push({ name: entry.name, message: problem });
        ctx.log.warn(`${entry.name}: not analyzed: ${problem}`);
      }
      const exif = await entry.sidecar<ExifSidecar>("exif");
      await ctx.progress(++done, todo.length, entry.name);
      return { entry, faces, scenes, embeddings, exif, problem };
    }));

    // Grouping is sequential: each face is compared with the people found so far, by the
    // AssemblyScript similarity kernel (runs on the host, outside QuickJS).
    const grouper = grouping ? await PeopleGrouper.load(ctx) : null;
    let faceCount = 0;
    for (const item of analyzed) {
      const inPhoto = new Set<Uuid>();
      for (const [i, face] of item.faces.entries()) {
        faceCount++;
        const embedding = item.embeddings[i];
        if (grouper && embedding) inPhoto.add((face.personId = await grouper.assign(embedding, inPhoto)));
      }
    }
    await grouper?.save();

    // Captions only when the user configured a language model named "caption" (sdx models add-endpoint).
    const captioner = settings.captions ? await ctx.models().get("caption") : null;
    const captions = captioner?.installed
      ? await Promise.all(analyzed.map(({ faces, scenes, exif, problem }) => problem ? undefined : ctx.run(this.captionPhoto, {
        place: typeof exif?.latitude === "number" && typeof exif?.longitude === "number" ? `${exif.latitude.toFixed(2)}, ${exif.longitude.toFixed(2)}` : null,
        taken_at: exifTime(exif?.DateTimeOriginal)?.slice(0, 10) ?? null,
        people: [...new Set(faces.map((f) => f.personId).filter((id): id is Uuid => Boolean(id)))].map((id) => `person ${id.slice(0, 8)}`),
        scene: scenes.map((s) => s.label),
      })))
      : [];

    for (const [index, { entry, faces, scenes, exif, problem }] of analyzed.entries()) {
      const caption = captions[index];
      const analysis = Object.assign(new PhotoAnalysis(), {
        faceCount: faces.length,
        sceneTags: scenes,
        identifiedPeople: [...new Set(faces.map((f) => f.personId).filter((id): id is Uuid => Boolean(id)))],
        detectedFaces: faces,
        ...(exifTime(exif?.DateTimeOriginal) ? { takenAt: exifTime(exif?.DateTimeOriginal)! } : {}),
        ...(typeof exif?.latitude === "number" && typeof exif?.longitude === "number" ? { latitude: exif.latitude, longitude: exif.longitude } : {}),
        ...(problem ? { problem } : {}),
        ...(caption ? { caption } : {}),
      });
      await vdfs.createModelForContent(entry.contentUuid, analysis);
      await vdfs.addTagToContent(entry.contentUuid, "#analyzed");
      for (const scene of scenes) await vdfs.addTagToContent(entry.contentUuid, `#scene:${scene.label}`);
      for (const personId of analysis.identifiedPeople) await vdfs.addTagToContent(entry.contentUuid, `#person:${personId.slice(0, 8)}`);
    }
    const { places, moments } = await this.rebuildPlacesAndMoments(ctx);
    return { detecting, analyzed: analyzed.length, skipped: byContent.size - todo.length, faces: faceCount, people: grouper?.people.length ?? 0, places, moments, grouping, problems };
  }

  private async rebuildPlacesAndMoments(ctx: JobContext): Promise<{ places: number; moments: number }> {
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

  @action({ title: "Organize photos into albums" })
  async organizePhotos(ctx: ActionContext, location: SdPath): Promise<ActionPreview> {
    const vdfs = ctx.vdfs();
    const changes: ActionChange[] = [];
    const existing = new Set((await vdfs.queryModels(Album).collect()).map((a) => a.name));
    for (const moment of await vdfs.queryModels(Moment).collect()) {
      if (existing.has(moment.title) || moment.contentIds.length < 2) continue;
      changes.push({ type: "create_collection", name: moment.title, items: moment.contentIds.map((content) => ({ content })), description: `album of ${moment.contentIds.length} photos` });
      changes.push({ type: "create_model", modelType: "Album", scope: { standalone: true }, data: { name: moment.title, contentIds: moment.contentIds } });
      for (const content of moment.contentIds) changes.push({ type: "add_tag", target: { content }, tag: `#moment:${moment.startsAt.slice(0, 10)}` });
    }
    return { title: `Organize photos in ${location.path}`, changes, reversible: true };
  }

  @actionExecute()
  async organizePhotosExecute(ctx: ActionContext, preview: ActionPreview): Promise<void> {
    const vdfs = ctx.vdfs();
    for (const change of preview.changes) {
      if (change.type === "create_collection") await vdfs.createCollection(change.name, change.items);
      else if (change.type === "create_model" && change.modelType === "Album") await vdfs.createModel(Object.assign(new Album(), change.data));
      else if (change.type === "add_tag") await vdfs.addTag(change.target, change.tag);
    }
  }

  /** Agent hook: a new photo was indexed in a granted location. */
  async onNewPhoto(ctx: AgentContext, photo: Entry): Promise<void> {
    ctx.trace("New photo added - checking for faces", { entry: photo.uuid });
    const mind = ctx.memory(PhotosMind);
    await mind.history.append({ contentId: photo.contentUuid, kind: "seen" });
    const directory = photo.path.path.slice(0, photo.path.path.lastIndexOf("/")) || "/";
    await ctx.dispatchJob(this.analyzePhotos, { device: photo.path.device, path: directory });
    await ctx.vdfs().addTagToContent(photo.contentUuid, "#new-photo");
  }
}

/**
 * EXIF `DateTimeOriginal` ("YYYY:MM:DD HH:MM:SS", local time without a zone) as an ISO timestamp.
 * The zone is unknown, so it is written as UTC: moments group by gaps, which a fixed zone keeps.
 * Trailing junk (e.g. "2009:09:09 20:27:09.60:04:00") is ignored; anything else gives undefined.
 */
function exifTime(value: unknown): string | undefined {
  const match = typeof value === "string" ? /^(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(value) : null;
  if (!match) return undefined;
  const iso = `${match[1]}-${match[2]}-${match[3]}T${match[4]}:${match[5]}:${match[6]}Z`;
  return Number.isNaN(Date.parse(iso)) ? undefined : iso;
}

/** A `.catch` handler: a failed task gives `fallback`; anything else (cancellation, a bug) still throws. */
function unlessTaskFailed<T>(fallback: T): (error: unknown) => T {
  return (error) => {
    if (error instanceof TaskFailed) return fallback;
    throw error;
  };
}

/** The content a content-scoped model is attached to. */
function contentOf(vdfs: ReturnType<JobContext["vdfs"]>, model: object): Uuid {
  const scope = vdfs.scopeOf(model);
  if (!scope || !("content" in scope)) throw new Error("expected a content-scoped model");
  return scope.content;
}
