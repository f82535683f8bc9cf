// Issue 5/12/18: AI inference. (1) Face detection only, through the sandbox and the SDK (a job
// that `ctx.run`s one detection task per photo, sequentially) vs a raw onnxruntime-node loop doing
// the same work (same decode and resize, same normalization, same session options, same NMS),
// interleaved on the same real photos; two sdx variants: the task-level `detectFaces` (pre- and
// post-processing on the host) and the raw path (`imageTensor` handle → `run` → NMS in QuickJS).
// (2) Model session cold load; (3) core OCR pages/s on rendered pages. Needs `npm run build`.
// UltraFace and the photos come from ../shared/fixtures (found from any checkout, SDX_FIXTURES
// overrides); without them the face rows say SKIPPED.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ort from "onnxruntime-node";
import sharp from "sharp";
import { readBundle } from "../../packages/bundle-format/dist/index.js";
import { Host } from "../../packages/host/dist/index.js";
import { OnnxSessions } from "../../packages/host/dist/core/ai/onnx.js";
import { configureInference } from "../../packages/host/dist/core/ai/runtime.js";
import { defaultOcrModels, recognize } from "../../packages/host/dist/core/ocr/index.js";
import { renderPage } from "../../packages/host/dist/core/ocr/render-page.js";
import { characterErrorRate, normalizeText } from "../../packages/host/dist/core/ocr/text-metrics.js";
import { median, ms } from "./util.mjs";

const root = fileURLToPath(new URL("../../", import.meta.url));
const SDX = join(root, "packages/cli/bin/sdx.js");
const EXTENSION = "org.sdx.bench.faces";
// Twelve: on a shared 2-core machine the median of six still moved by 0.3× between runs, and a
// multiple of four completes the Williams square of the four sides (see `williams`).
const ROUNDS = 12;

/** The first row of a Williams square for `n` (even) sides: 0, 1, n-1, 2, n-2, …; round r adds r to each. */
function williams(n) {
  const order = [0];
  for (let lo = 1, hi = n - 1; order.length < n; ) order.push(order.length % 2 ? lo++ : hi--);
  return order;
}

/**
 * `../shared/fixtures` from any checkout (the repository, a worktree beside it, a clone elsewhere):
 * SDX_FIXTURES, then `shared/fixtures` beside this checkout or any folder above it. Null when none.
 */
function findFixtures() {
  if (process.env.SDX_FIXTURES) return existsSync(process.env.SDX_FIXTURES) ? resolve(process.env.SDX_FIXTURES) : null;
  for (let dir = root; ; dir = dirname(dir)) {
    const candidate = join(dir, "..", "shared", "fixtures");
    if (existsSync(join(candidate, "SOURCES.md"))) return resolve(candidate);
    if (dirname(dir) === dir) return null;
  }
}

/** A row saying, loudly, that a measure was skipped and why (never a silent omission). */
function skipped(what, why) {
  process.stderr.write(`bench: SKIPPED ${what}: ${why}\n`);
  return [`**SKIPPED**: ${what}`, why, "", ""];
}

// UltraFace RFB-320 as its authors describe it; the same declaration examples/photos registers.
const FAMILY = {
  kind: "face_detector", input: { width: 320, height: 240, fit: "fill" },
  normalize: { mean: [127, 127, 127], std: [128, 128, 128], layout: "nchw" }, threshold: 0.7, iou: 0.3,
};

