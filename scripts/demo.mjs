#!/usr/bin/env node
// `npm run demo [-- --photos <dir>] [--models <dir>] [--library <dir>] [--json]`
//
// The whole architecture on one run, through the real `sdx` CLI: build examples/photos, create a
// library, generate photos with real EXIF and add the shipped sample photos with faces (unless
// --photos), install the bundle with grants, install the shipped face models (or those of
// --models; files matched by sha256), index, run analyzePhotos, preview organizePhotos, and print
// a summary with the next commands to try. Everything it needs is in the repository.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import Database from "better-sqlite3";
import { generatePhotos } from "./demo/photos.mjs";

const root = fileURLToPath(new URL("../", import.meta.url));
const SDX = join(root, "packages/cli/bin/sdx.js");
const EXTENSION = "com.spacedrive.photos";
// Shipped with the example (licenses and sources in each folder's SOURCES.md).
const SHIPPED_MODELS = join(root, "examples/photos/models");
const SHIPPED_SAMPLES = join(root, "examples/photos/samples");

const { values: args } = parseArgs({
  options: {
    photos: { type: "string" },
    models: { type: "string" },
    library: { type: "string" },
    "models-dir": { type: "string" },
    json: { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
});
if (args.help) {
  console.log("usage: npm run demo -- [--photos <dir>] [--models <dir>] [--library <dir>] [--models-dir <dir>] [--json]");
  process.exit(0);
}

const json = args.json;
const say = (line) => { if (!json) process.stderr.write(`${line}\n`); };
const work = mkdtempSync(join(tmpdir(), "sdx-demo-"));
const library = resolve(args.library ?? join(work, "library"));
// The demo keeps its models next to its library unless told otherwise, so it never touches ~/.spacedrive.
const modelsDir = resolve(args["models-dir"] ?? process.env.SDX_MODELS_DIR ?? join(work, "models"));
const env = { ...process.env, SDX_MODELS_DIR: modelsDir };

function sdx(argv, { capture = false } = {}) {
  const result = spawnSync(process.execPath, [SDX, ...(capture ? ["--json"] : []), ...argv], {
    env, encoding: "utf8", stdio: capture || json ? ["ignore", "pipe", "pipe"] : ["ignore", "inherit", "inherit"],
  });
  if (result.status !== 0) {
    process.stderr.write(result.stdout ?? "");
    process.stderr.write(result.stderr ?? "");
    throw new Error(`sdx ${argv.join(" ")} exited ${result.status}`);
  }
  return capture ? JSON.parse(result.stdout) : null;
}

say("1. build examples/photos");
const build = sdx(["build", join(root, "examples/photos")], { capture: true });
say(`   ${build.bundlePath} (${(build.bundleSize / 1024).toFixed(1)} KiB)`);

let photos = args.photos ? resolve(args.photos) : join(work, "photos");
if (!args.photos) {
  say("2. generate demo photos with EXIF (3 cities, a few without GPS, duplicates) and add the sample photos with faces");
  mkdirSync(photos, { recursive: true });
  const generated = await generatePhotos(photos);
  cpSync(SHIPPED_SAMPLES, join(photos, "people"), { recursive: true, filter: (src) => !src.endsWith(".md") });
  say(`   ${generated.files.length} generated photos and the samples of examples/photos/samples in ${photos}`);
} else {
  if (!existsSync(photos)) throw new Error(`--photos ${photos} does not exist`);
  say(`2. using your photos in ${photos}`);
}

say(`3. install ${EXTENSION} into ${library}, granting its permissions for ${photos}`);
sdx(["install", build.bundlePath, "--library", library, "--grant", photos, "--yes"], { capture: true });

const modelsFrom = resolve(args.models ?? SHIPPED_MODELS);
say(`4. install the face models from ${modelsFrom} (matched by sha256)`);
const installed = sdx(["models", "install-dir", modelsFrom], { capture: true });
say(`   installed: ${installed.installed.map((m) => m.name).join(", ") || "none matched"}`);

say("5. index the photos (EXIF sidecars, thumbnails, content identities)");
sdx(["index", photos, "--library", library], json ? { capture: true } : {});

say("6. run analyzePhotos");
const run = sdx(["run", EXTENSION, "analyzePhotos", "--library", library, "--param", `location=${photos}`], { capture: true });
if (run.state !== "completed") throw new Error(`analyzePhotos ${run.state}: ${run.error?.message}`);

say("7. preview organizePhotos");
const preview = sdx(["action", `${EXTENSION}.organizePhotos`, "--library", library, "--param", `location=${photos}`, "--preview"], { capture: true });
const changes = preview.preview?.changes ?? [];
const count = (type) => changes.filter((c) => c.type === type).length;
say(`   ${preview.preview?.title}: ${changes.length} changes previewed (${count("create_directory")} album folders, ${count("move_file")} moves, collections, tags); nothing applied`);

const db = new Database(join(library, "library.db"), { readonly: true });
const one = (sql, ...p) => Object.values(db.prepare(sql).get(...p))[0];
const models = (type) => one("SELECT count(*) FROM models WHERE extension_id = ? AND model_type = ?", EXTENSION, type);
const summary = {
  library,
  location: photos,
  photos: one("SELECT count(*) FROM entries WHERE kind = 'image'"),
  duplicates: one("SELECT count(*) - count(DISTINCT content_identity_uuid) FROM entries WHERE kind = 'image'"),
  analyzed: models("PhotoAnalysis"),
  places: models("Place"),
  moments: models("Moment"),
  faces: one("SELECT coalesce(sum(json_extract(data, '$.faceCount')), 0) FROM models WHERE extension_id = ? AND model_type = 'PhotoAnalysis'", EXTENSION),
  people: models("Person"),
  tags: one("SELECT count(DISTINCT t.name) FROM tags t JOIN tag_links l ON l.tag_id = t.id"),
  faceDetection: Boolean(run.result?.detecting),
  faceGrouping: Boolean(run.result?.grouping),
  organize: { previewed: changes.length, albums: count("create_directory"), moves: count("move_file") },
  durationMs: run.durationMs,
};
db.close();

if (json) {
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
} else {
  const bundle = build.bundlePath;
  const modelsNote = summary.faceDetection ? "" : " (face detection off: no face_detection model installed)";
  console.log(`
Photos demo — library ${summary.library}
  photos      ${summary.photos} (${summary.duplicates} duplicates share a content identity)
  analyzed    ${summary.analyzed} unique photos in ${summary.durationMs} ms
  faces       ${summary.faces}${modelsNote}
  people      ${summary.people}${summary.faceGrouping ? "" : " (grouping off: no face_embedding model installed)"}
  places      ${summary.places}
  moments     ${summary.moments}
  tags        ${summary.tags}
  organize    ${summary.organize.moves} photos into ${summary.organize.albums} album folders, previewed by organizePhotos (not applied)

Next:
  npx sdx action ${EXTENSION}.organizePhotos --library ${library} --param location=${photos}    # review the preview, then apply it
  npx sdx actions list --library ${library}                                                   # and undo it: sdx actions undo <id> --library …
  npx sdx models list --models-dir ${modelsDir}
  npx sdx inspect ${bundle}
  sqlite3 ${join(library, "library.db")} "select model_type, count(*) from models group by 1"
  npm run demo -- --photos ~/Pictures                                                        # your own photos, with the shipped models`);
}
