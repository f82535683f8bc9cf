/**
 * `device.select` and `device.execute` (spec §8, docs/devices.md).
 *
 * Select: the devices of the library that can run work (this one, and paired devices that serve),
 * that report every capability asked for, enough cores and memory, and the calling extension
 * installed; ranked (the preferred side first, then devices whose last sync worked, then more
 * cores, more memory). It needs the `use_devices` grant covering the capabilities asked for. Each
 * device comes with a handle, an HMAC of the extension and the device under a secret of this
 * host process: `device.execute` accepts only a handle this host gave this extension (SDX3049), so
 * a device object made up by the guest is refused. Execute itself is the host's (`DeviceControl`):
 * it needs the job runner and the network, which sit above this floor.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { WireDevice } from "@sdx/sdk/protocol";
import { sdxError } from "../errors.js";
import { allDevices, type DeviceRow } from "../store/sync-export.js";
import { listPeers } from "../store/sync-peers.js";
import type { OpContext, OpHandlers, OpParsedRequest } from "./context.js";

/** What `device.execute` needs of the host: run a declared task on a device (this one or a peer). */
export interface DeviceControl {
  execute(ctx: OpContext, device: DeviceRow, task: string, args: unknown[]): Promise<{ result: unknown }>;
  /** Brings this device's own report up to date (models installed since, extensions) before a selection. */
  refreshLocal?(): void;
}

const SECRET = randomBytes(32);

function handleOf(extensionId: string, device: string): string {
  return createHmac("sha256", SECRET).update(`${extensionId}\n${device}`).digest("base64url");
}

function handleMatches(extensionId: string, device: string, handle: string): boolean {
  const expected = Buffer.from(handleOf(extensionId, device));
  const given = Buffer.from(handle);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

interface Candidate {
  row: DeviceRow;
  healthy: boolean;
  cores: number | null;
  memoryBytes: number | null;
}

const numberOr = (value: unknown): number | null => (typeof value === "number" && Number.isFinite(value) ? value : null);

/** This device, and paired devices that serve (a device that does not listen cannot run work for others). */
function candidates(ctx: OpContext): Candidate[] {
  const peers = new Map(listPeers(ctx.library).map((p) => [p.uuid, p]));
  return allDevices(ctx.library)
    .filter((d) => d.isLocal || peers.get(d.uuid)?.url)
    .map((row) => ({ row, healthy: row.isLocal || peers.get(row.uuid)?.lastError === null, cores: numberOr(row.info.cores), memoryBytes: numberOr(row.info.memoryBytes) }));
}

function describe(c: Candidate): string {
  return `${c.row.name}${c.row.isLocal ? " (this device)" : ""}: ${c.row.capabilities.join(", ") || "no capabilities"}${c.cores === null ? "" : `, ${c.cores} cores`}`;
}

function installedThere(c: Candidate, extensionId: string): boolean {
  if (c.row.isLocal) return true;
  const extensions = c.row.info.extensions;
  return Array.isArray(extensions) && extensions.some((e) => (e as { id?: unknown })?.id === extensionId);
}

export function selectDevices(ctx: OpContext, request: OpParsedRequest<"device.select">): WireDevice[] {
  ctx.grants.requireUseDevices(request.capabilities);
  const all = candidates(ctx);
  const fits = all.filter((c) =>
    request.capabilities.every((cap) => c.row.capabilities.includes(cap))
    && (request.minCores === undefined || (c.cores ?? 0) >= request.minCores)
    && (request.minMemoryBytes === undefined || (c.memoryBytes ?? 0) >= request.minMemoryBytes)
    && installedThere(c, ctx.extensionId));
  const side = (c: Candidate) => (request.preferLocal ? (c.row.isLocal ? 0 : 1) : request.preferRemote ? (c.row.isLocal ? 1 : 0) : 0);
  fits.sort((x, y) => side(x) - side(y) || Number(y.healthy) - Number(x.healthy) || (y.cores ?? 0) - (x.cores ?? 0)
    || (y.memoryBytes ?? 0) - (x.memoryBytes ?? 0) || (x.row.name < y.row.name ? -1 : x.row.name > y.row.name ? 1 : 0) || (x.row.uuid < y.row.uuid ? -1 : 1));
  if (fits.length === 0 && !request.all) {
    const wanted = [...request.capabilities, ...(request.minCores ? [`${request.minCores}+ cores`] : []), ...(request.minMemoryBytes ? [`${request.minMemoryBytes}+ bytes of memory`] : [])];
    throw sdxError("SDX3008", `no device with ${wanted.join(", ") || "the extension installed"}: ${all.map(describe).join("; ")}`, { wanted });
  }
  return (request.all ? fits : fits.slice(0, 1)).map((c) => ({
    uuid: c.row.uuid, name: c.row.name, isLocal: c.row.isLocal, capabilities: c.row.capabilities,
    handle: handleOf(ctx.extensionId, c.row.uuid), cores: c.cores, memoryBytes: c.memoryBytes,
  }));
}

export function createDeviceOps(control: DeviceControl | null): OpHandlers {
  return {
    "device.select": (ctx, request) => {
      control?.refreshLocal?.();
      return { devices: selectDevices(ctx, request) };
    },
    "device.execute": async (ctx, request) => {
      if (!handleMatches(ctx.extensionId, request.device.uuid, request.device.handle)) {
        throw sdxError("SDX3049", "executeOn: this device object was not returned by selectDevice() to this extension; select the device first");
      }
      if (!ctx.manifest.tasks.some((t) => t.name === request.task)) {
        throw sdxError("SDX3011", `${ctx.extensionId} has no task "${request.task}"; executeOn runs declared @task methods only (tasks: ${ctx.manifest.tasks.map((t) => t.name).join(", ") || "none"})`);
      }
      if (ctx.jobId === null) throw sdxError("SDX3022", "executeOn runs inside a job or one of its tasks (its result is recorded with the job)");
      const device = allDevices(ctx.library).find((d) => d.uuid === request.device.uuid);
      if (!device) throw sdxError("SDX3008", `device ${request.device.uuid} is no longer known to this library`);
      if (!control) throw sdxError("SDX3022", "this host runs no tasks on devices");
      return control.execute(ctx, device, request.task, request.args);
    },
  };
}

/** The device ops of a host without a job runner (tools, tests): selection only. */
export const deviceOps: OpHandlers = createDeviceOps(null);
