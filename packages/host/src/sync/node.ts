/**
 * A device on the network (docs/devices.md): this library's identity, its peer server, pairing, syncs
 * with paired peers, continuous sync while serving, and the way in for tasks other devices run here
 * (`executeOn`). The Host opens one on demand (`host.devices()`); `sdx serve` listens with it.
 */
import { z } from "zod";
import type { Library } from "../store/library.js";
import { listInstalled } from "../extensions/install.js";
import { allDevices, deviceRow, type DeviceRow } from "../store/sync-export.js";
import { listPeers, notePeerError, peerRow, setPeerUrl, type PeerRow } from "../store/sync-peers.js";
import { lastSeq } from "../store/sync-rows.js";
import { sdxError, toWireError } from "../errors.js";
import { applyBatch, type ApplyOutcome } from "./apply.js";
import { buildBatch, missingHashes } from "./batch.js";
import { localReport, publishReport, type DeviceReport } from "./capabilities.js";
import { PeerClient, pairWithPeer } from "./client.js";
import { loadIdentity, type DeviceIdentity } from "./identity.js";
import { acceptPairing, createPairingToken, pairingProof, recordPeer } from "./pairing.js";
import { PeerServer, type Route } from "./server.js";
import { pull, push, shippedBytes, type SessionOptions, type SyncOutcome } from "./session.js";
import { batchSchema, hashesSchema, pairRequestSchema, pullRequestSchema, remoteTaskSchema, type PairingDevice, type RemoteTaskRequest } from "./wire.js";

/** What a device runs for its peers: a declared task of an installed extension (the Host implements it). */
export interface RemoteTasks {
  run(from: string, request: RemoteTaskRequest): Promise<unknown>;
}

export interface SyncNodeOptions {
  library: Library;
  modelsDir: string;
  /** Capabilities the user declares for this device (`sdx serve --capability`). */
  declaredCapabilities?: readonly string[];
  tasks?: RemoteTasks;
  /** Records per batch (default 500). */
  batchSize?: number;
  /** Receives a line for what the node does in the background (syncs, refusals). */
  onLog?: (line: string) => void;
  /** TESTS ONLY: a barrier before a route is handled. */
  beforeRoute?: (path: string, device: string) => Promise<void>;
  /** Extensions a sync installed, upgraded or uninstalled here (the Host reloads them). */
  onExtensionsChanged?: (installs: string[], settings: string[]) => Promise<void> | void;
}

const route = <S extends z.ZodType>(schema: S, handle: (device: string, request: z.output<S>) => unknown): Route => ({ schema, handle: handle as Route["handle"] });

export class SyncNode {
  readonly identity: DeviceIdentity;
  private server: PeerServer | null = null;
  private url: string | null = null;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  /** One exchange at a time per peer in this process (our pull and push, and the peer's pushes to us). */
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly clients = new Map<string, PeerClient>();
  private lastSyncedSeq = new Map<string, number>();

  constructor(private readonly options: SyncNodeOptions) {
    this.identity = loadIdentity(options.library.dir, options.library.deviceUuid);
  }

  get library(): Library {
    return this.options.library;
  }

  /** Where this node listens (null until `listen`). */
  get listeningAt(): string | null {
    return this.url;
  }

  /** Detects this device's capabilities and records them as its report (synced to peers when it changed). */
  refreshReport(): DeviceReport {
    const name = deviceRow(this.library, this.library.deviceUuid)?.name ?? "device";
    const report = localReport({ name, modelsDir: this.options.modelsDir, declared: this.options.declaredCapabilities, extensions: listInstalled(this.library) });
    publishReport(this.library, report);
    return report;
  }

  /** This device as pairing shows it. */
  self(): PairingDevice {
    const report = this.refreshReport();
    return { uuid: this.library.deviceUuid, name: report.name, publicKey: this.identity.publicKey, capabilities: report.capabilities, info: report.info };
  }

