// `sdx build` of examples/photos against `tsc --noEmit` on the same sources, interleaved.
// Cold means nothing cached: dist/, generated/ and .sdx-cache/ (kernels included) deleted, and the
// compiled-code caches of Node (v8-compile-cache on Node 20, NODE_COMPILE_CACHE on Node ≥ 22) pointed
// at a new empty directory, in a fresh process. tsc runs the same way (fresh process, empty caches).
// "Cached" is a second fresh process with those caches kept; "warm" is the `--watch` builder kept
// alive, rebuilding after a one-line edit. CPU is user+sys of the process and its children.
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createBuilder } from "../../packages/bundle/dist/index.js";
import { median, ms, ratio } from "./util.mjs";

const root = fileURLToPath(new URL("../../", import.meta.url));
const sdx = join(root, "packages/cli/bin/sdx.js");
// The TypeScript the codegen type-checks with: the same compiler on both sides.
const tsc = createRequire(join(root, "packages/codegen/package.json")).resolve("typescript/bin/tsc");
const ROUNDS = Number(process.env.SDX_BENCH_ROUNDS ?? 5);

/** Runs node with `args` under /bin/sh so `times` reports the CPU of node and its children (esbuild). */
function runNode(args, env) {
  const quoted = [process.execPath, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
  const start = performance.now();
  const out = execFileSync("/bin/sh", ["-c", `${quoted} >/dev/null || exit 1; times`], { env: { ...process.env, ...env }, encoding: "utf8" });
  const wall = performance.now() - start;
  // `times` prints the shell's own user/sys, then its children's: "0m1.23s 0m0.04s".
  const seconds = out.trim().split("\n").at(-1).match(/(\d+)m([\d.]+)s/g).map((t) => { const [, m, s] = /(\d+)m([\d.]+)s/.exec(t); return Number(m) * 60 + Number(s); });
  return { wall, cpu: (seconds[0] + seconds[1]) * 1000 };
}

function copyProject(work, name, withOwnKernel) {
  const project = join(work, name);
  cpSync(join(root, "examples/photos"), project, { recursive: true, filter: (src) => !/\/(dist|generated|node_modules|\.sdx-cache)(\/|$)/.test(src) });
  // tsc needs the SDK types the way sdx provides them: point paths at this installation.
  writeFileSync(join(project, "tsconfig.bench.json"), JSON.stringify({
    extends: "./tsconfig.json",
    compilerOptions: { paths: { "@sdx/sdk": [join(root, "packages/sdk/dist/index.d.ts")], "@sdx/sdk/*": [join(root, "packages/sdk/*")] }, types: [] },
    include: ["src", join(root, "packages/sdk/guest-env.d.ts")],
  }));
  if (withOwnKernel) {
    // An author's own AssemblyScript next to the SDK's: the kernels module must be compiled.
    mkdirSync(join(project, "kernels"), { recursive: true });
    writeFileSync(join(project, "kernels/own.ts"), "export function scale(v: Float32Array, k: f32): f32 {\n  let s: f32 = 0;\n  for (let i = 0; i < v.length; i++) s += unchecked(v[i]) * k;\n  return s;\n}\n");
  }
  return project;
}

/** Empties everything a build may reuse; returns the env that points the code caches at `caches`. */
function makeCold(project, caches) {
  for (const dir of ["dist", "generated", ".sdx-cache"]) rmSync(join(project, dir), { recursive: true, force: true });
  rmSync(caches, { recursive: true, force: true });
  mkdirSync(caches, { recursive: true });
  return { V8_COMPILE_CACHE_CACHE_DIR: join(caches, "v8"), NODE_COMPILE_CACHE: join(caches, "node") };
}

/**
 * The `--watch` builder kept alive, rebuilding after one-line edits. The first rebuild after the
 * initial build is reported apart: TypeScript's builder learns the files' declaration signatures
 * then, so it re-checks the edited file's importers once. CPU is this process's (its threads
 * included); esbuild's service process is not counted.
 */
async function warmRebuilds(project) {
  const builder = await createBuilder({ projectDir: project });
  const first = await builder.build();
  if (!first.ok) throw new Error("build failed");
  const geo = join(project, "src/geo.ts");
  const original = readFileSync(geo, "utf8");
  const runs = [];
  for (let i = 0; i < 8; i++) {
    writeFileSync(geo, original.replace("const EARTH_RADIUS_M = 6_371_000;", `const EARTH_RADIUS_M = ${6_371_000 + i + 1};`));
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    const result = await builder.build([geo]);
    const wall = performance.now() - start;
    const cpu = process.cpuUsage(cpuStart);
    runs.push({ wall, cpu: (cpu.user + cpu.system) / 1000 });
    if (!result.ok) throw new Error("warm rebuild failed");
  }
  await builder.dispose();
  writeFileSync(geo, original);
  const rest = runs.slice(1);
  return { first: runs[0], wall: median(rest.map((r) => r.wall)), cpu: median(rest.map((r) => r.cpu)) };
}

export async function run() {
  const loadBefore = loadavg()[0];
  const work = mkdtempSync(join(tmpdir(), "sdx-bench-build-"));
  const photos = copyProject(work, "photos", false);
  const own = copyProject(work, "photos-own-kernel", true);
  const caches = join(work, "caches");
  const tscArgs = (project) => [tsc, "--noEmit", "-p", join(project, "tsconfig.bench.json")];
  // Once each to fill the OS file cache (not timed).
  runNode([sdx, "build", photos], makeCold(photos, caches));
  runNode(tscArgs(photos), makeCold(photos, caches));

  const m = { tsc: [], cold: [], cached: [], own: [] };
  for (let i = 0; i < ROUNDS; i++) {
    m.tsc.push(runNode(tscArgs(photos), makeCold(photos, caches)));
    const env = makeCold(photos, caches);
    m.cold.push(runNode([sdx, "build", photos], env));
    m.cached.push(runNode([sdx, "build", photos], env)); // same caches, second process: what re-running gives
    m.own.push(runNode([sdx, "build", own], makeCold(own, caches)));
  }
  const size = readFileSync(join(photos, "dist/com.spacedrive.photos-1.0.0.sdx.wasm")).length;
  const warm = await warmRebuilds(photos);
  const loadAfter = loadavg()[0];
  rmSync(work, { recursive: true, force: true });

  const wall = (k) => median(m[k].map((x) => x.wall));
  const cpu = (k) => median(m[k].map((x) => x.cpu));
  const row = (label, k) => [label, ms(wall(k)), ratio(wall(k), wall("tsc")), ms(cpu(k)), ratio(cpu(k), cpu("tsc"))];
  return {
    title: "sdx build (examples/photos) vs tsc --noEmit",
    description:
      `\`node scripts/bench.mjs build\`. Medians of ${ROUNDS} rounds; each round runs tsc, a cold sdx build, the same again with its caches, and a cold build of a copy with one own kernel, one after the other in fresh processes. ` +
      "Cold: dist/, generated/, .sdx-cache/ deleted and Node's compiled-code cache (v8-compile-cache on Node 20, NODE_COMPILE_CACHE on Node ≥ 22) emptied; tsc runs with the same empty caches on the same sources and SDK types. " +
      "sdx build does what tsc --noEmit does (type-check the project) plus codegen, esbuild, kernels and writing the bundle; esbuild bundles in its own process while the main thread runs the checks (what entry points reach, type errors), so on a busy machine, with no core to spare, its time shows in the wall time. CPU is user+sys of the process and its children (esbuild). " +
      "Warm: one builder kept alive (what `sdx build --watch` runs) rebuilds after each of 8 one-line edits; its CPU is the bench process's own (esbuild's service process not counted). " +
      "Goals: cold ≤ 1.5× tsc, warm ≤ 0.3 s.",
    header: ["measure", "wall", "vs tsc", "CPU", "vs tsc"],
    rows: [
      ["tsc --noEmit (fresh process, empty caches)", ms(wall("tsc")), "1.00×", ms(cpu("tsc")), "1.00×"],
      row("sdx build, cold: nothing cached", "cold"),
      row("sdx build, fresh process, caches kept from the cold run", "cached"),
      row("sdx build, cold, plus one own kernel (AssemblyScript compile)", "own"),
      ["sdx build --watch, first rebuild after a one-line edit of src/geo.ts", ms(warm.first.wall), ratio(warm.first.wall, wall("tsc")), ms(warm.first.cpu), ratio(warm.first.cpu, cpu("tsc"))],
      ["sdx build --watch, later rebuilds after a one-line edit of src/geo.ts (median of 7)", ms(warm.wall), ratio(warm.wall, wall("tsc")), ms(warm.cpu), ratio(warm.cpu, cpu("tsc"))],
      ["bundle size", `${(size / 1024).toFixed(1)} KiB`, "", "", ""],
    ],
    goals: [
      { measure: "cold `sdx build examples/photos` vs `tsc --noEmit`, wall", goal: "≤ 1.5×", result: ratio(wall("cold"), wall("tsc")), met: wall("cold") <= 1.5 * wall("tsc") },
      { measure: "cold `sdx build examples/photos` vs `tsc --noEmit`, CPU", goal: "≤ 1.5×", result: ratio(cpu("cold"), cpu("tsc")), met: cpu("cold") <= 1.5 * cpu("tsc") },
      { measure: "warm rebuild after a one-line edit (`--watch`, median)", goal: "≤ 0.3 s", result: ms(warm.wall), met: warm.wall <= 300 },
    ],
    notes: `Load average (1 min) ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after, on ${process.platform} Node ${process.version}.`,
  };
}
