#!/usr/bin/env node
// `node scripts/ui-screenshots.mjs [--out docs/images]`: the screenshots of docs/ui.md. Builds and
// runs the Photos extension on the real-world fixture photos (faces, GPS, camera EXIF in
// ../shared/fixtures, with its face models) through `npm run demo`, serves its UI with `sdx
// preview`, and photographs the People, Places and Moments views in Debian's Chromium
// (playwright-core). Needs ../shared/fixtures and Chromium (scripts/install-chromium.sh).
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";

const root = fileURLToPath(new URL("../", import.meta.url));
const fixtures = resolve(root, "../shared/fixtures");
const { values: args } = parseArgs({ options: { out: { type: "string", default: join(root, "docs/images") } } });
if (!existsSync(fixtures)) throw new Error(`no fixtures at ${fixtures}: the screenshots use the real-world photos`);
const browserPath = process.env.SDX_CHROMIUM ?? ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => existsSync(p));
if (!browserPath) throw new Error("no Chromium: run scripts/install-chromium.sh");

const work = mkdtempSync(join(tmpdir(), "sdx-shots-"));
const photos = join(work, "photos");
for (const folder of ["faces", "exif/gps", "exif/camera"]) {
  const target = join(photos, folder.replace("/", "-"));
  mkdirSync(target, { recursive: true });
  for (const file of readdirSync(join(fixtures, folder)).filter((f) => /\.jpe?g$/i.test(f))) copyFileSync(join(fixtures, folder, file), join(target, file));
}
const library = join(work, "library");
const demo = spawnSync(process.execPath, [join(root, "scripts/demo.mjs"), "--photos", photos, "--models", join(fixtures, "models"), "--library", library, "--models-dir", join(work, "models"), "--json"], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
if (demo.status !== 0) throw new Error(`npm run demo failed (${demo.status})`);
const summary = JSON.parse(demo.stdout);
console.error(`library: ${summary.photos} photos, ${summary.people} people, ${summary.places} places, ${summary.moments} moments`);

const preview = spawn(process.execPath, [join(root, "packages/cli/bin/sdx.js"), "--json", "preview", "com.spacedrive.photos", "--library", library], { stdio: ["ignore", "pipe", "inherit"] });
const url = await new Promise((ok, fail) => {
  let out = "";
  preview.stdout.on("data", (chunk) => {
    out += chunk;
    if (out.includes("\n")) ok(JSON.parse(out.split("\n")[0]).url);
  });
  preview.once("exit", (code) => fail(new Error(`sdx preview exited ${code}`)));
});

const browser = await chromium.launch({ executablePath: browserPath, args: ["--no-sandbox"] });
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 760 } });
  await page.goto(url);
  const imagesLoaded = () => page.waitForFunction("[...document.images].every((img) => img.complete && img.naturalWidth > 0)");
  mkdirSync(args.out, { recursive: true });
  const shots = [
    ["people", "section:people", "[data-component=grid]"],
    ["places", "view:places_map", ".map[data-markers]"],
    ["moments", "view:moments_view", "[data-component=timeline]"],
  ];
  for (const [name, nav, ready] of shots) {
    await page.click(`[data-nav='${nav}']`);
    await page.locator(ready).waitFor();
    await imagesLoaded();
    await page.screenshot({ path: join(args.out, `preview-${name}.png`) });
    console.error(`wrote ${join(args.out, `preview-${name}.png`)}`);
  }
  // Choosing a person opens the photos they appear in (on_select → photosOf).
  await page.click("[data-nav='section:people']");
  await page.locator("[data-component=grid] .tile").first().click();
  await page.locator("[data-component=grid]").waitFor();
  await imagesLoaded();
  await page.screenshot({ path: join(args.out, "preview-person.png") });
  console.error(`wrote ${join(args.out, "preview-person.png")}`);
} finally {
  await browser.close();
  preview.kill("SIGTERM");
}
