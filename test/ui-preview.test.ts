/**
 * The UI preview in a real browser: Debian's Chromium driven by playwright-core renders the Photos
 * extension's ui_manifest.json from a real library (generated photos with EXIF, indexed and
 * analyzed by the extension), changes a setting, runs an action through preview → confirm →
 * execute → undo, and follows a change another process makes to the library. Every wait is on what
 * the page shows, never on a timer.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { copyFileSync, mkdirSync, readdirSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromium, type Browser, type Page } from "playwright-core";
// @ts-expect-error plain ESM script without types
import { generatePhotos } from "../scripts/demo/photos.mjs";
import { findChromium } from "./helpers/chromium.js";
import { SDX_BIN, sdxJson, tempDir } from "./helpers/cli.js";

const EXAMPLE = fileURLToPath(new URL("../examples/photos", import.meta.url));
const ID = "com.spacedrive.photos";
const executablePath = findChromium();

interface Row { id: string; title: string; thumbnail?: string; location?: unknown }

describe.skipIf(!executablePath)("the UI preview in Chromium", () => {
  const work = tempDir("sdx-ui-");
  const photos = join(work, "photos");
  const library = join(work, "library");
  let preview: ChildProcess;
  let url = "";
  let browser: Browser;
  let page: Page;
  const query = (name: string) => sdxJson<{ rows: Row[] }>(["query", `${ID}.${name}`, "--library", library, "--all"]).json.rows;

  beforeAll(async () => {
    mkdirSync(photos, { recursive: true });
    await generatePhotos(photos, { perCity: 2, withoutGps: 1, duplicates: 0 });
    const build = sdxJson<{ bundlePath: string }>(["build", EXAMPLE]);
    expect(build.status, build.stderr).toBe(0);
    expect(sdxJson(["install", build.json.bundlePath, "--library", library, "--grant", photos, "--yes"]).status).toBe(0);
    expect(sdxJson(["index", photos, "--library", library]).status).toBe(0);
    expect(sdxJson<{ state: string }>(["run", ID, "analyzePhotos", "--library", library, "--param", `location=${photos}`]).json.state).toBe("completed");

    preview = spawn(process.execPath, [SDX_BIN, "--json", "preview", ID, "--library", library], { stdio: ["ignore", "pipe", "inherit"] });
    url = await new Promise<string>((resolve, reject) => {
      let out = "";
      preview.stdout!.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        const line = out.split("\n")[0];
        if (out.includes("\n")) resolve((JSON.parse(line!) as { url: string }).url);
      });
      preview.once("exit", (code) => reject(new Error(`sdx preview exited ${code}: ${out}`)));
    });
    browser = await chromium.launch({ executablePath: executablePath!, args: ["--no-sandbox"] });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(url);
  });

  afterAll(async () => {
    await browser?.close();
    if (preview && preview.exitCode === null) {
      const exited = new Promise((resolve) => preview.once("exit", resolve));
      preview.kill("SIGTERM");
      await exited;
    }
  });

  it("listens on 127.0.0.1, answers nothing without its token or under another host name, and checks what the page asks", async () => {
    const { origin, searchParams } = new URL(url);
    expect(new URL(url).hostname).toBe("127.0.0.1");
    const status = (path: string, headers: Record<string, string> = {}) => new Promise<number>((resolve, reject) => {
      const req = request(`${origin}${path}`, { headers }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on("error", reject);
      req.end();
    });
    expect(await status("/api/ui")).toBe(403);
    expect(await status("/api/ui", { "x-sdx-token": "guess" })).toBe(403);
    expect(await status("/api/ui", { "x-sdx-token": searchParams.get("token")!, host: "evil.example:80" })).toBe(403);
    expect(await status("/api/ui", { "x-sdx-token": searchParams.get("token")! })).toBe(200);
    // What the page asks for is checked like any caller's: a bad page size, a section that is not declared.
    const auth = { "x-sdx-token": searchParams.get("token")! };
    expect(await status("/api/rows?source=view:places_map&limit=abc", auth)).toBe(400);
    expect(await status("/api/rows?source=view:nothing", auth)).toBe(404);
  });

  it("shows Places as a map with one marker per photo with a GPS position", async () => {
    const places = query("exifGps");
    expect(places.length).toBeGreaterThan(0);
    await page.click("[data-nav='view:places_map']");
    const map = page.locator(".map[data-markers]");
    await map.waitFor();
    expect(Number(await map.getAttribute("data-markers"))).toBe(places.filter((r) => r.location).length);
    expect(await page.locator(".leaflet-overlay-pane path").count()).toBeGreaterThan(places.length); // land shapes and the markers
  });

  it("shows Moments as a timeline with each moment's thumbnail", async () => {
    const moments = query("moments");
    expect(moments.length).toBeGreaterThan(0);
    await page.click("[data-nav='view:moments_view']");
    await page.locator(`[data-component=timeline][data-rows='${moments.length}']`).waitFor();
    expect(await page.locator(".moment .title").allTextContents()).toEqual(moments.map((m) => m.title));
    const thumbs = page.locator(".moment img.thumb");
    expect(await thumbs.count()).toBe(moments.filter((m) => m.thumbnail).length);
    // Every thumbnail loaded and decoded (a string: it runs in the page, not under Node's types).
    await page.waitForFunction("[...document.querySelectorAll('.moment img.thumb')].every((img) => img.complete && img.naturalWidth > 0)");
    await page.locator(".moment").first().click();
    await page.locator(`aside.detail[data-id='${moments[0]!.id}']`).waitFor();
  });

  it("shows People as a grid (empty until faces are grouped)", async () => {
    await page.click("[data-nav='section:people']");
    await page.locator("[data-component=grid]").waitFor();
    expect(await page.locator("[data-component=grid] .tile").count()).toBe(query("people").length);
  });

  it("changes a setting through the pane generated from the @setting fields", async () => {
    await page.click("[data-nav='settings']");
    await page.fill("input[name=faceThreshold]", "0.85");
    await page.click("button[type=submit]");
    await page.locator(".status", { hasText: "Saved." }).waitFor();
    expect(sdxJson<{ values: Record<string, unknown> }>(["settings", ID, "--library", library]).json.values.faceThreshold).toBe(0.85);
  });

  it("runs an action: preview, confirm, execute, undo", async () => {
    const albums = () => sdxJson<{ rows: Row[] }>(["query", ID, "--filter", "FROM Album", "--library", library]).json.rows.length;
    await page.click("[data-nav='actions']");
    const card = page.locator("article.action[data-action=organizePhotos]");
    await card.locator("input[name=location]").fill(photos);
    await card.locator("button.preview").click();
    await card.locator("[data-step=previewed]").or(page.locator("article.action[data-step=previewed]")).waitFor();
    expect(await card.locator(".changes li").count()).toBeGreaterThan(0);
    expect(albums()).toBe(0); // previewed, nothing applied
    await card.locator("button.confirm").click();
    await page.locator("article.action[data-step=executed]").waitFor();
    expect(albums()).toBeGreaterThan(0);
    await card.locator("button.undo").click();
    await page.locator("article.action[data-step=undone]").waitFor();
    expect(albums()).toBe(0);
  });

  it("updates when another process changes the library", async () => {
    await page.click("[data-nav='view:places_map']");
    const before = query("exifGps").length;
    await page.locator(`[data-component=map][data-rows='${before}']`).waitFor();
    const more = join(work, "more");
    mkdirSync(more);
    await generatePhotos(more, { perCity: 1, withoutGps: 0, duplicates: 0 });
    const [file] = readdirSync(more, { recursive: true }).map(String).filter((f) => f.endsWith(".jpg"));
    copyFileSync(join(more, file!), join(photos, "added-later.jpg"));
    expect(sdxJson(["index", photos, "--library", library]).status).toBe(0);
    await page.locator(`[data-component=map][data-rows='${before + 1}']`).waitFor();
  });
});
