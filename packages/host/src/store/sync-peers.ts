/**
 * Devices of the library and the peers this one is paired with (`devices`, `sync_peers`), how far
 * each peer's changes have been applied here, the one-time pairing tokens, and records parked
 * until what they refer to arrives (`sync_pending`).
 */
import type { Library } from "./library.js";
import { blobToUuid, uuidToBlob } from "./uuid.js";

export interface PeerRow {
  uuid: string;
  name: string;
  publicKey: string;
  url: string | null;
  pairedAt: string;
  receivedSeq: number;
  lastSyncAt: string | null;
  lastError: string | null;
}

interface RawPeer {
  device_uuid: Buffer;
  name: string;
  public_key: string;
  url: string | null;
  paired_at: string;
  received_seq: number;
  last_sync_at: string | null;
  last_error: string | null;
}

const PEER_SELECT = `SELECT p.device_uuid, d.name, p.public_key, p.url, p.paired_at, p.received_seq, p.last_sync_at, p.last_error
  FROM sync_peers p JOIN devices d ON d.uuid = p.device_uuid`;

const toPeer = (r: RawPeer): PeerRow => ({
  uuid: blobToUuid(r.device_uuid), name: r.name, publicKey: r.public_key, url: r.url, pairedAt: r.paired_at,
  receivedSeq: r.received_seq, lastSyncAt: r.last_sync_at, lastError: r.last_error,
});

export function listPeers(library: Library): PeerRow[] {
  return (library.stmt(`${PEER_SELECT} ORDER BY d.name, p.device_uuid`).all() as RawPeer[]).map(toPeer);
}

export function peerRow(library: Library, uuid: string): PeerRow | undefined {
  const raw = library.stmt(`${PEER_SELECT} WHERE p.device_uuid = ?`).get(uuidToBlob(uuid)) as RawPeer | undefined;
  return raw && toPeer(raw);
}

/** Records a device this library knows of (not this one): what it reported, when. */
export function upsertRemoteDevice(library: Library, device: { uuid: string; name: string; capabilities: readonly string[]; info: unknown; updatedAt: string }): void {
  library
    .stmt(`INSERT INTO devices (uuid, name, is_local, capabilities, info, created_at, updated_at) VALUES (?, ?, 0, ?, ?, ?, ?)
      ON CONFLICT (uuid) DO UPDATE SET name = excluded.name, capabilities = excluded.capabilities, info = excluded.info, updated_at = excluded.updated_at
      WHERE devices.is_local = 0`)
    .run(uuidToBlob(device.uuid), device.name, JSON.stringify(device.capabilities), JSON.stringify(device.info), device.updatedAt, device.updatedAt);
}

/** This device's own report (its name, capabilities and what they are based on). */
export function updateLocalDevice(library: Library, device: { name: string; capabilities: readonly string[]; info: unknown; updatedAt: string }): void {
  library
    .stmt("UPDATE devices SET name = ?, capabilities = ?, info = ?, updated_at = ? WHERE uuid = ? AND is_local = 1")
    .run(device.name, JSON.stringify(device.capabilities), JSON.stringify(device.info), device.updatedAt, library.deviceUuidBlob);
}

/** Pairs with a peer (or renews its key and address); its progress is kept when it was paired before. */
export function upsertPeer(library: Library, peer: { uuid: string; publicKey: string; url: string | null; pairedAt: string }): void {
  library
    .stmt(`INSERT INTO sync_peers (device_uuid, public_key, url, paired_at) VALUES (?, ?, ?, ?)
      ON CONFLICT (device_uuid) DO UPDATE SET public_key = excluded.public_key, url = coalesce(excluded.url, sync_peers.url), paired_at = excluded.paired_at`)
    .run(uuidToBlob(peer.uuid), peer.publicKey, peer.url, peer.pairedAt);
}

export function setPeerUrl(library: Library, uuid: string, url: string): void {
  library.stmt("UPDATE sync_peers SET url = ? WHERE device_uuid = ?").run(url, uuidToBlob(uuid));
}

/**
 * Moves the peer's applied position from `from` to `to`, only if it is at `from` (a batch is
 * applied once and in order); false when it is not. Call in the transaction that applied the batch.
 */
export function advanceReceivedSeq(library: Library, uuid: string, from: number, to: number, at: string): boolean {
  return library
    .stmt("UPDATE sync_peers SET received_seq = ?, last_sync_at = ?, last_error = NULL WHERE device_uuid = ? AND received_seq = ?")
    .run(to, at, uuidToBlob(uuid), from).changes === 1;
}

export function notePeerError(library: Library, uuid: string, error: string | null, at: string): void {
  library.stmt("UPDATE sync_peers SET last_error = ?, last_sync_at = CASE WHEN ? IS NULL THEN ? ELSE last_sync_at END WHERE device_uuid = ?")
    .run(error, error, at, uuidToBlob(uuid));
}

// --- pairing tokens -------------------------------------------------------------------------------

export function addPairingToken(library: Library, tokenHash: string, createdAt: string, expiresAt: string): void {
  library.stmt("INSERT INTO sync_pairing_tokens (token_hash, created_at, expires_at) VALUES (?, ?, ?)").run(tokenHash, createdAt, expiresAt);
}

/** Hashes of the tokens not used yet and valid at `now`. */
export function livePairingTokens(library: Library, now: string): string[] {
  return (library.stmt("SELECT token_hash FROM sync_pairing_tokens WHERE used_by IS NULL AND expires_at > ?").all(now) as Array<{ token_hash: string }>).map((r) => r.token_hash);
}

/** Marks a token used by a device; false when it was used meanwhile. */
export function usePairingToken(library: Library, tokenHash: string, device: string): boolean {
  return library.stmt("UPDATE sync_pairing_tokens SET used_by = ? WHERE token_hash = ? AND used_by IS NULL").run(uuidToBlob(device), tokenHash).changes === 1;
}

// --- records waiting for what they refer to -------------------------------------------------------

export function parkRecord(library: Library, entity: string, key: string, recordJson: string, from: string, at: string): void {
  library
    .stmt(`INSERT INTO sync_pending (entity, key, record, from_device, received_at) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (entity, key) DO UPDATE SET record = excluded.record, from_device = excluded.from_device, received_at = excluded.received_at`)
    .run(entity, key, recordJson, uuidToBlob(from), at);
}

export function pendingRecords(library: Library): Array<{ entity: string; key: string; record: string; from: string }> {
  return (library.stmt("SELECT entity, key, record, from_device FROM sync_pending ORDER BY received_at, entity, key").all() as Array<{ entity: string; key: string; record: string; from_device: Buffer }>)
    .map((r) => ({ entity: r.entity, key: r.key, record: r.record, from: blobToUuid(r.from_device) }));
}

export function unparkRecord(library: Library, entity: string, key: string): void {
  library.stmt("DELETE FROM sync_pending WHERE entity = ? AND key = ?").run(entity, key);
}
