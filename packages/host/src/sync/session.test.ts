/**
 * Devices over real HTTP on loopback: pairing, signed requests, syncs in both directions, three
 * devices, partitions, and what a peer sending garbage or replays gets.
 */
import http from "node:http";
import net, { type AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { ManifestPermission } from "@sdx/sdk/manifest";
import { readAudit } from "../store/audit.js";
import { call, cleanupTempDirs, hostError, installTest, openLibrary, tempDir } from "../store/__tests__/fixture.js";
import type { OpContext } from "../ops/context.js";
import type { Library } from "../store/library.js";
import { HEADER, signRequest } from "./auth.js";
import { buildBatch } from "./batch.js";
import { SyncNode } from "./node.js";
import { sharedSnapshot } from "./__tests__/exchange.js";
import { decodeFrame, encodeFrame } from "./wire.js";

const PERMISSIONS: ManifestPermission[] = [{ kind: "write_tags" }, { kind: "write_collections" }];
const nodes: SyncNode[] = [];
afterEach(async () => {
  for (const node of nodes.splice(0)) await node.close();
  cleanupTempDirs();
});

interface Device {
  library: Library;
  ctx: OpContext;
  node: SyncNode;
}

async function device(options: { batchSize?: number } = {}): Promise<Device> {
  const library = openLibrary();
  const ctx = await installTest(library, PERMISSIONS);
  const node = new SyncNode({ library, modelsDir: tempDir("sdx-models-"), batchSize: options.batchSize });
  nodes.push(node);
  return { library, ctx, node };
}

/** `client` pairs with `server` (which listens); returns the server's URL. */
async function pair(server: Device, client: Device): Promise<string> {
  const url = server.node.listeningAt ?? (await server.node.listen(0));
  await client.node.pair(url, server.node.pairingToken().token);
  return url;
}

const person = (d: Device, photoCount: number, name?: string) =>
  call(d.ctx, "models.create", { modelType: "Person", scope: { standalone: true }, data: name === undefined ? { photoCount } : { photoCount, name }, blobs: {} });

/** A raw POST, to play a misbehaving peer. */
function rawPost(url: string, path: string, headers: Record<string, string>, body: Buffer): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const request = http.request(new URL(path, url), { method: "POST", headers: { ...headers, "content-length": String(body.length) } }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (c: Buffer) => chunks.push(c));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body: decodeFrame(Buffer.concat(chunks)) }));
    });
    request.on("error", reject);
    request.end(body);
  });
}

describe("pairing", () => {
  it("exchanges keys and reports once; the token is spent, and a wrong one is refused", async () => {
    const a = await device();
    const b = await device();
    const url = await a.node.listen(0);
    const { token } = a.node.pairingToken();
    const wrong = await hostError(() => b.node.pair(url, `${token}x`));
    expect(wrong.code).toBe("SDX3047");
    const paired = await b.node.pair(url, token);
    expect(paired.uuid).toBe(a.library.deviceUuid);
    expect(a.node.peers().map((p) => p.uuid)).toEqual([b.library.deviceUuid]);
    expect(b.node.peers()[0]).toMatchObject({ uuid: a.library.deviceUuid, url });
    const c = await device();
    expect((await hostError(() => c.node.pair(url, token))).message).toMatch(/wrong, expired or used/);
    expect(readAudit(a.library, { who: "sync", result: "denied" }).map((r) => r.op)).toEqual(["sync.request", "sync.request"]);
  });
});

describe("syncing over HTTP", () => {
  it("moves changes both ways and converges, in batches, incrementally", async () => {
    const a = await device({ batchSize: 7 });
    const b = await device({ batchSize: 7 });
    await pair(a, b);
    for (let i = 0; i < 20; i++) await person(a, i);
    for (let i = 0; i < 5; i++) await person(b, 100 + i);
    const first = await b.node.syncWith(a.library.deviceUuid);
    expect(first.pulled.applied).toBe(21); // 20 models and A's device report
    expect(first.pushed.applied).toBe(7); // 5 models, B's device report, B's (newer) install of the same bundle
    expect(first.pulled.batches).toBeGreaterThan(2);
    expect(sharedSnapshot(a.library)).toBe(sharedSnapshot(b.library));
    // Nothing new: nothing moves (only position checks).
    const again = await b.node.syncWith(a.library.deviceUuid);
    expect(again.pulled.applied + again.pushed.applied).toBe(0);
    // Each side knows the other's capabilities through sync.
    const known = b.library.db.prepare("SELECT capabilities FROM devices WHERE uuid = unhex(replace(?, '-', ''))").get(a.library.deviceUuid) as { capabilities: string };
    expect(JSON.parse(known.capabilities)).toContain("cpu");
  });

  it("three devices: A's edits reach C through B; concurrent edits everywhere converge to the same bytes; a partition rejoins", async () => {
    const [a, b, c] = [await device(), await device(), await device()];
    await pair(b, a);
    await pair(b, c);
    const ada = await person(a, 1, "Ada");
    await a.node.syncWith(b.library.deviceUuid);
    await c.node.syncWith(b.library.deviceUuid);
    expect((await call(c.ctx, "models.get", { modelType: "Person", by: { uuid: ada.uuid } })).model?.data).toEqual({ name: "Ada", photoCount: 1 });

    // Partition: each device edits on its own.
    await call(a.ctx, "models.update", { modelType: "Person", uuid: ada.uuid, data: { name: "Ada A", photoCount: 1 }, blobs: {} });
    await call(c.ctx, "models.update", { modelType: "Person", uuid: ada.uuid, data: { name: "Ada", photoCount: 9 }, blobs: {} });
    await call(b.ctx, "tags.add", { target: { model: ada.uuid }, tag: "#from-b" });
    for (let i = 0; i < 10; i++) await person(c, 200 + i);
    // Rejoin: a few rounds through the hub.
    for (let round = 0; round < 2; round++) {
      await a.node.syncWith(b.library.deviceUuid);
      await c.node.syncWith(b.library.deviceUuid);
    }
    const snapshot = sharedSnapshot(b.library);
    expect(sharedSnapshot(a.library)).toBe(snapshot);
    expect(sharedSnapshot(c.library)).toBe(snapshot);
    expect((await call(a.ctx, "models.get", { modelType: "Person", by: { uuid: ada.uuid } })).model?.data).toEqual({ name: "Ada A", photoCount: 9 });
    expect((await call(c.ctx, "tags.list", { target: { model: ada.uuid } })).tags).toEqual(["#from-b"]);
  });
});

