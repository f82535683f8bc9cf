/**
 * A host SIGKILLed in the middle of an action's batch of moves (after two moves, with the third
 * file linked at its destination but not yet unlinked at its source, two more not started), and
 * the library opened again: the journal in jobs.db says what was in flight, the library did not
 * commit, so every file goes back where it was, no file is lost or doubled, the index is as before
 * and the action is failed (nothing applied). The child stops at a hard link, not at a time.
 */
import { afterAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Host } from "@sdx/host";
import { writeBundle } from "@sdx/bundle-format";
import { guest } from "@sdx/sandbox/testing";
import { exactDump } from "../packages/host/src/jobs/__tests__/library-dump.js";
import { tempDir } from "./helpers/cli.js";
import { listing } from "./helpers/files.js";
import { EXTENSION, GUEST_HANDLERS, MANIFEST } from "./fixtures/file-actions/extension.mjs";

const CHILD = fileURLToPath(new URL("./fixtures/file-actions/child.mjs", import.meta.url));
const root = fs.realpathSync(tempDir("sdx-files-crash-"));

afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** Runs the child until it reports it paused at the n-th link, then SIGKILLs it. */
function killAtLink(library: string, actionId: string, n: number): Promise<{ from: string; to: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, library, actionId, String(n)], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    let paused: { from: string; to: string } | null = null;
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split("\n").find((l) => l.includes('"paused"'));
      if (line && !paused) {
        paused = (JSON.parse(line) as { paused: { from: string; to: string } }).paused;
        child.kill("SIGKILL");
      }
    });
    child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
    child.on("error", reject);
    child.on("exit", (_code, signal) => (signal === "SIGKILL" && paused ? resolve(paused) : reject(new Error(`child did not pause: ${out}\n${err}`))));
  });
}

describe("a host killed in the middle of a batch of moves", () => {
  it("is recovered when the library is opened again: every file back, nothing applied", async () => {
    const photos = path.join(root, "photos");
    const library = path.join(root, "library");
    fs.mkdirSync(photos);
    for (let i = 1; i <= 5; i++) fs.writeFileSync(path.join(photos, `p${i}.jpg`), Buffer.alloc(300 + i, i));
    const target = path.join(photos, "album");

    let host = await Host.open({ libraryDir: library, recover: false });
    const bundle = await writeBundle({ manifestJson: JSON.stringify(MANIFEST), guestJs: guest(GUEST_HANDLERS), schemaSql: "", uiManifestJson: null, prompts: {}, assets: {}, kernels: null });
    await host.install(bundle, { grants: MANIFEST.permissions.map((_, permission) => ({ permission, scope: [photos] })) });
    await host.index(photos, { media: false });
    const previewed = await host.previewAction(EXTENSION, "gather", { target });
    expect(previewed.preview!.changes.filter((c) => c.type === "move_file")).toHaveLength(5);
    const files = listing(photos);
    const dump = exactDump(host.library.db);
    await host.close();

    const paused = await killAtLink(library, previewed.actionId, 3);
    // Torn on disk: p1, p2 moved; p3 under both names; p4, p5 untouched.
    expect(paused).toEqual({ from: path.join(photos, "p3.jpg"), to: path.join(target, "p3.jpg") });
    expect(Object.keys(listing(photos)).sort()).toEqual(["album/p1.jpg", "album/p2.jpg", "album/p3.jpg", "p3.jpg", "p4.jpg", "p5.jpg"]);

    host = await Host.open({ libraryDir: library, recover: false });
    try {
      expect(listing(photos)).toEqual(files);
      expect(fs.existsSync(target)).toBe(false);
      expect(exactDump(host.library.db)).toBe(dump);
      expect(host.getAction(previewed.actionId)).toMatchObject({ state: "failed", error: { message: expect.stringContaining("4 file operation(s) were reversed") } });
    } finally {
      await host.close();
    }
    // Nothing is left in flight: opening the library again changes nothing more.
    host = await Host.open({ libraryDir: library, recover: false });
    await host.close();
    expect(listing(photos)).toEqual(files);
  });
});