/** The measured extension: detection only, one `ctx.run` task per photo, in sequence. */
const SOURCE = `
import { extension, job, task, Permission, type Entry, type ExtensionContext, type JobContext, type SdPath, type TaskContext } from "@sdx/sdk";

const FAMILY = ${JSON.stringify(FAMILY)} as const;

function iou(a: number[], b: number[]): number {
  const inter = Math.max(0, Math.min(a[2]!, b[2]!) - Math.max(a[0]!, b[0]!)) * Math.max(0, Math.min(a[3]!, b[3]!) - Math.max(a[1]!, b[1]!));
  return inter / ((a[2]! - a[0]!) * (a[3]! - a[1]!) + (b[2]! - b[0]!) * (b[3]! - b[1]!) - inter + 1e-9);
}

@extension({
  id: "${EXTENSION}", name: "Face detection bench", version: "1.0.0", description: "Face detection only, for the benchmark.", minCoreVersion: "2.0.0", requiredFeatures: ["ai_models"],
  permissions: [Permission.readEntries({ glob: "**/*.jpg" }), Permission.useModel({ category: "face_detection", preference: "local" })],
})
export class FacesBench {
  async init(ctx: ExtensionContext): Promise<void> {
    await ctx.models().register({ name: "face_detection", category: "face_detection", source: { kind: "local", path: ${JSON.stringify("MODEL_PATH")} }, family: FAMILY as never });
  }

  @task({ timeoutMs: 30_000 })
  async detect(ctx: TaskContext, entry: Entry): Promise<number> {
    return (await ctx.ai().fromRegistered("face_detection").detectFaces(entry)).faces.length;
  }

  @task({ timeoutMs: 30_000 })
  async detectRaw(ctx: TaskContext, entry: Entry): Promise<number> {
    const { tensor, width, height } = await ctx.ai().imageTensor(entry, { width: 320, height: 240, fit: "fill", mean: [127, 127, 127], std: [128, 128, 128], layout: "nchw" });
    const out = await ctx.ai().fromRegistered("face_detection").run({ input: tensor });
    const scores = out.scores!.data as Float32Array;
    const boxes = out.boxes!.data as Float32Array;
    const candidates: Array<{ box: number[]; score: number }> = [];
    for (let i = 0; i < scores.length / 2; i++) {
      if (scores[i * 2 + 1]! > 0.7) candidates.push({ box: [boxes[i * 4]!, boxes[i * 4 + 1]!, boxes[i * 4 + 2]!, boxes[i * 4 + 3]!], score: scores[i * 2 + 1]! });
    }
    candidates.sort((a, b) => b.score - a.score);
    const kept: typeof candidates = [];
    for (const c of candidates) if (kept.every((k) => iou(k.box, c.box) <= 0.3)) kept.push(c);
    const clamp = (v: number, max: number) => Math.min(Math.max(v, 0), max);
    return kept.map((k) => [clamp(k.box[0]! * width, width), clamp(k.box[1]! * height, height), clamp(k.box[2]! * width, width), clamp(k.box[3]! * height, height)]).length;
  }

  /** ms: the loop alone, timed in the guest (the job's start and finish left out). */
  @job({ parallelism: 1 })
  async detectAll(ctx: JobContext, location: SdPath, mode: string): Promise<{ faces: number; ms: number }> {
    const t0 = Date.now();
    let faces = 0;
    const detector = ctx.ai().fromRegistered("face_detection");
    for await (const entry of ctx.vdfs().queryEntries().inLocation(location).ofKind("image")) {
      if (mode === "direct") faces += (await detector.detectFaces(entry)).faces.length;
      else faces += mode === "run" ? await ctx.run(this.detectRaw, entry) : await ctx.run(this.detect, entry);
    }
    return { faces, ms: Date.now() - t0 };
  }
}
`;

function buildBench(work, model) {
  const project = join(work, "faces-bench");
  mkdirSync(join(project, "src"), { recursive: true });
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "faces-bench", version: "1.0.0", private: true, type: "module" }));
  cpSync(join(root, "examples/photos/tsconfig.json"), join(project, "tsconfig.json"));
  writeFileSync(join(project, "src/index.ts"), SOURCE.replace(JSON.stringify("MODEL_PATH"), JSON.stringify(model)));
  const out = execFileSync(process.execPath, [SDX, "--json", "build", project], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  return new Uint8Array(readFileSync(JSON.parse(out).bundlePath));
}

/** The host's post-processing for a `corners` detector: threshold, greedy NMS, scale and clamp. */
function decodeFaces(scores, boxes, width, height, threshold = 0.7, iouThreshold = 0.3) {
  const iou = (a, b) => {
    const inter = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0])) * Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter + 1e-9);
  };
  const candidates = [];
  for (let i = 0; i < scores.length / 2; i++) {
    if (scores[i * 2 + 1] > threshold) candidates.push({ box: [boxes[i * 4], boxes[i * 4 + 1], boxes[i * 4 + 2], boxes[i * 4 + 3]], score: scores[i * 2 + 1] });
  }
  candidates.sort((a, b) => b.score - a.score);
  const kept = [];
  for (const c of candidates) if (kept.every((k) => iou(k.box, c.box) <= iouThreshold)) kept.push(c);
  const clamp = (v, max) => Math.min(Math.max(v, 0), max);
  return kept.map(({ box, score }) => ({ box: [clamp(box[0] * width, width), clamp(box[1] * height, height), clamp(box[2] * width, width), clamp(box[3] * height, height)], score }));
}

