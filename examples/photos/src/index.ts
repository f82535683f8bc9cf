/**
 * Photos: faces, people, places and moments for the user's photo locations (the spec's
 * demonstration extension). Face detection runs UltraFace through the model registry; face
 * grouping runs MobileFaceNet embeddings through an AssemblyScript similarity kernel.
 */
import {
  extension, job, task, action, actionExecute, agent, agentTrail, Permission, ModelSources, TaskFailed,
  type ActionContext, type ActionPreview, type AgentContext, type Entry, type ExtensionContext,
  type JobContext, type SdPath, type TaskContext, type Uuid,
} from "@sdx/sdk";
import { query, type Query } from "@sdx/sdk";
import { PhotosConfig } from "./config.js";
import { PhotosMind } from "./mind.js";
import { Album, LocalEditState, Moment, PhotoAnalysis, Person, Place, type FaceDetection, type PixelTrait } from "./models.js";
import { albumFolderName, freeName } from "./albums.js";
import { rememberPeople } from "./knowledge.js";
import { pixelTraits } from "./pixels.js";
import { MOBILEFACENET_FAMILY, storedFace, ULTRAFACE_FAMILY } from "./faces.js";
import { rebuildPlacesAndMoments } from "./places.js";
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
  /** The pixel traits (bright, muted, portrait…). */
  looks: string[];
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
    // Globs match without regard to case: IMG_0001.JPG is a jpg.
    Permission.readEntries({ glob: "**/*.{jpg,jpeg,png,heic}" }),
    Permission.writeFiles({ glob: "**/*.{jpg,jpeg,png,heic}" }),
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

  /** Traits of the pixels (brightness, colour, orientation) from a 16×16 thumbnail: statistics, not a scene model (pixels.ts). */
  @task({ retries: 1, timeoutMs: 10_000 })
  async describePixels(ctx: TaskContext, entry: Entry): Promise<PixelTrait[]> {
    const { tensor, width, height } = await ctx.ai().imageTensor(entry, { width: 16, height: 16, fit: "fill", layout: "nhwc" });
    return pixelTraits((await tensor.read()).data as Float32Array, width, height);
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
      let traits: PixelTrait[] = [];
      let embeddings: Array<number[] | null> = [];
      let problem: string | undefined;
      try {
        faces = detecting ? await ctx.run(this.detectFaces, entry, settings.faceThreshold) : [];
        traits = await ctx.run(this.describePixels, entry);
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
      return { entry, faces, traits, embeddings, exif, problem };
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
      ? await Promise.all(analyzed.map(({ faces, traits, exif, problem }) => problem ? undefined : ctx.run(this.captionPhoto, {
        place: typeof exif?.latitude === "number" && typeof exif?.longitude === "number" ? `${exif.latitude.toFixed(2)}, ${exif.longitude.toFixed(2)}` : null,
        taken_at: exifTime(exif?.DateTimeOriginal)?.slice(0, 10) ?? null,
        people: [...new Set(faces.map((f) => f.personId).filter((id): id is Uuid => Boolean(id)))].map((id) => `person ${id.slice(0, 8)}`),
        looks: traits.map((t) => t.label),
      })))
      : [];

    for (const [index, { entry, faces, traits, exif, problem }] of analyzed.entries()) {
      const caption = captions[index];
      const analysis = Object.assign(new PhotoAnalysis(), {
        faceCount: faces.length,
        pixelTraits: traits,
        identifiedPeople: [...new Set(faces.map((f) => f.personId).filter((id): id is Uuid => Boolean(id)))],
        detectedFaces: faces,
        ...(exifTime(exif?.DateTimeOriginal) ? { takenAt: exifTime(exif?.DateTimeOriginal)! } : {}),
        ...(typeof exif?.latitude === "number" && typeof exif?.longitude === "number" ? { latitude: exif.latitude, longitude: exif.longitude } : {}),
        ...(problem ? { problem } : {}),
        ...(caption ? { caption } : {}),
      });
      await vdfs.createModelForContent(entry.contentUuid, analysis);
      await vdfs.addTagToContent(entry.contentUuid, "#analyzed");
      for (const trait of traits) await vdfs.addTagToContent(entry.contentUuid, `#pixels:${trait.label}`);
      for (const personId of analysis.identifiedPeople) await vdfs.addTagToContent(entry.contentUuid, `#person:${personId.slice(0, 8)}`);
      // This path on this device: analyzed, or why not (the analysis itself belongs to the content, on every device).
      await vdfs.createModelForEntry(entry.uuid, Object.assign(new LocalEditState(), { processingState: problem ? `unreadable: ${problem}` : "analyzed" }));
    }
    const { places, moments } = await rebuildPlacesAndMoments(ctx);
    return { detecting, analyzed: analyzed.length, skipped: byContent.size - todo.length, faces: faceCount, people: grouper?.people.length ?? 0, places, moments, grouping, problems };
  }

  /**
   * Per moment of 2+ photos without an album: a collection, an `Album`, `#moment:<date>` tags, and
   * the photos moved into `<location>/Albums/<moment>/` (the preview lists every move; the user
   * confirms; `sdx actions undo` moves them back).
   */
  @action({ title: "Organize photos into albums" })
  async organizePhotos(ctx: ActionContext, location: SdPath): Promise<ActionPreview> {
    const vdfs = ctx.vdfs();
    const existing = new Set((await vdfs.queryModels(Album).collect()).map((a) => a.name));
    const root = location.path.replace(/\/+$/, "");
    let albums = 0;
    let moves = 0;
    for (const moment of await vdfs.queryModels(Moment).collect()) {
      if (existing.has(moment.title) || moment.contentIds.length < 2) continue;
      albums++;
      // In preview these calls are recorded as the planned changes (nothing is written).
      await vdfs.createCollection(moment.title, moment.contentIds.map((content) => ({ content })));
      await vdfs.createModel(Object.assign(new Album(), { name: moment.title, contentIds: moment.contentIds }));
      const folder = `${root}/Albums/${albumFolderName(moment.title)}`;
      await vdfs.createDirectory({ device: location.device, path: folder });
      const taken = new Set<string>();
      for (const content of moment.contentIds) {
        await vdfs.addTag({ content }, `#moment:${moment.startsAt.slice(0, 10)}`);
        for await (const entry of vdfs.queryEntries().inLocation(location).whereContentId(content)) {
          if (entry.path.path.startsWith(`${folder}/`)) continue;
          await vdfs.moveEntry(entry, { device: location.device, path: `${folder}/${freeName(entry.name, taken)}` });
          moves++;
        }
      }
    }
    return { title: `Organize ${moves} photos into ${albums} albums in ${location.path}`, changes: ctx.plannedChanges(), reversible: true };
  }

  @actionExecute()
  async organizePhotosExecute(ctx: ActionContext, preview: ActionPreview): Promise<void> {
    const vdfs = ctx.vdfs();
    for (const change of preview.changes) {
      if (change.type === "create_collection") await vdfs.createCollection(change.name, change.items);
      else if (change.type === "create_model" && change.modelType === "Album") await vdfs.createModel(Object.assign(new Album(), change.data));
      else if (change.type === "add_tag") await vdfs.addTag(change.target, change.tag);
      else if (change.type === "create_directory") await vdfs.createDirectory(change.path);
      else if (change.type === "move_file") {
        // Gone since the preview: the move is not made, and the host fails the action (nothing applied).
        const entry = await vdfs.getEntry(change.entry);
        if (entry) await vdfs.moveEntry(entry, change.to);
      }
    }
  }

  /** Agent hook: a new photo was indexed in a granted location. */
  async onNewPhoto(ctx: AgentContext, photo: Entry): Promise<void> {
    ctx.trace("New photo added - checking for faces", { entry: photo.uuid });
    const mind = ctx.memory(PhotosMind);
    await mind.history.append({ contentId: photo.contentUuid, kind: "seen" });
    const directory = photo.path.path.slice(0, photo.path.path.lastIndexOf("/")) || "/";
    // One queued job per folder (the host returns the queued one for the same folder).
    const jobId = await ctx.dispatchJob(this.analyzePhotos, { device: photo.path.device, path: directory });
    const plan = (await mind.plan.get()) ?? { pending: [] };
    if (!plan.pending.some((p) => p.jobId === jobId)) await mind.plan.set({ pending: [...plan.pending, { path: directory, jobId }] });
    await ctx.vdfs().addTagToContent(photo.contentUuid, "#new-photo");
  }

  /** Agent hook: one of this extension's jobs ended; an analysis updates the plan and the people in memory. */
  async onJobCompleted(ctx: AgentContext, job: { jobId: Uuid; name: string; state: string }): Promise<void> {
    if (job.name !== "analyzePhotos") return;
    const mind = ctx.memory(PhotosMind);
    const plan = await mind.plan.get();
    if (plan?.pending.some((p) => p.jobId === job.jobId)) await mind.plan.set({ pending: plan.pending.filter((p) => p.jobId !== job.jobId) });
    if (job.state === "completed") ctx.trace("people in memory", { people: await rememberPeople(ctx, mind) });
  }

  // Named queries: what ui_manifest.json shows, what `sdx query` and ctx.query() run (docs/queries.md).

  /** The people found in the photos, most photographed first. */
  @query({ label: "People" })
  people(q: Query) {
    return q.models(Person).orderBy("photoCount", "desc").show({ title: "name", coverFrom: "PhotoAnalysis.identifiedPeople" });
  }

  /** The photos a person appears in, newest first. */
  @query({ label: "Photos of a person" })
  photosOf(q: Query, personId: Uuid) {
    return q.models(PhotoAnalysis).where("identifiedPeople", "contains", personId).orderBy("takenAt", "desc")
      .show({ date: "takenAt", latitude: "latitude", longitude: "longitude" });
  }

  /** Photos with a GPS position in their EXIF (the spec's `query:exif_gps`). */
  @query({ label: "Places" })
  exifGps(q: Query) {
    return q.entries().ofKind("image").where("exif.latitude", "!=", null).orderBy("name");
  }

  /** Moments, newest first, each shown by its first photo. */
  @query({ label: "Moments" })
  moments(q: Query) {
    return q.models(Moment).orderBy("startsAt", "desc").show({ title: "title", date: "startsAt", cover: "contentIds" });
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

