/**
 * `npm run demo` on what the repository ships (no ../shared): the face models and sample photos of
 * examples/photos find faces and group people, the generated GPS photos make places and moments,
 * the backup copies count as duplicates, the agent's memory knows the people, and organizePhotos
 * previews moves into album folders.
 * Then, through the CLI on the demo's library, the organize action is applied (the photos move and
 * indexing again finds nothing changed) and undone (every file back where it was).
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { sdxJson, tempDir } from "./helpers/cli.js";
import { listing } from "./helpers/files.js";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const work = tempDir("sdx-demo-test-");

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

interface DemoSummary {
  library: string;
  location: string;
  photos: number;
  duplicates: number;
  analyzed: number;
  faces: number;
  people: number;
  places: number;
  moments: number;
  faceDetection: boolean;
  faceGrouping: boolean;
  organize: { previewed: number; albums: number; moves: number };
}

describe("npm run demo", () => {
  it("shows faces, people, places, moments and duplicates from what the repository ships, and organizes photos into albums", () => {
    const library = path.join(work, "library");
    const run = spawnSync(process.execPath, [path.join(ROOT, "scripts/demo.mjs"), "--json", "--library", library, "--models-dir", path.join(work, "models")], {
      encoding: "utf8", env: { ...process.env, SDX_OFFLINE: "1" }, timeout: 240_000,
    });
    expect(run.status, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout) as DemoSummary;
    // 24 generated photos (18 in three cities with GPS, 3 scans, 3 byte-identical backups) and the 4 samples.
    expect(summary).toMatchObject({ photos: 28, duplicates: 3, analyzed: 25, faceDetection: true, faceGrouping: true, places: 3 });
    // One face in each sample photo; obama, obama2 and obama_small are one person, biden another.
    expect({ faces: summary.faces, people: summary.people }).toEqual({ faces: 4, people: 2 });
    expect(summary.moments).toBeGreaterThanOrEqual(3);
    // One album per city day (6 photos each; Paris also has its 3 backup copies).
    expect(summary.organize).toMatchObject({ albums: 3, moves: 21 });

    // What the agent and the job keep (sdx index and sdx run wait for the hooks they cause): a
    // LocalEditState per analyzed path, one knowledge node per person, no folder left in the plan.
    const db = new Database(path.join(library, "library.db"), { readonly: true });
    try {
      const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
      expect(count("SELECT count(*) AS n FROM models WHERE model_type = 'LocalEditState' AND json_extract(data, '$.processingState') = 'analyzed'")).toBe(summary.analyzed);
      expect(count("SELECT count(*) AS n FROM agent_memory_assoc_items WHERE field = 'knowledge'")).toBe(summary.people);
      expect(db.prepare("SELECT value FROM agent_memory_working WHERE field = 'plan'").get()).toEqual({ value: JSON.stringify({ pending: [] }) });
    } finally {
      db.close();
    }

    // Apply it through the CLI: the photos move into the album folders, and the index follows them.
    const photos = summary.location;
    const before = listing(photos);
    const applied = sdxJson<{ state: string; actionId: string }>(["action", "com.spacedrive.photos.organizePhotos", "--library", library, "--param", `location=${photos}`, "--yes"]);
    expect(applied.json.state).toBe("executed");
    const after = Object.keys(listing(photos));
    expect(after.filter((f) => f.startsWith("Albums/"))).toHaveLength(21);
    expect(after.filter((f) => f.startsWith("people/"))).toHaveLength(4);
    expect(sdxJson(["index", photos, "--library", library]).json).toMatchObject({ added: 0, moved: 0, deleted: 0, unchanged: 28 });

    expect(sdxJson(["actions", "undo", applied.json.actionId, "--library", library]).json).toMatchObject({ state: "undone" });
    expect(listing(photos)).toEqual(before);
    expect(fs.existsSync(path.join(photos, "Albums"))).toBe(false);
  });
});
