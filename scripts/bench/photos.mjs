// Issue 6: the Photos extension end to end. (1) Photos analyzed per second (index + analyzePhotos)
// on generated photos (scripts/demo/photos.mjs), with UltraFace installed from
// ../shared/fixtures/models when present, parallelism 1 vs 4 (two builds of a temp copy of
// examples/photos), interleaved; where the wall time goes (inference, image decoding, other host
// calls, SQLite, guest JS), measured by timing those calls in this process (see `profile`).
// (2) The AssemblyScript similarity kernel vs the same code in guest JS, in one sandboxed job.
// Needs the built dist/.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { readBundle } from "../../packages/bundle-format/dist/index.js";
import { Host, ModelRegistry } from "../../packages/host/dist/index.js";
import { WorkerSandbox } from "../../packages/sandbox/dist/index.js";
import { OnnxSessions } from "../../packages/host/dist/core/ai/onnx.js";
import { generatePhotos } from "../demo/photos.mjs";
import { median, ms } from "./util.mjs";

const root = fileURLToPath(new URL("../../", import.meta.url));
const SDX = join(root, "packages/cli/bin/sdx.js");
const MODELS = join(root, "../shared/fixtures/models");
const EXTENSION = "com.spacedrive.photos";
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

function build(project) {
  return new Uint8Array(readFileSync(JSON.parse(execFileSync(process.execPath, [SDX, "--json", "build", project], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] })).bundlePath));
}

/** A temp copy of examples/photos with analyzePhotos' parallelism set, built by `sdx build`. */
function photosVariant(work, parallelism) {
  const project = join(work, `photos-p${parallelism}`);
  cpSync(join(root, "examples/photos"), project, { recursive: true, filter: (src) => !/\/(dist|generated|node_modules|\.sdx-cache)(\/|$)/.test(src) });
  const index = join(project, "src/index.ts");
  const source = readFileSync(index, "utf8");
  const changed = source.replace(/@job\(\{ parallelism: \d+, trigger: "user_initiated" \}\)\n(\s*)async analyzePhotos/, `@job({ parallelism: ${parallelism}, trigger: "user_initiated" })\n$1async analyzePhotos`);
  if (changed === source && !source.includes(`parallelism: ${parallelism}, trigger: "user_initiated" })\n  async analyzePhotos`)) throw new Error("could not set analyzePhotos' parallelism");
  writeFileSync(index, changed);
  return build(project);
}

/**
 * Busy intervals by category, recorded by wrapping (in this process's main thread only) what the
 * host's thread does: the guest→host calls that reach it (per op: AI, tasks, logs; library calls
 * are answered inside each sandbox worker and are not seen here), ONNX runs, and better-sqlite3
 * statements and transactions (per database file). Shares are the union of each category's
 * intervals over the job's wall time, so concurrent calls are not counted twice. Returns null when
 * the host's shape changed.
 */
function profile() {
  const intervals = new Map();
  const add = (category, start) => {
    const list = intervals.get(category) ?? [];
    list.push([start, performance.now()]);
    intervals.set(category, list);
  };
  const sandbox = WorkerSandbox.prototype;
  const stmt = Object.getPrototypeOf(new Database(":memory:").prepare("SELECT 1"));
  if (typeof sandbox.createInstance !== "function" || typeof OnnxSessions.prototype.run !== "function" || typeof stmt.run !== "function") return null;
  const timedCalls = (calls) => calls && {
    call: async (op, payload) => {
      const start = performance.now();
      try {
        return await calls.call(op, payload);
      } finally {
        add(`op:${op}`, start);
      }
    },
    callSync: (op, payload) => {
      const start = performance.now();
      try {
        return calls.callSync(op, payload);
      } finally {
        add(`op:${op}`, start);
      }
    },
  };
  const createInstance = sandbox.createInstance;
  sandbox.createInstance = function (options) {
    const instance = createInstance.call(this, { ...options, calls: timedCalls(options.calls) });
    const invoke = instance.invoke.bind(instance);
    instance.invoke = (invocation, opts = {}) => invoke(invocation, opts.calls ? { ...opts, calls: timedCalls(opts.calls) } : opts);
    return instance;
  };
  const onnxRun = OnnxSessions.prototype.run;
  OnnxSessions.prototype.run = async function (...args) {
    const start = performance.now();
    try {
      return await onnxRun.apply(this, args);
    } finally {
      add("inference", start);
    }
  };
  let depth = 0; // statements inside a timed transaction are part of it
  for (const method of ["run", "get", "all", "iterate"]) {
    const original = stmt[method];
    stmt[method] = function (...args) {
      if (depth > 0) return original.apply(this, args);
      depth++;
      const start = performance.now();
      try {
        return original.apply(this, args);
      } finally {
        depth--;
        add(`sqlite:${this.database.name.split("/").at(-1)}`, start);
      }
    };
  }
  const transaction = Database.prototype.transaction;
  Database.prototype.transaction = function (fn) {
    const wrapped = transaction.call(this, fn);
    const name = this.name.split("/").at(-1);
    const timed = function (...args) {
      if (depth > 0) return wrapped.apply(this, args);
      depth++;
      const start = performance.now();
      try {
        return wrapped.apply(this, args);
      } finally {
        depth--;
        add(`sqlite:${name}`, start);
      }
    };
    for (const variant of ["deferred", "immediate", "exclusive"]) timed[variant] = wrapped[variant];
    return timed;
  };
  return {
    reset: () => intervals.clear(),
    /** ms of [from, to] covered by the categories matching `test`. */
    covered(test, from, to) {
      const all = [...intervals].filter(([k]) => test(k)).flatMap(([, v]) => v).map(([a, b]) => [Math.max(a, from), Math.min(b, to)]).filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0]);
      let total = 0;
      let end = -Infinity;
      for (const [a, b] of all) {
        if (b <= end) continue;
        total += b - Math.max(a, end);
        end = b;
      }
      return total;
    },
  };
}