describe("a misbehaving peer", () => {
  it("unsigned, replayed, garbage and out-of-order requests are refused, logged, and change nothing", async () => {
    const a = await device();
    const b = await device();
    const url = await pair(a, b);
    await person(b, 1);
    const before = sharedSnapshot(a.library);
    const to = a.library.deviceUuid;

    const unsigned = await rawPost(url, "/v1/sync/pull", {}, encodeFrame({ after: 0, limit: 10 }));
    expect(unsigned).toMatchObject({ status: 401, body: { error: { code: "SDX3046" } } });

    const body = encodeFrame({ after: 0, limit: 10 });
    const headers = signRequest(b.node.identity, to, "POST", "/v1/sync/pull", body);
    expect((await rawPost(url, "/v1/sync/pull", headers, body)).status).toBe(200);
    const replayed = await rawPost(url, "/v1/sync/pull", headers, body);
    expect(replayed).toMatchObject({ status: 401, body: { error: { code: "SDX3046", message: expect.stringMatching(/replayed/) } } });

    const tampered = { ...headers, [HEADER.time]: String(Date.now() + 1) };
    expect((await rawPost(url, "/v1/sync/pull", tampered, body)).body).toMatchObject({ error: { code: "SDX3046", message: expect.stringMatching(/does not verify/) } });

    const garbage = Buffer.from("this is not a frame");
    expect((await rawPost(url, "/v1/sync/push", signRequest(b.node.identity, to, "POST", "/v1/sync/push", garbage), garbage)).body)
      .toMatchObject({ error: { code: "SDX3045", message: expect.stringMatching(/not a frame/) } });
    const malformed = encodeFrame({ version: 1, from: b.library.deviceUuid, records: "lots" });
    expect((await rawPost(url, "/v1/sync/push", signRequest(b.node.identity, to, "POST", "/v1/sync/push", malformed), malformed)).body)
      .toMatchObject({ error: { code: "SDX3045", message: expect.stringMatching(/malformed/) } });

    // A real batch pushed twice: the second is refused (out of order), freshly signed or not.
    const batch = encodeFrame(buildBatch(b.library, to, 0, 100));
    const push = () => rawPost(url, "/v1/sync/push", signRequest(b.node.identity, to, "POST", "/v1/sync/push", batch), batch);
    expect((await push()).status).toBe(200);
    const afterFirst = sharedSnapshot(a.library);
    expect(afterFirst).not.toBe(before);
    expect((await push())).toMatchObject({ status: 409, body: { error: { code: "SDX3045", message: expect.stringMatching(/replayed or reordered/) } } });
    expect(sharedSnapshot(a.library)).toBe(afterFirst);

    const denied = readAudit(a.library, { who: "sync", result: "denied" });
    expect(denied.map((r) => r.op)).toEqual(["sync.request", "sync.request", "sync.request", "sync.request", "sync.request", "sync.apply"]);
    // The honest peer still syncs.
    await b.node.syncWith(a.library.deviceUuid);
    expect(sharedSnapshot(a.library)).toBe(sharedSnapshot(b.library));
  });
});

describe("connections", () => {
  it("a kept-alive connection the peer reset before reading the request is retried once on a new one", async () => {
    const a = await device();
    const b = await device();
    const target = new URL(await a.node.listen(0));
    // Between B and A: resets B's first connection when a second request arrives on it, as a peer
    // does that closed an idle kept-alive connection just as B reused it.
    let connections = 0;
    let resets = 0;
    const open = new Set<net.Socket>();
    const proxy = net.createServer((socket) => {
      const index = ++connections;
      open.add(socket);
      const upstream = net.connect(Number(target.port), target.hostname);
      let requests = 0;
      socket.on("data", (chunk: Buffer) => {
        if (chunk.includes("POST /v1/")) requests++;
        if (index === 1 && requests === 2) {
          resets++;
          upstream.destroy();
          socket.resetAndDestroy();
          return;
        }
        upstream.write(chunk);
      });
      upstream.pipe(socket);
      socket.on("error", () => upstream.destroy());
      upstream.on("error", () => socket.destroy());
      upstream.on("close", () => socket.destroy());
    });
    await new Promise<void>((done) => proxy.listen(0, "127.0.0.1", done));
    try {
      await b.node.pair(`http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, a.node.pairingToken().token);
      await person(a, 1);
      const outcome = await b.node.syncWith(a.library.deviceUuid);
      expect(resets).toBe(1);
      expect(connections).toBeGreaterThanOrEqual(2);
      expect(outcome.pulled.applied).toBeGreaterThan(0);
      expect(sharedSnapshot(a.library)).toBe(sharedSnapshot(b.library));
    } finally {
      for (const socket of open) socket.destroy();
      await new Promise((done) => proxy.close(done));
    }
  });
});
