/**
 * `device.select` (spec §8): this host knows one device, the local machine. Its capabilities come
 * from what the host can actually do here: "cpu" always; "gpu" is never claimed (inference runs on
 * onnxruntime's CPU provider). Asking for a capability it lacks is NotFound (SDX3008), so an
 * extension can fall back instead of silently running somewhere slower. Selecting needs the
 * `use_devices` grant covering the requested capabilities.
 */
import { hostname } from "node:os";
import { sdxError } from "../errors.js";
import type { OpHandlers } from "./context.js";

export const LOCAL_CAPABILITIES: readonly string[] = ["cpu"];

export const deviceOps: OpHandlers = {
  "device.select": (ctx, request) => {
    ctx.grants.requireUseDevices(request.capabilities);
    const missing = request.capabilities.filter((c) => !LOCAL_CAPABILITIES.includes(c));
    if (missing.length > 0) {
      throw sdxError("SDX3008", `no device with ${missing.join(", ")}: this host has one device (${hostname()}) with ${LOCAL_CAPABILITIES.join(", ")}`, {
        missing,
      });
    }
    return { device: { uuid: ctx.deviceUuid, name: hostname(), isLocal: true, capabilities: [...LOCAL_CAPABILITIES] } };
  },
};