async function analyzeOnce(work, name, bundle, photos, modelsDir) {
  const host = await Host.open({ libraryDir: join(work, name), modelsDir });
  try {
    await host.install(bundle, { grants: bundle.grants });
    if (existsSync(MODELS)) {
      const registry = new ModelRegistry(modelsDir);
      await registry.installFromDir(MODELS);
      registry.close();
    }
    const start = performance.now();
    const index = await host.index(photos);
    const jobStart = performance.now();
    const outcome = await host.runJob(EXTENSION, "analyzePhotos", { location: photos });
    const end = performance.now();
    if (outcome.state !== "completed") throw new Error(`analyzePhotos ${outcome.state}: ${outcome.error?.message}`);
    return { wall: end - start, indexMs: jobStart - start, jobStart, end, analyzed: outcome.result.analyzed, detecting: outcome.result.detecting, added: index.added };
  } finally {
    await host.close();
  }
}

/** The kernel of examples/photos and the same loop in guest JS, called N times each from one job. */
const KERNEL_BENCH = `
import { extension, job, type JobContext } from "@sdx/sdk";

function bestMatchIndexJs(query: Float32Array, centroids: Float32Array, dim: number): number {
  const rows = centroids.length / dim;
  let best = -1;
  let bestScore = -2;
  for (let r = 0; r < rows; r++) {
    let s = 0;
    const base = r * dim;
    for (let i = 0; i < dim; i++) s += query[i]! * centroids[base + i]!;
    if (s > bestScore) { bestScore = s; best = r; }
  }
  return best;
}

@extension({ id: "org.bench.kernel", name: "Kernel Bench", version: "1.0.0", description: "AssemblyScript vs guest JS.",
  minCoreVersion: "2.0.0", requiredFeatures: [], permissions: [] })
export class KernelBench {
  @job({ parallelism: 1, trigger: "user_initiated" })
  async compare(ctx: JobContext, people: number, calls: number, rounds: number): Promise<{ kernelMs: number[]; jsMs: number[]; agree: boolean }> {
    const dim = 128;
    const centroids = new Float32Array(people * dim);
    for (let i = 0; i < centroids.length; i++) centroids[i] = Math.random() - 0.5;
    const queries = Array.from({ length: calls }, () => Float32Array.from({ length: dim }, () => Math.random() - 0.5));
    const kernelMs: number[] = [];
    const jsMs: number[] = [];
    let agree = true;
    for (let round = 0; round < rounds; round++) {
      let t = Date.now();
      const fromKernel: number[] = [];
      for (const q of queries) fromKernel.push(await ctx.kernel<number>("bestMatchIndex", q, centroids, dim));
      kernelMs.push(Date.now() - t);
      t = Date.now();
      const fromJs = queries.map((q) => bestMatchIndexJs(q, centroids, dim));
      jsMs.push(Date.now() - t);
      agree &&= fromJs.every((v, i) => v === fromKernel[i]);
    }
    return { kernelMs, jsMs, agree };
  }
}
`;

async function kernelVsJs(work) {
  const project = join(work, "kernel-bench");
  mkdirSync(join(project, "src"), { recursive: true });
  mkdirSync(join(project, "kernels"), { recursive: true });
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "kernel-bench", version: "1.0.0", private: true, type: "module" }));
  cpSync(join(root, "examples/photos/tsconfig.json"), join(project, "tsconfig.json"));
  cpSync(join(root, "examples/photos/kernels/similarity.ts"), join(project, "kernels/similarity.ts"));
  writeFileSync(join(project, "src/index.ts"), KERNEL_BENCH);
  const bundle = build(project);
  const host = await Host.open({ libraryDir: join(work, "kernel-library") });
  const rows = [];
  try {
    await host.install(bundle, { grants: [] });
    for (const [people, calls] of [[10, 2000], [100, 1000], [1000, 100]]) {
      const outcome = await host.runJob("org.bench.kernel", "compare", { people, calls, rounds: 3 });
      if (outcome.state !== "completed") throw new Error(`kernel bench: ${outcome.error?.message}`);
      const { kernelMs, jsMs, agree } = outcome.result;
      if (!agree) throw new Error("kernel and guest JS disagree");
      rows.push({ people, calls, kernel: median(kernelMs) / calls, js: median(jsMs) / calls });
    }
  } finally {
    await host.close();
  }
  return rows;
}