  /** A new one-time pairing token for this device. */
  pairingToken(ttlMs?: number): { token: string; expiresAt: string } {
    return createPairingToken(this.library, ttlMs);
  }

  /** Pairs with the device serving at `url`; returns it. */
  async pair(url: string, token: string): Promise<PairingDevice> {
    const peer = await pairWithPeer(url, token, this.self(), this.url);
    recordPeer(this.library, peer, url);
    return peer;
  }

  peers(): PeerRow[] {
    return listPeers(this.library);
  }

  /** Every device of the library (this one first), with what it reported and, for paired ones, the pairing. */
  devices(): Array<DeviceRow & { paired: boolean; url: string | null; lastSyncAt: string | null; lastError: string | null }> {
    const peers = new Map(this.peers().map((p) => [p.uuid, p]));
    return allDevices(this.library).map((d) => {
      const peer = peers.get(d.uuid);
      return { ...d, paired: peer !== undefined, url: d.isLocal ? this.url : peer?.url ?? null, lastSyncAt: peer?.lastSyncAt ?? null, lastError: peer?.lastError ?? null };
    });
  }

  private serialized<T>(peer: string, work: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(peer) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(work);
    this.locks.set(peer, next);
    void next.finally(() => {
      if (this.locks.get(peer) === next) this.locks.delete(peer);
    }).catch(() => undefined);
    return next;
  }

  /** The client of a paired peer (SDX3008 when it is not paired or has no address). */
  client(peer: string): PeerClient {
    const row = peerRow(this.library, peer);
    if (!row) throw sdxError("SDX3008", `device ${peer} is not paired with this one (see sdx devices list)`);
    if (!row.url) throw sdxError("SDX3048", `device ${row.name} (${peer}) has no address: it pairs with this one but does not serve; run \`sdx serve\` on it`);
    let client = this.clients.get(peer);
    if (!client || client.peer.url !== row.url || client.peer.publicKey !== row.publicKey) {
      client = new PeerClient(this.identity, { uuid: peer, publicKey: row.publicKey, url: row.url });
      this.clients.set(peer, client);
    }
    return client;
  }

  /** Pulls then pushes until both sides have everything; records the outcome on the peer. */
  async syncWith(peer: string, options: SessionOptions = {}): Promise<SyncOutcome> {
    return this.serialized(peer, async () => {
      const client = this.client(peer);
      const before = client.bytes;
      const outcome: SyncOutcome = { peer, pulled: { batches: 0, applied: 0 }, pushed: { batches: 0, applied: 0 }, bytes: 0 };
      const session: SessionOptions = { batchSize: this.options.batchSize, ...options, afterApply: (o) => this.applied(o) };
      try {
        this.refreshReport();
        await pull(this.library, client, session, outcome);
        await push(this.library, client, session, outcome);
        notePeerError(this.library, peer, null, new Date().toISOString());
      } catch (error) {
        if (this.library.db.open) notePeerError(this.library, peer, toWireError(error).message, new Date().toISOString());
        throw error;
      } finally {
        outcome.bytes = client.bytes - before;
      }
      return outcome;
    });
  }

  /** Syncs with every paired peer that has an address; failures are reported per peer, not thrown. */
  async syncAll(options: SessionOptions = {}): Promise<Array<SyncOutcome | { peer: string; error: { code: string; message: string } }>> {
    const results: Array<SyncOutcome | { peer: string; error: { code: string; message: string } }> = [];
    for (const peer of this.peers().filter((p) => p.url)) {
      try {
        results.push(await this.syncWith(peer.uuid, options));
      } catch (error) {
        const wire = toWireError(error);
        results.push({ peer: peer.uuid, error: { code: wire.code, message: wire.message } });
      }
    }
    return results;
  }