/** The raw side: exactly what the host does for `detectFaces`, called directly. */
async function rawDetect(session, file) {
  const bytes = readFileSync(file);
  const meta = await sharp(bytes, { failOn: "error" }).metadata();
  const swapped = (meta.orientation ?? 1) >= 5;
  const [width, height] = swapped ? [meta.height, meta.width] : [meta.width, meta.height];
  const { data } = await sharp(bytes, { failOn: "error" }).rotate().removeAlpha().toColourspace("srgb")
    .resize({ width: 320, height: 240, fit: "fill", kernel: "linear", fastShrinkOnLoad: false, background: { r: 0, g: 0, b: 0, alpha: 1 } })
    .raw().toBuffer({ resolveWithObject: true });
  const n = 320 * 240;
  const input = new Float32Array(n * 3);
  for (let c = 0; c < 3; c++) for (let i = 0; i < n; i++) input[c * n + i] = data[i * 3 + c] * (1 / 128) + -127 / 128;
  const out = await session.run({ input: new ort.Tensor("float32", input, [1, 3, 240, 320]) });
  return decodeFaces(out.scores.data, out.boxes.data, width, height).length;
}

/** Same session options as the host's inference worker (core/ai/onnx-worker-source.ts). */
const SESSION_OPTIONS = { logSeverityLevel: 3, graphOptimizationLevel: "all", extra: { session: { "intra_op.allow_spinning": "0", "inter_op.allow_spinning": "0" } } };

async function faceDetection(work, fixtures) {
  const model = join(fixtures, "models/version-RFB-320.onnx");
  const photos = join(work, "photos");
  mkdirSync(photos, { recursive: true });
  for (const f of readdirSync(join(fixtures, "faces")).filter((f) => f.endsWith(".jpg"))) cpSync(join(fixtures, "faces", f), join(photos, f));
  const files = readdirSync(photos).map((f) => join(photos, f));
  const bundleBytes = buildBench(work, model);
  const { manifest } = await readBundle(bundleBytes);
  const modelsDir = join(work, "models");
  configureInference({});
  const host = await Host.open({ libraryDir: join(work, "library"), modelsDir, recover: false });
  const raw = await ort.InferenceSession.create(model, SESSION_OPTIONS);
  try {
    await host.install(bundleBytes, { grants: manifest.permissions.map((_, permission) => ({ permission, scope: [] })) });
    await host.index(photos);
    // Each side returns its faces and the time of its loop alone: the sdx job's as timed in the
    // guest (without the job's record, VM and results), the raw loop's the whole call.
    const sdx = async (mode) => {
      const outcome = await host.runJob(EXTENSION, "detectAll", { location: photos, mode });
      if (outcome.state !== "completed") throw new Error(`detectAll: ${JSON.stringify(outcome).slice(0, 400)}`);
      return outcome.result;
    };
    const rawLoop = async () => {
      const start = performance.now();
      let faces = 0;
      // Lists the folder like the job queries its entries, inside the timing.
      for (const f of readdirSync(photos).filter((name) => name.endsWith(".jpg"))) faces += await rawDetect(raw, join(photos, f));
      return { faces, ms: performance.now() - start };
    };
    // Warm-up (sandbox start, session loads, sharp's first decodes), and the three must agree.
    const counts = [await sdx("task"), await sdx("run"), await sdx("direct"), await rawLoop()].map((side) => side.faces);
    if (new Set(counts).size !== 1) throw new Error(`the three sides found different faces: ${counts.join(", ")}`);
    const times = { task: [], run: [], direct: [], raw: [] };
    const loops = { task: [], run: [], direct: [], raw: [] };
    const sides = [["task", () => sdx("task")], ["run", () => sdx("run")], ["direct", () => sdx("direct")], ["raw", rawLoop]];
    // A side pays for what the one before it left behind (garbage to collect, threads winding down):
    // rotating one fixed cycle made each side always follow the same one (the task side always came
    // right after the raw loop). A Williams square instead: over each 4 rounds every side follows
    // every other side once.
    const order = williams(sides.length);
    for (let r = 0; r < ROUNDS; r++) {
      for (let k = 0; k < sides.length; k++) {
        const [name, side] = sides[(order[k] + r) % sides.length];
        const start = performance.now();
        const { ms: loop } = await side();
        times[name].push((performance.now() - start) / files.length);
        loops[name].push(loop / files.length);
      }
    }
    const [task, run, inJob, direct] = [median(times.task), median(times.run), median(times.direct), median(times.raw)];
    // The ratio pairs each round's sdx time with the same round's raw time (seconds apart, under the
    // same load) and takes the median of those: on a shared machine the raw side's own median moved
    // by a third between runs, and a ratio of two medians taken apart moved with it.
    const pairedRatio = (side, of = times) => median(of[side].map((t, r) => t / of.raw[r]));
    const paired = (side, of = times) => `${pairedRatio(side, of).toFixed(2)}×`;
    return {
      goals: [
        { measure: "face detection per photo, `detectFaces` called by the job vs a raw onnxruntime loop", goal: "≤ 1.05×", result: paired("direct"), met: pairedRatio("direct") <= 1.05 },
        { measure: "face detection per photo, `detectFaces` in a `ctx.run` task vs a raw onnxruntime loop", goal: "≤ 1.10×", result: paired("task"), met: pairedRatio("task") <= 1.1 },
      ],
      rows: [
        [`face detection per photo: \`detectFaces\` called by the job itself vs raw loop (goal ≤ 1.05×)`, ms(inJob), ms(direct), paired("direct")],
        [`face detection per photo: \`detectFaces\` in a \`ctx.run\` task vs raw loop (goal ≤ 1.10×)`, ms(task), ms(direct), paired("task")],
        [`the same, \`detectFaces\` called by the job, its loop alone (timed in the guest: without the job's start and finish)`, ms(median(loops.direct)), ms(median(loops.raw)), paired("direct", loops)],
        [`the same, \`detectFaces\` in a \`ctx.run\` task, its loop alone`, ms(median(loops.task)), ms(median(loops.raw)), paired("task", loops)],
        [`face detection per photo: \`imageTensor\` handle + \`run\` + NMS in the guest (the path for models the host does not know), in a \`ctx.run\` task vs raw loop`, ms(run), ms(direct), paired("run")],
      ],
      faces: counts[0],
      photos: files.length,
    };
  } finally {
    await raw.release();
    await host.close();
    configureInference({});
  }
}

