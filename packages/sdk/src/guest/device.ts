/** Fluent device selection (spec §8) over the host's `device.select`, and `executeOn` over `device.execute`. */
import type { DeviceSelector, TaskContext } from "../types/context.js";
import type { Device } from "../types/data.js";
import { registry } from "../decorators/registry.js";
import { callHost } from "./host.js";
import { trackMethods } from "./floating.js";

interface Criteria {
  capabilities: readonly string[];
  preferLocal: boolean;
  preferRemote: boolean;
  minCores?: number;
  minMemoryBytes?: number;
}

export class DeviceSelectorImpl implements DeviceSelector {
  readonly #criteria: Criteria;
  constructor(criteria: Criteria = { capabilities: [], preferLocal: false, preferRemote: false }) {
    this.#criteria = criteria;
  }
  #with(change: Partial<Criteria>): DeviceSelector {
    return new DeviceSelectorImpl({ ...this.#criteria, ...change });
  }
  withCapability(capability: string): DeviceSelector {
    return this.#with({ capabilities: [...this.#criteria.capabilities, capability] });
  }
  withMinCores(cores: number): DeviceSelector {
    return this.#with({ minCores: cores });
  }
  withMinMemory(bytes: number): DeviceSelector {
    return this.#with({ minMemoryBytes: bytes });
  }
  preferLocal(): DeviceSelector {
    return this.#with({ preferLocal: true, preferRemote: false });
  }
  preferRemote(): DeviceSelector {
    return this.#with({ preferRemote: true, preferLocal: false });
  }
  async #ask(all: boolean): Promise<Device[]> {
    const c = this.#criteria;
    return (await callHost("device.select", {
      capabilities: [...c.capabilities], preferLocal: c.preferLocal, preferRemote: c.preferRemote, minCores: c.minCores, minMemoryBytes: c.minMemoryBytes, all,
    })).devices;
  }
  async select(): Promise<Device> {
    return (await this.#ask(false))[0]!;
  }
  selectAll(): Promise<Device[]> {
    return this.#ask(true);
  }
}

type AnyFn = (...args: never[]) => unknown;

/** Runs the declared task on the device; the host checks the device came from `select` and runs it there. */
export async function executeOn<A extends unknown[], R>(device: Device, task: (ctx: TaskContext, ...args: A) => Promise<R>, args: A): Promise<R> {
  const record = typeof task === "function" ? registry.taskOf(task as AnyFn) : undefined;
  if (!record) throw new TypeError("executeOn: the second argument must be a @task method (this.<taskMethod>); code never travels to another device, only a declared task's name and arguments");
  const ref = device !== null && typeof device === "object" ? { uuid: String(device.uuid), handle: typeof device.handle === "string" ? device.handle : "" } : { uuid: "", handle: "" };
  return (await callHost("device.execute", { device: ref, task: record.name, args })).result as R;
}

// Promises these methods return are tracked: one never awaited that fails fails the invocation.
trackMethods(DeviceSelectorImpl, "selectDevice()");