  private routes(): Record<string, Route> {
    const library = this.library;
    const limitOf = (limit: number) => Math.min(limit, this.options.batchSize ?? limit);
    return {
      "/v1/sync/pull": route(pullRequestSchema, (device, request) => buildBatch(library, device, request.after, limitOf(request.limit))),
      "/v1/sync/blobs": route(hashesSchema, (_device, request) => ({ blobs: shippedBytes(library, request.hashes) })),
      "/v1/sync/have": route(hashesSchema, (_device, request) => ({ hashes: missingHashes(library, request.hashes) })),
      "/v1/sync/cursor": route(z.object({}).strict(), (device) => ({ receivedSeq: peerRow(library, device)!.receivedSeq })),
      "/v1/sync/push": route(batchSchema, (device, batch) =>
        this.serialized(device, async () => {
          const outcome = await applyBatch(library, device, batch);
          await this.applied(outcome);
          return { receivedSeq: batch.toSeq, applied: outcome.applied };
        })),
      "/v1/tasks/run": route(remoteTaskSchema, async (device, request) => {
        if (!this.options.tasks) throw sdxError("SDX3011", "this device runs no tasks for other devices");
        return { result: await this.options.tasks.run(device, request) };
      }),
    };
  }

  private async applied(outcome: ApplyOutcome): Promise<void> {
    if (outcome.extensions.length === 0 && outcome.settings.length === 0) return;
    if (outcome.extensions.length > 0) this.options.onLog?.(`sync changed extensions: ${outcome.extensions.join(", ")}`);
    await this.options.onExtensionsChanged?.(outcome.extensions, outcome.settings);
  }

  /** Starts the peer server; resolves with its URL. */
  async listen(port = 0, host = "127.0.0.1"): Promise<string> {
    const library = this.library;
    this.server = new PeerServer({
      library, identity: this.identity,
      publicKeyOf: (device) => peerRow(library, device)?.publicKey,
      routes: this.routes(),
      pair: route(pairRequestSchema, (_device, request) => {
        const key = acceptPairing(library, request);
        const self = this.self();
        this.options.onLog?.(`paired with ${request.device.name} (${request.device.uuid})${request.url ? ` at ${request.url}` : ""}`);
        return { device: self, proof: pairingProof(key, "server", self, request.nonce) };
      }),
      onRefused: (line) => this.options.onLog?.(`refused ${line}`),
      beforeRoute: this.options.beforeRoute,
    });
    this.url = await this.server.listen(port, host);
    return this.url;
  }

  /**
   * Syncs with every paired peer that listens, now and then every `intervalMs`, and sooner when
   * this library changed (checked every `pollMs`).
   */
  startContinuous(options: { intervalMs?: number; pollMs?: number } = {}): void {
    const intervalMs = options.intervalMs ?? 5_000;
    const pollMs = options.pollMs ?? 250;
    let lastFull = 0;
    let running = false;
    const tick = async () => {
      if (this.closed || running) return;
      running = true;
      try {
        const seq = lastSeq(this.library);
        const due = Date.now() - lastFull >= intervalMs;
        for (const peer of this.peers().filter((p) => p.url)) {
          if (!due && this.lastSyncedSeq.get(peer.uuid) === seq) continue;
          try {
            const outcome = await this.syncWith(peer.uuid);
            this.lastSyncedSeq.set(peer.uuid, seq);
            if (outcome.pulled.applied + outcome.pushed.applied > 0) {
              this.options.onLog?.(`synced with ${peer.name}: ${outcome.pulled.applied} in, ${outcome.pushed.applied} out`);
            }
          } catch (error) {
            if (this.closed) return;
            this.options.onLog?.(`sync with ${peer.name} failed: ${toWireError(error).code} ${toWireError(error).message}`);
          }
        }
        if (due) lastFull = Date.now();
      } finally {
        running = false;
      }
    };
    this.timer = setInterval(() => void tick(), pollMs);
    void tick();
  }

  /** Records where a peer listens (it moved, or paired without an address). */
  setPeerUrl(peer: string, url: string): void {
    setPeerUrl(this.library, peer, url);
  }

  /** Stops the loop and the server; waits for exchanges in flight. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.server?.close();
    await Promise.allSettled([...this.locks.values()]);
  }
}
