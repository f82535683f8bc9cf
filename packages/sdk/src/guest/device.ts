/** Fluent device selection (spec §8) over the host's `device.select`. */
import type { DeviceSelector } from "../types/context.js";
import type { Device } from "../types/data.js";
import { SdxError } from "../errors.js";
import { callHost } from "./host.js";
import { trackMethods } from "./floating.js";

export class DeviceSelectorImpl implements DeviceSelector {
  readonly #capabilities: readonly string[];
  readonly #preferLocal: boolean;
  constructor(capabilities: readonly string[] = [], preferLocal = false) {
    this.#capabilities = capabilities;
    this.#preferLocal = preferLocal;
  }
  withCapability(capability: string): DeviceSelector {
    return new DeviceSelectorImpl([...this.#capabilities, capability], this.#preferLocal);
  }
  preferLocal(): DeviceSelector {
    return new DeviceSelectorImpl(this.#capabilities, true);
  }
  async select(): Promise<Device> {
    return (await callHost("device.select", { capabilities: [...this.#capabilities], preferLocal: this.#preferLocal })).device;
  }
}

/** Runs `work` on `device`; only the local device can run guest code in this host. */
export async function executeOn<R>(device: Device, work: () => Promise<R>): Promise<R> {
  if (!device || typeof device !== "object") throw new TypeError("executeOn: expected a Device from selectDevice().select()");
  if (!device.isLocal) {
    throw new SdxError("SDX3020", `executeOn: device "${device.name}" (${device.uuid}) is remote; this host runs extension code only on the local device`, { device: device.uuid });
  }
  return work();
}

// Promises these methods return are tracked: one never awaited that fails fails the invocation.
trackMethods(DeviceSelectorImpl, "selectDevice()");