async function coldLoads(models) {
  const rows = [];
  for (const [label, file] of models) {
    const loads = [];
    const firsts = [];
    for (let i = 0; i < 3; i++) {
      // A fresh cache each time: a new worker thread and a new onnxruntime session.
      const sessions = new OnnxSessions();
      const start = performance.now();
      const info = await sessions.info(file);
      firsts.push(performance.now() - start);
      loads.push(info.loadMs);
      await sessions.close();
    }
    rows.push([`cold load: ${label}`, ms(median(loads)), ms(median(firsts)), "session create / with worker start"]);
  }
  return rows;
}

const WORDS = "the quick brown fox jumps over lazy dog invoice total amount paid date account number balance forward statement page of".split(" ");

/** A 1000×1300 page of 26 lines (22 px DejaVu Sans), deterministic words. */
async function page(seed) {
  const lines = [];
  let s = seed + 1;
  for (let i = 0; i < 26; i++) {
    const words = [];
    for (let k = 0; k < 9; k++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      words.push((s >>> 8) % 5 === 0 ? String((s >>> 4) % 10000) : WORDS[(s >>> 8) % WORDS.length]);
    }
    lines.push(words.join(" "));
  }
  const rendered = await renderPage(1000, 1300, lines.map((text, i) => ({ text, x: 60, y: 80 + i * 44, size: 22 })));
  return { bytes: rendered.bytes, text: lines.join("\n") };
}

async function ocrThroughput() {
  const pages = [];
  for (let i = 0; i < 4; i++) pages.push(await page(i));
  const sessions = new OnnxSessions();
  try {
    // Cold loads and onnxruntime's first runs (arena growth) out of the timing.
    for (const p of pages.slice(0, 2)) await recognize(p.bytes, { sessions });
    const times = [];
    const cers = [];
    let lines = 0;
    for (const p of pages) {
      const start = performance.now();
      const result = await recognize(p.bytes, { sessions });
      times.push(performance.now() - start);
      lines += result.lines.length;
      cers.push(characterErrorRate(normalizeText(p.text), normalizeText(result.text)));
    }
    const perPage = median(times);
    return [[
      `OCR, rendered 1000×1300 pages (26 lines each)`, `${(1000 / perPage).toFixed(2)} pages/s`, ms(perPage),
      `${lines} lines found of ${26 * pages.length}; CER ${(100 * Math.max(...cers)).toFixed(2)} % worst page`,
    ]];
  } finally {
    await sessions.close();
  }
}

