// Issue 2: `sdx build` of examples/photos, cold and warm (after a one-line change), as ratios to
// `tsc --noEmit` on the same project; bundle size. Cold = a fresh `sdx build` process, like CI.
// Warm = `sdx build --watch`'s Builder kept alive, rebuilding after a one-line edit.
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createBuilder } from "../../packages/bundle/dist/index.js";
import { median, ms, ratio } from "./util.mjs";

const root = fileURLToPath(new URL("../../", import.meta.url));
const sdx = join(root, "packages/cli/bin/sdx.js");
const tsc = join(root, "node_modules/typescript/bin/tsc");

function timeProcess(args) {
  const start = performance.now();
  execFileSync(process.execPath, args, { stdio: "pipe" });
  return performance.now() - start;
}

export async function run() {
  const work = mkdtempSync(join(tmpdir(), "sdx-bench-build-"));
  const project = join(work, "photos");
  cpSync(join(root, "examples/photos"), project, { recursive: true, filter: (src) => !/\/(dist|generated|node_modules)(\/|$)/.test(src) });
  // tsc needs the SDK types the way sdx provides them: point paths at this installation.
  writeFileSync(join(project, "tsconfig.bench.json"), JSON.stringify({
    extends: "./tsconfig.json",
    compilerOptions: { baseUrl: ".", paths: { "@sdx/sdk": [join(root, "packages/sdk/dist/index.d.ts")], "@sdx/sdk/*": [join(root, "packages/sdk/*")] }, types: [] },
    include: ["src", join(root, "packages/sdk/guest-env.d.ts")],
  }));
  timeProcess([sdx, "build", project]); // warm the OS file cache once
  const cold = [];
  const tscTimes = [];
  for (let i = 0; i < 5; i++) {
    rmSync(join(project, "dist"), { recursive: true, force: true });
    cold.push(timeProcess([sdx, "build", project]));
    tscTimes.push(timeProcess([tsc, "--noEmit", "-p", join(project, "tsconfig.bench.json")]));
  }
  const size = readFileSync(join(project, "dist/com.spacedrive.photos-1.0.0.sdx.wasm")).length;

  const builder = await createBuilder({ projectDir: project });
  await builder.build();
  const geo = join(project, "src/geo.ts");
  const original = readFileSync(geo, "utf8");
  const warm = [];
  for (let i = 0; i < 7; i++) {
    writeFileSync(geo, original.replace("const EARTH_RADIUS_M = 6_371_000;", `const EARTH_RADIUS_M = ${6_371_000 + i + 1};`));
    const start = performance.now();
    const result = await builder.build([geo]);
    warm.push(performance.now() - start);
    if (!result.ok) throw new Error("warm rebuild failed");
  }
  await builder.dispose();
  rmSync(work, { recursive: true, force: true });

  const c = median(cold);
  const t = median(tscTimes);
  const w = median(warm);
  return {
    title: "sdx build (examples/photos) vs tsc --noEmit",
    description: "`node scripts/bench.mjs build`. Medians of 5 interleaved cold runs (fresh processes) and 7 warm rebuilds after a one-line change (the `sdx build --watch` builder). Goals: cold ≤ 1.5× tsc, warm ≤ 0.5 s.",
    header: ["measure", "time", "vs tsc --noEmit"],
    rows: [
      ["tsc --noEmit", ms(t), "1.00×"],
      ["sdx build, cold (codegen + esbuild + AssemblyScript kernels + bundle)", ms(c), ratio(c, t)],
      ["sdx build --watch, after a one-line change", ms(w), ratio(w, t)],
      ["bundle size", `${(size / 1024).toFixed(1)} KiB`, ""],
    ],
  };
}
