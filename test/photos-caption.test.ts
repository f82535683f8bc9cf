/**
 * Photos writes captions only when the user configured a language model: through the real CLI,
 * against a loopback test peer that speaks Ollama's API (documented in llm-peers.ts; nothing
 * leaves the machine), with the bundled Jinja template rendered by the host.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { startLlmPeer, peerReply, type LlmPeer } from "../packages/host/src/core/ai/testing/llm-peers.js";
// @ts-expect-error plain ESM script without types
import { generatePhotos } from "../scripts/demo/photos.mjs";
import { sdxJson, sdxJsonAsync, tempDir } from "./helpers/cli.js";

const EXAMPLE = fileURLToPath(new URL("../examples/photos", import.meta.url));
const ID = "com.spacedrive.photos";

describe("Photos captions through a configured language model", () => {
  let peer: LlmPeer;
  const work = tempDir("sdx-caption-");
  const photos = join(work, "photos");
  const models = join(work, "models");
  const captions = (library: string) => {
    const db = new Database(join(library, "library.db"), { readonly: true });
    const rows = db.prepare("SELECT json_extract(data, '$.caption') AS caption FROM models WHERE model_type = 'PhotoAnalysis'").all() as Array<{ caption: string | null }>;
    db.close();
    return rows.map((r) => r.caption);
  };
  // The job calls the peer in this process, so it must not run through a blocking spawnSync.
  const analyze = async (library: string) => {
    const env = ["--models-dir", models];
    expect((await sdxJsonAsync([...env, "install", bundle, "--library", library, "--grant", photos, "--yes"])).status).toBe(0);
    // Indexing may start the extension's own work (its onNewPhoto hook dispatches analyzePhotos).
    expect((await sdxJsonAsync([...env, "index", photos, "--library", library])).status).toBe(0);
    const run = await sdxJsonAsync<{ state: string; error: unknown }>([...env, "run", ID, "analyzePhotos", "--library", library, "--param", `location=${photos}`]);
    expect(run.json.state, JSON.stringify(run.json.error)).toBe("completed");
  };
  let bundle = "";

  beforeAll(async () => {
    peer = await startLlmPeer("ollama", ["tiny-captioner"]);
    mkdirSync(photos, { recursive: true });
    await generatePhotos(photos, { perCity: 1, withoutGps: 0, duplicates: 0 });
    const build = sdxJson<{ bundlePath: string }>(["build", EXAMPLE]);
    expect(build.status, build.stderr).toBe(0);
    bundle = build.json.bundlePath;
  });
  afterAll(async () => peer?.close());

  it("writes no captions when no language model is configured", async () => {
    const library = join(work, "without");
    await analyze(library);
    expect(captions(library)).toEqual([null, null, null]);
    expect(peer.requests).toHaveLength(0);
  });

  it("renders prompts/caption.jinja and stores the model's answer when one is", async () => {
    expect(sdxJson(["--models-dir", models, "models", "add-endpoint", "caption", "--kind", "ollama", "--url", peer.url, "--model", "tiny-captioner", "--category", "llm"]).status).toBe(0);
    const library = join(work, "with");
    await analyze(library);
    const prompts = [...new Set(peer.requests.map((r) => String(r.body.prompt)))];
    expect(prompts).toHaveLength(3); // one per photo, however many jobs ran
    for (const prompt of prompts) {
      expect(prompt).toMatch(/^Write a one-sentence caption for a photo taken near -?\d+\.\d\d, -?\d+\.\d\d on 2024-\d\d-\d\d\./);
      expect(prompt).toMatch(/Looks: (bright|dark), (colorful|muted), (landscape|portrait)\./);
    }
    const expected = prompts.map((p) => peerReply("tiny-captioner", p, 60).trim()).sort();
    expect(captions(library).sort()).toEqual(expected);
  });
});