export async function run() {
  process.env.SDX_OFFLINE = "1";
  const loadAtStart = loadavg();
  const work = mkdtempSync(join(tmpdir(), "sdx-bench-ai-"));
  const rows = [];
  const notes = [];
  const ocr = defaultOcrModels();
  const fixtures = findFixtures();
  const ultraface = fixtures ? join(fixtures, "models/version-RFB-320.onnx") : null;
  let detection = null;
  try {
    if (ultraface && existsSync(ultraface)) {
      detection = await faceDetection(work, fixtures);
      rows.push(...detection.rows);
    } else {
      rows.push(skipped("face detection rows", fixtures ? `${ultraface} is missing` : "no ../shared/fixtures found from this checkout (set SDX_FIXTURES)"));
    }
    rows.push(...(await coldLoads([
      ...(ultraface && existsSync(ultraface) ? [["UltraFace RFB-320 (1.2 MB)", ultraface]] : []),
      ["OCR detection PP-OCRv4 (4.7 MB)", ocr.detection],
      ["OCR recognition PP-OCRv4 (10.8 MB)", ocr.recognition],
      ["OCR direction classifier (0.6 MB)", ocr.classifier],
    ])));
    rows.push(...(await ocrThroughput()));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  if (detection) {
    notes.push(
      `Face detection: the ${detection.photos} photos of fixtures/faces (${detection.faces} faces in all, found alike by all three sides), ` +
        `${ROUNDS} interleaved rounds (in a Williams square: over every 4 rounds each side runs once right after each other side), median per photo; the ratio is the median of each round's sdx/raw ratio. The sdx rows are a job of a small extension built with \`sdx build\` ` +
        "that goes through the photos in sequence and either calls `detectFaces` itself or `ctx.run`s one task per photo (each task " +
        "its own invocation; AI calls go from the sandbox worker to the host's thread). `detectFaces`: one host call; the host " +
        "reads the entry, decodes and resizes it with sharp, normalizes, moves the tensor to the inference worker (transfer, " +
        "no copy), runs the threshold and NMS and returns the boxes. The raw-path row: `imageTensor` (the tensor stays on the " +
        "host, the guest gets a handle), `run` with the handle (the outputs come into QuickJS), NMS in the guest. The raw side " +
        "is a plain loop on the main thread doing exactly the host's work: read the file, sharp metadata + decode/rotate/resize " +
        "(linear, no shrink-on-load), the same normalization, `InferenceSession.run` with the host worker's session options " +
        "(graph optimization all, no spinning), the same threshold, NMS, scaling and clamping. Beyond that work the sdx side " +
        "does the checks (grant, the entry's file against the index) and hands each photo between threads four times " +
        "(guest → host → inference worker → host → guest; a task four more), each hand-off waiting for a core on a busy machine " +
        "(docs/ai.md, Speed). The two \"its loop alone\" rows time the same rounds from inside: the job's loop as the guest " +
        "times it (Date.now, so without the job's record, VM start and results), the raw loop as a whole (listing the folder " +
        "included, as the job queries its entries). They show what each photo costs once a job runs; the goals are judged on " +
        "the rows timed around the whole job.",
    );
  }
  notes.push(
    `Cold load: median of 3, each in a fresh session cache (a new worker thread); "with worker start" is the wall time of the first \`info()\`.`,
    // The load says how far apart the two sides can drift: on a shared machine they wait for cores unequally.
    `Machine: ${cpus().length} cores; load average ${loadAtStart.map((l) => l.toFixed(1)).join(" / ")} at the start and ${loadavg().map((l) => l.toFixed(1)).join(" / ")} at the end (1 / 5 / 15 min).`,
  );
  return {
    title: "AI inference: face detection through the sandbox vs raw onnxruntime, model cold load, OCR",
    description: "Issues 12 and 18. Face detection only, per photo, through a sandboxed job and the SDK vs onnxruntime-node directly doing the same work; session cold loads; core OCR (PP-OCRv4) throughput.",
    header: ["what", "sdx / value", "raw / detail", "ratio / note"],
    rows,
    goals: detection?.goals ?? [],
    notes: notes.join("\n\n"),
  };
}
