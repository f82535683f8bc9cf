// Issue 5: AI inference. (1) Face detection over generated photos through the sandbox and the SDK
// (examples/photos' analyzePhotos job on a real Host) vs a raw onnxruntime-node loop with the same
// preprocessing and NMS, run interleaved on the same photos; (2) model session cold load;
// (3) core OCR pages/s on rendered pages. Needs `npx tsc -b tsconfig.build.json` (uses dist/).
// UltraFace is the one input not generated here: ../shared/fixtures/models/version-RFB-320.onnx,
// used when present (rows (1) and its cold load are skipped otherwise).
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import ort from "onnxruntime-node";
import sharp from "sharp";
import { readBundle } from "../../packages/bundle/dist/index.js";
import { Host, ModelRegistry } from "../../packages/host/dist/index.js";
import { OnnxSessions } from "../../packages/host/dist/core/ai/onnx.js";
import { configureInference } from "../../packages/host/dist/core/ai/runtime.js";
import { defaultOcrModels, recognize } from "../../packages/host/dist/core/ocr/index.js";
import { renderPage } from "../../packages/host/dist/core/ocr/render-page.js";
import { characterErrorRate, normalizeText } from "../../packages/host/dist/core/ocr/text-metrics.js";
import { median, ms, ratio } from "./util.mjs";

const root = fileURLToPath(new URL("../../", import.meta.url));
const ULTRAFACE = join(root, "../shared/fixtures/models/version-RFB-320.onnx");
const EXTENSION = "com.spacedrive.photos";
const PHOTOS_PER_ROUND = 12;
const ROUNDS = 4;

/** A 1024×768 JPEG with smooth structure and grain (a photo's decode cost, not a flat colour). */
async function photo(seed) {
  const w = 1024, h = 768;
  const px = Buffer.alloc(w * h * 3);
  let s = seed * 7919 + 1;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      const grain = (s >>> 24) / 16;
      const i = (y * w + x) * 3;
      px[i] = 120 + 80 * Math.sin((x + seed * 37) / 90) + grain;
      px[i + 1] = 110 + 70 * Math.cos((y + seed * 11) / 70) + grain;
      px[i + 2] = 100 + 60 * Math.sin((x + y) / 150 + seed) + grain;
    }
  }
  return sharp(px, { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 88 }).toBuffer();
}

async function photoDir(dir, first) {
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < PHOTOS_PER_ROUND; i++) writeFileSync(join(dir, `p${first + i}.jpg`), await photo(first + i));
}

/** examples/photos' decodeFaces: threshold 0.7, greedy NMS at IoU 0.3, scaled and clamped. */
function decodeFaces(scores, boxes, width, height, threshold = 0.7, iouThreshold = 0.3) {
  const iou = (a, b) => {
    const inter = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0])) * Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter + 1e-9);
  };
  const candidates = [];
  for (let i = 0; i < scores.length / 2; i++) {
    if (scores[i * 2 + 1] > threshold) candidates.push({ box: Array.from(boxes.subarray(i * 4, i * 4 + 4)), score: scores[i * 2 + 1] });
  }
  candidates.sort((a, b) => b.score - a.score);
  const kept = [];
  for (const c of candidates) if (kept.every((k) => iou(k.box, c.box) <= iouThreshold)) kept.push(c);
  const clamp = (v, max) => Math.min(Math.max(v, 0), max);
  return kept.map(({ box, score }) => ({ box: [clamp(box[0] * width, width), clamp(box[1] * height, height), clamp(box[2] * width, width), clamp(box[3] * height, height)], score }));
}

/** The raw side: what the sandboxed detectFaces task asks the host for, done directly. */
async function rawDetect(session, file) {
  const bytes = readFileSync(file);
  const meta = await sharp(bytes).metadata();
  const { data } = await sharp(bytes).rotate().removeAlpha().toColourspace("srgb")
    .resize({ width: 320, height: 240, fit: "fill", kernel: "linear", fastShrinkOnLoad: false }).raw().toBuffer({ resolveWithObject: true });
  const n = 320 * 240;
  const input = new Float32Array(n * 3);
  for (let c = 0; c < 3; c++) for (let i = 0; i < n; i++) input[c * n + i] = (data[i * 3 + c] - 127) / 128;
  const out = await session.run({ input: new ort.Tensor("float32", input, [1, 3, 240, 320]) });
  return decodeFaces(out.scores.data, out.boxes.data, meta.width, meta.height);
}

async function buildPhotos(work) {
  const project = join(work, "photos-ext");
  cpSync(join(root, "examples/photos"), project, { recursive: true, filter: (src) => !/\/(dist|generated|node_modules)(\/|$)/.test(src) });
  execFileSync(process.execPath, [join(root, "packages/cli/bin/sdx.js"), "build", project], { stdio: "pipe" });
  const bundleFile = readdirSync(join(project, "dist")).find((f) => f.endsWith(".sdx.wasm"));
  return readFileSync(join(project, "dist", bundleFile));
}

/**
 * One host (fresh library and models dir), `threads` intra-op threads for its inference worker
 * (undefined: onnxruntime's default, all cores); the raw loop runs interleaved on the same photos.
 */
