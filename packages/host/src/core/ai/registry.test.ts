import { SdxError } from "@sdx/sdk/errors";
import { spawn } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ModelRegistry } from "./registry.js";
import { withFileLock } from "./file-lock.js";
import { resolveModelsDir } from "./models-dir.js";
import { linearModel } from "./testing/onnx-writer.js";

const root = fs.mkdtempSync(path.join(os.tmpdir(), "sdx-registry-"));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const sha = (bytes: Uint8Array) => crypto.createHash("sha256").update(bytes).digest("hex");
const MODEL = linearModel(Float32Array.from({ length: 6 }, (_, i) => i), Float32Array.from([1, 2]), 3, 2);
const OTHER = linearModel(Float32Array.from({ length: 6 }, (_, i) => -i), Float32Array.from([3, 4]), 3, 2);

/** A loopback file server: `/model` (slowly, in chunks), `/other`, `/missing` (404). */
let server: http.Server;
let base: string;
let requests: string[] = [];
beforeAll(async () => {
  server = http.createServer(async (req, res) => {
    requests.push(req.url ?? "");
    if (req.url === "/model" || req.url === "/other") {
      const body = Buffer.from(req.url === "/model" ? MODEL : OTHER);
      res.writeHead(200, { "content-type": "application/octet-stream", "content-length": body.length });
      for (let i = 0; i < body.length; i += 64) {
        res.write(body.subarray(i, i + 64));
        await new Promise((r) => setTimeout(r, 10));
      }
      res.end();
    } else {
      res.writeHead(404).end("no such model");
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

let dir: string;
let registry: ModelRegistry;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(root, "models-"));
  registry = new ModelRegistry(dir);
  requests = [];
  return () => registry.close();
});

/** Everything in files/ (stored models and any leftovers: temp and lock files). */
const stored = () => fs.readdirSync(path.join(dir, "files")).sort();

async function refusal(promise: Promise<unknown>): Promise<SdxError> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(SdxError);
  return error as SdxError;
}

describe("models directory", () => {
  it("defaults to ~/.spacedrive/models, SDX_MODELS_DIR overrides it, an explicit dir wins", () => {
    const saved = process.env.SDX_MODELS_DIR;
    delete process.env.SDX_MODELS_DIR;
    expect(resolveModelsDir()).toBe(path.join(os.homedir(), ".spacedrive", "models"));
    process.env.SDX_MODELS_DIR = "/tmp/env-models";
    expect(resolveModelsDir()).toBe("/tmp/env-models");
    expect(resolveModelsDir("/tmp/explicit")).toBe("/tmp/explicit");
    if (saved === undefined) delete process.env.SDX_MODELS_DIR;
    else process.env.SDX_MODELS_DIR = saved;
  });
});

describe("registry: sources", () => {
  it("stores a bundled model once by sha256 and records who registered it", async () => {
    const assets = { "assets/models/tiny.onnx": MODEL };
    const record = await registry.register({ name: "tiny", category: "test", source: { kind: "bundled", path: "models/tiny.onnx" } }, { registeredBy: "org.example.a", assets });
    expect(record).toMatchObject({ name: "tiny", category: "test", sha256: sha(MODEL), size: MODEL.length, installed: true, registeredBy: "org.example.a" });
    expect(fs.readFileSync(record.path!)).toEqual(Buffer.from(MODEL));
    // Same bytes under a second name: still one file.
    await registry.register({ name: "tiny-again", category: "test", source: { kind: "bundled", path: "assets/models/tiny.onnx" } }, { registeredBy: "org.example.b", assets });
    expect(stored()).toEqual([sha(MODEL)]);
    expect(registry.list().map((r) => r.name)).toEqual(["tiny", "tiny-again"]);
    // A fresh registry on the same directory sees the same catalog.
    const other = new ModelRegistry(dir);
    expect(other.get("tiny")).toMatchObject({ sha256: sha(MODEL), installed: true });
    other.close();
  });

  it("refuses a missing bundled asset and a missing local file (SDX3008)", async () => {
    const a = await refusal(registry.register({ name: "x", category: "t", source: { kind: "bundled", path: "nope.onnx" } }, { assets: { "assets/a.onnx": MODEL } }));
    expect(a.code).toBe("SDX3008");
    expect(a.message).toContain("assets/a.onnx");
    const b = await refusal(registry.register({ name: "x", category: "t", source: { kind: "local", path: path.join(root, "absent.onnx") } }));
    expect(b.code).toBe("SDX3008");
    expect(registry.list()).toEqual([]);
  });

  it("copies a local file in, so the original may go away", async () => {
    const file = path.join(root, "local.onnx");
    fs.writeFileSync(file, MODEL);
    const record = await registry.register({ name: "local", category: "test", source: { kind: "local", path: file } });
    fs.rmSync(file);
    expect(record).toMatchObject({ installed: true, sha256: sha(MODEL), source: { kind: "local", path: file } });
    expect(fs.existsSync(registry.pathOf("local")!)).toBe(true);
  });

  it("downloads with sha256 verification", async () => {
    const record = await registry.register({ name: "dl", category: "test", source: { kind: "download", url: `${base}/model`, sha256: sha(MODEL) } });
    expect(record).toMatchObject({ installed: true, size: MODEL.length, lastError: null });
    expect(stored()).toEqual([sha(MODEL)]);
    // Registered again: already stored, no second request.
    await registry.register({ name: "dl", category: "test", source: { kind: "download", url: `${base}/model`, sha256: sha(MODEL) } });
    expect(requests).toEqual(["/model"]);
  });

  it("refuses a sha256 mismatch (SDX3017) and leaves nothing behind", async () => {
    const error = await refusal(registry.register({ name: "bad", category: "test", source: { kind: "download", url: `${base}/other`, sha256: sha(MODEL) } }));
    expect(error.code).toBe("SDX3017");
    expect(error.data).toEqual({ expected: sha(MODEL), actual: sha(OTHER) });
    expect(stored()).toEqual([]);
    expect(registry.get("bad")).toBeNull();
  });

  it("offline (server down, 404, or told so): registered but not installed, with the reason", async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const deadUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/model`;
    await new Promise<void>((r) => closed.close(() => r()));
    const down = await registry.register({ name: "down", category: "test", source: { kind: "download", url: deadUrl, sha256: sha(MODEL) } });
    expect(down).toMatchObject({ installed: false, path: null, size: null });
    expect(down.lastError).toMatch(/cannot reach .*ECONNREFUSED/);
    const missing = await registry.register({ name: "missing", category: "test", source: { kind: "download", url: `${base}/missing`, sha256: sha(OTHER) } });
    expect(missing.lastError).toMatch(/HTTP 404/);
    const told = await registry.register({ name: "told", category: "test", source: { kind: "download", url: `${base}/model`, sha256: sha(MODEL) } }, { offline: "no consent" });
    expect(told).toMatchObject({ installed: false, lastError: "no consent" });
    expect(stored()).toEqual([]);
    const error = await refusal(registry.verifiedPath("down"));
    expect(error.code).toBe("SDX3008");
    expect(error.message).toMatch(/registered but not installed .*sdx models add down --file/);
  });
});

describe("registry: add from a file, install from a directory, remove", () => {
  it("adds a file offline for a model registered by URL; a mismatching file or given sha256 is refused", async () => {
    await registry.register({ name: "face", category: "face_detection", source: { kind: "download", url: "https://example.invalid/face.onnx", sha256: sha(MODEL) } }, { offline: "offline" });
    const wrong = path.join(root, "wrong.onnx");
    const right = path.join(root, "right.onnx");
    fs.writeFileSync(wrong, OTHER);
    fs.writeFileSync(right, MODEL);
    expect((await refusal(registry.addFile("face", wrong))).code).toBe("SDX3017");
    const givenWrong = await refusal(registry.addFile("face", right, { sha256: sha(OTHER) }));
    expect(givenWrong.code).toBe("SDX3017");
    expect(givenWrong.message).toContain("not the given");
    expect(stored()).toEqual([]);
    const added = await registry.addFile("face", right, { sha256: sha(MODEL) });
    expect(added).toMatchObject({ installed: true, category: "face_detection", source: { kind: "download" }, lastError: null });
    // A new name needs a category.
    expect((await refusal(registry.addFile("new", right))).code).toBe("SDX3002");
    expect(await registry.addFile("new", right, { category: "other" })).toMatchObject({ registeredBy: "user", installed: true });
    expect((await refusal(registry.addFile("ghost", path.join(root, "ghost.onnx"), { category: "x" }))).code).toBe("SDX3008");
  });

  it("installs every file of a directory that matches a registered model", async () => {
    await registry.register({ name: "a", category: "t", source: { kind: "download", url: `${base}/model`, sha256: sha(MODEL) } }, { offline: "offline" });
    await registry.register({ name: "b", category: "t", source: { kind: "download", url: `${base}/other`, sha256: sha(OTHER) } }, { offline: "offline" });
    const drop = fs.mkdtempSync(path.join(root, "drop-"));
    fs.mkdirSync(path.join(drop, "nested"));
    fs.writeFileSync(path.join(drop, "nested", "whatever-name.bin"), MODEL);
    fs.writeFileSync(path.join(drop, "unrelated.txt"), "hello");
    const installed = await registry.installFromDir(drop);
    expect(installed.map((r) => r.name)).toEqual(["a"]);
    expect(registry.get("a")?.installed).toBe(true);
    expect(registry.get("b")?.installed).toBe(false);
    expect(requests).toEqual([]);
  });

  it("removes a model, and its file once nothing refers to it", async () => {
    const assets = { "assets/m.onnx": MODEL };
    await registry.register({ name: "one", category: "t", source: { kind: "bundled", path: "m.onnx" } }, { assets });
    await registry.register({ name: "two", category: "t", source: { kind: "bundled", path: "m.onnx" } }, { assets });
    expect(registry.remove("one")).toBe(true);
    expect(stored()).toEqual([sha(MODEL)]);
    expect(registry.remove("two")).toBe(true);
    expect(stored()).toEqual([]);
    expect(registry.remove("two")).toBe(false);
  });

  it("keeps a name with its first registrant: other bytes from someone else are refused", async () => {
    await registry.register({ name: "m", category: "t", source: { kind: "bundled", path: "m.onnx" } }, { registeredBy: "ext.a", assets: { "m.onnx": MODEL } });
    const error = await refusal(registry.register({ name: "m", category: "t", source: { kind: "bundled", path: "m.onnx" } }, { registeredBy: "ext.b", assets: { "m.onnx": OTHER } }));
    expect(error.code).toBe("SDX3017");
    expect(error.message).toContain("ext.a");
    // The owner may replace it; the old file goes.
    await registry.register({ name: "m", category: "t", source: { kind: "bundled", path: "m.onnx" } }, { registeredBy: "ext.a", assets: { "m.onnx": OTHER } });
    expect(stored()).toEqual([sha(OTHER)]);
  });

  it("refuses a stored file altered on disk (SDX3017)", async () => {
    const record = await registry.register({ name: "m", category: "t", source: { kind: "bundled", path: "m.onnx" } }, { assets: { "m.onnx": MODEL } });
    expect(await registry.verifiedPath("m")).toBe(record.path);
    fs.appendFileSync(record.path!, "tampered");
    const error = await refusal(registry.verifiedPath("m"));
    expect(error.code).toBe("SDX3017");
  });
});

describe("registry: concurrent registration of one model", () => {
  it("two registries in one process: one file, one consistent row", async () => {
    const second = new ModelRegistry(dir);
    const source = { kind: "download" as const, url: `${base}/model`, sha256: sha(MODEL) };
    const [a, b] = await Promise.all([
      registry.register({ name: "same", category: "t", source }, { registeredBy: "ext.a" }),
      second.register({ name: "same", category: "t", source }, { registeredBy: "ext.a" }),
    ]);
    second.close();
    expect(a.sha256).toBe(b.sha256);
    expect(stored()).toEqual([sha(MODEL)]);
    expect(requests).toEqual(["/model"]);
  });

  it("two processes at once: one download, one file, no temp or lock file left", async () => {
    const script = path.join(root, "child.cjs");
    await build({
      stdin: {
        contents: `
          const { ModelRegistry } = require(${JSON.stringify(fileURLToPath(new URL("./registry.ts", import.meta.url)))});
          const fs = require("node:fs");
          const [dir, url, sha256, gate] = process.argv.slice(2);
          const registry = new ModelRegistry(dir);
          (async () => {
            // Both children start registering once the test opens the gate (a file), not at a time.
            process.stdout.write("ready\\n");
            while (!fs.existsSync(gate)) await new Promise((r) => setTimeout(r, 5));
            const record = await registry.register({ name: "shared", category: "t", source: { kind: "download", url, sha256 } }, { registeredBy: "ext.a" });
            process.stdout.write(JSON.stringify({ sha256: record.sha256, size: record.size, installed: record.installed }) + "\\n");
            registry.close();
          })();
        `,
        resolveDir: path.dirname(fileURLToPath(import.meta.url)),
        loader: "ts",
      },
      bundle: true, platform: "node", format: "cjs", target: "node20", outfile: script, external: ["better-sqlite3"], logLevel: "silent",
    });
    const gate = path.join(root, "start-registering");
    const run = () => {
      let ready!: () => void;
      const started = new Promise<void>((resolve) => (ready = resolve));
      const done = new Promise<string>((resolve, reject) => {
        const child = spawn(process.execPath, [script, dir, `${base}/model`, sha(MODEL), gate], {
          env: { ...process.env, NODE_PATH: path.resolve(fileURLToPath(new URL("../../../../../node_modules", import.meta.url))) },
        });
        let out = "";
        let err = "";
        child.stdout.on("data", (d: Buffer) => {
          out += d;
          if (out.startsWith("ready\n")) ready();
        });
        child.stderr.on("data", (d: Buffer) => (err += d));
        child.on("exit", (code) => (code === 0 ? resolve(out.split("\n")[1]!) : reject(new Error(`child exited ${code}: ${err}`))));
      });
      return { started, done };
    };
    const children = [run(), run()];
    await Promise.all(children.map((c) => c.started));
    fs.writeFileSync(gate, "");
    const results = (await Promise.all(children.map((c) => c.done))).map((o) => JSON.parse(o) as { sha256: string; size: number; installed: boolean });
    for (const r of results) expect(r).toEqual({ sha256: sha(MODEL), size: MODEL.length, installed: true });
    expect(stored()).toEqual([sha(MODEL)]);
    expect(fs.readFileSync(path.join(dir, "files", sha(MODEL)))).toEqual(Buffer.from(MODEL));
    // The lock made the second process wait and find the file instead of downloading again.
    expect(requests).toEqual(["/model"]);
    expect(registry.list()).toHaveLength(1);
  });
});

describe("file lock", () => {
  it("serializes holders, takes over a lock left by a dead process, and times out on a live one", async () => {
    const lock = path.join(root, "x.lock");
    const order: string[] = [];
    // a holds the lock until the test lets it go; b asks for it meanwhile (its first try is synchronous).
    let holding!: () => void;
    let letGo!: () => void;
    const held = new Promise<void>((resolve) => (holding = resolve));
    const released = new Promise<void>((resolve) => (letGo = resolve));
    const a = withFileLock(lock, async () => {
      order.push("a+");
      holding();
      await released;
      order.push("a-");
    });
    await held;
    const b = withFileLock(lock, async () => void order.push("b"), { pollMs: 5 });
    expect(order).toEqual(["a+"]);
    letGo();
    await Promise.all([a, b]);
    expect(order).toEqual(["a+", "a-", "b"]);
    expect(fs.existsSync(lock)).toBe(false);
    // A lock whose holder (same host) no longer exists is taken over at once.
    const dead = spawn(process.execPath, ["-e", ""]);
    const deadPid = await new Promise<number>((resolve) => dead.on("exit", () => resolve(dead.pid!)));
    fs.writeFileSync(lock, JSON.stringify({ pid: deadPid, host: os.hostname(), at: Date.now() }));
    expect(await withFileLock(lock, async () => "taken", { timeoutMs: 500 })).toBe("taken");
    // A live holder (this process) is waited for, up to the timeout.
    fs.writeFileSync(lock, JSON.stringify({ pid: process.pid, host: os.hostname(), at: Date.now() }));
    const error = await refusal(withFileLock(lock, async () => "never", { timeoutMs: 100, pollMs: 10 }));
    expect(error.message).toMatch(/timed out after 100 ms waiting for the lock/);
    fs.rmSync(lock);
  });
});