export async function run() {
  process.env.SDX_OFFLINE = "1"; // models come from ../shared/fixtures/models, never the network
  const work = mkdtempSync(join(tmpdir(), "sdx-bench-photos-"));
  try {
    const photos = join(work, "photos");
    mkdirSync(photos);
    const generated = await generatePhotos(photos, { perCity: 20, withoutGps: 6, duplicates: 6 });
    const variants = { 1: photosVariant(work, 1), 4: photosVariant(work, 4) };
    const { manifest } = await readBundle(variants[4]);
    // Every requested permission, path-scoped ones to the photos (what `sdx install --yes --grant` does).
    for (const bundle of Object.values(variants)) bundle.grants = manifest.permissions.map((_, permission) => ({ permission, scope: [photos] }));
    const modelsDir = join(work, "models");
    const probe = profile();
    const results = { 1: [], 4: [] };
    for (let round = 0; round < ROUNDS; round++) {
      for (const p of [1, 4]) {
        probe?.reset();
        const r = await analyzeOnce(work, `library-p${p}-${round}`, variants[p], photos, modelsDir);
        if (probe) {
          const share = (test) => probe.covered(test, r.jobStart, r.end) / (r.end - r.jobStart);
          r.shares = {
            inference: share((k) => k === "inference"),
            ai: share((k) => k.startsWith("op:ai.")),
            hostCalls: share((k) => k.startsWith("op:")),
            sqlite: share((k) => k.startsWith("sqlite:")),
            sqliteLibrary: share((k) => k === "sqlite:library.db"),
          };
        }
        results[p].push(r);
      }
    }
    const kernel = await kernelVsJs(work);

    const analyzed = results[4][0].analyzed;
    const detecting = results[4][0].detecting;
    const row = (p) => {
      const wall = median(results[p].map((r) => r.wall));
      const index = median(results[p].map((r) => r.indexMs));
      const shares = results[p][0].shares ? Object.fromEntries(Object.keys(results[p][0].shares).map((k) => [k, median(results[p].map((r) => r.shares[k]))])) : null;
      const pct = (v) => `${Math.round(v * 100)}%`;
      return [`parallelism ${p}`, ms(wall), `${(analyzed / (wall / 1000)).toFixed(1)}/s`, ms(index),
        shares ? `inference ${pct(shares.inference)}, AI calls (read, decode, inference, NMS) ${pct(shares.ai)}, calls answered on the host's thread ${pct(shares.hostCalls)}, SQLite on the host's thread ${pct(shares.sqlite)} (library.db ${pct(shares.sqliteLibrary)})` : "not measured (host internals changed)"];
    };
    return {
      title: "Photos: analyzed per second end to end, parallelism 1 vs 4; similarity kernel vs guest JS",
      description: `\`node scripts/bench.mjs photos\`. ${generated.files.length} generated 640×480 JPEGs with EXIF (${analyzed} unique contents, scripts/demo/photos.mjs), a fresh library per run: install, index, \`analyzePhotos\`. ${detecting ? "UltraFace RFB-320 installed from ../shared/fixtures/models (the photos hold no faces, so embeddings never run)." : "**Face detection off**: ../shared/fixtures/models not found, so the time is scene classification and bookkeeping only."} Medians of ${ROUNDS} interleaved rounds.`,
      header: ["analyzePhotos", "index + analyze", "photos/s", "of which index", "share of the job's wall time (union of busy intervals)"],
      rows: [
        row(1),
        row(4),
        ...kernel.map((k) => [`bestMatchIndex, ${k.people} people × 128-d`, `kernel ${k.kernel < 0.1 ? (k.kernel * 1000).toFixed(0) + " µs" : ms(k.kernel)}/call`, `guest JS ${k.js < 0.1 ? (k.js * 1000).toFixed(0) + " µs" : ms(k.js)}/call`, `kernel ${(k.js / k.kernel).toFixed(1)}× faster`, `${k.calls} calls × 3 rounds in one sandboxed job, interleaved`]),
      ],
      notes: "Shares come from wrapping, on the bench process's main thread only, the host calls that reach the host's thread (AI, tasks, logs; every library call is answered inside its sandbox worker and is not counted), OnnxSessions.run and better-sqlite3 statements/transactions; the AI share includes the inference it waits on, and SQLite also counts the job bookkeeping in jobs.db. The kernel runs host-side in its own WebAssembly instance (one host call per bestMatchIndex, copying the centroids in); guest JS runs in QuickJS's interpreter.",
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