async function faceDetection(work, bundleBytes, name, threads) {
  const { manifest } = await readBundle(bundleBytes);
  const modelsDir = join(work, `models-${name}`);
  await new ModelRegistry(modelsDir).addFile("face_detection", ULTRAFACE, { category: "face_detection" });
  configureInference(threads ? { threads } : {});
  // recover: false — the photos' entry_indexed hooks must not start jobs in the background while timing.
  const host = await Host.open({ libraryDir: join(work, `library-${name}`), modelsDir, recover: false });
  const raw = await ort.InferenceSession.create(ULTRAFACE, { graphOptimizationLevel: "all", logSeverityLevel: 3 });
  try {
    await host.install(bundleBytes, { grants: manifest.permissions.map((_, permission) => ({ permission, scope: [] })) });
    const analyze = async (dir) => {
      const outcome = await host.runJob(EXTENSION, "analyzePhotos", { location: dir });
      if (outcome.state !== "completed" || !outcome.result?.detecting || outcome.result.analyzed !== PHOTOS_PER_ROUND) {
        throw new Error(`analyzePhotos: ${JSON.stringify(outcome).slice(0, 400)}`);
      }
    };
    const rawLoop = async (dir) => {
      for (const f of readdirSync(dir)) await rawDetect(raw, join(dir, f));
    };
    // Warm-up round (sandbox load, session cold load, sharp's first decode), not timed.
    const warm = join(work, `photos-${name}-warm`);
    await photoDir(warm, 1000);
    await host.index(warm);
    await analyze(warm);
    await rawLoop(warm);
    const sandboxed = [];
    const direct = [];
    for (let r = 0; r < ROUNDS; r++) {
      const dir = join(work, `photos-${name}-${r}`);
      await photoDir(dir, r * PHOTOS_PER_ROUND);
      await host.index(dir); // new content each round: analyzePhotos skips analyzed photos
      let start = performance.now();
      await analyze(dir);
      sandboxed.push((performance.now() - start) / PHOTOS_PER_ROUND);
      start = performance.now();
      await rawLoop(dir);
      direct.push((performance.now() - start) / PHOTOS_PER_ROUND);
    }
    const s = median(sandboxed);
    const d = median(direct);
    return [`face detection per photo, analyzePhotos vs raw loop (host inference threads: ${threads ?? "default"})`, ms(s), ms(d), ratio(s, d)];
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
  process.env.SDX_OFFLINE = "1"; // photos' init registers its models by URL: never download here
  const work = mkdtempSync(join(tmpdir(), "sdx-bench-ai-"));
  const rows = [];
  const notes = [];
  const ocr = defaultOcrModels();
  try {
    if (existsSync(ULTRAFACE)) {
      const bundle = await buildPhotos(work);
      rows.push(await faceDetection(work, bundle, "default"));
      rows.push(await faceDetection(work, bundle, "one-thread", 1));
    }
    else notes.push(`Face detection and UltraFace cold load skipped: ${ULTRAFACE} is not on this machine.`);
    rows.push(...(await coldLoads([
      ...(existsSync(ULTRAFACE) ? [["UltraFace RFB-320 (1.2 MB)", ULTRAFACE]] : []),
      ["OCR detection PP-OCRv4 (4.7 MB)", ocr.detection],
      ["OCR recognition PP-OCRv4 (10.8 MB)", ocr.recognition],
      ["OCR direction classifier (0.6 MB)", ocr.classifier],
    ])));
    rows.push(...(await ocrThroughput()));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  notes.push(
    `Face detection: ${PHOTOS_PER_ROUND} generated 1024×768 JPEGs per round, ${ROUNDS} rounds, median per photo. The sandboxed ` +
      "side is the whole `analyzePhotos` job of examples/photos (parallelism 4): per photo a `detectFaces` task (host " +
      "`ai.imageTensor` 320×240 fill + `ai.run` in the inference worker + NMS in QuickJS), a `describePixels` task (a " +
      "second decode), the EXIF sidecar read, a PhotoAnalysis model and tags written (no face_embedding model: no " +
      "grouping). The raw side is a sequential loop: sharp decode/resize (same kernel) + normalization + " +
      "`InferenceSession.run` on the main thread + the same NMS. The photos have no faces; the detector runs the same graph.",
    "Why the sandboxed side is slower here: it is the whole job (a second decode for describePixels, the writes), and it " +
      "overlaps four photos, so the inference worker's onnxruntime threads compete with sharp's decodes for the 2 cores. " +
      "Spin-waiting of onnxruntime's threads is off in the worker (ai/onnx-worker-source.ts), which took the ratio from " +
      "~1.6–1.8× to ~1.1–1.5× in runs while writing this; a detection-only job would be the fairer comparison. This " +
      "machine is shared and noisy: the raw loop alone ranged 13–37 ms per photo between runs.",
    `Cold load: median of 3, each in a fresh session cache (a new worker thread); "with worker start" is the wall time of the first \`info()\`.`,
    `Machine: ${cpus().length} cores.`,
  );
  return {
    title: "AI inference: sandboxed face detection vs raw onnxruntime, model cold load, OCR",
    description: "Issue 5. Face detection per photo through the sandbox + SDK vs onnxruntime-node directly (goal ≤ 1.15×); session cold loads; core OCR (PP-OCRv4) throughput.",
    header: ["what", "sdx / value", "raw / detail", "ratio / note"],
    rows,
    notes: notes.join("\n\n"),
  };
}
