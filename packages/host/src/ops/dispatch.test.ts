/** The dispatcher: unknown ops, request validation with located issues, error mapping. */
import { sdxError } from "../errors.js";
import { afterAll, describe, expect, it } from "vitest";
import { createDispatcher } from "./dispatch.js";
import { createEnvOps, ExtensionLogs } from "./env.js";
import { deviceOps } from "./devices.js";
import type { OpContext, OpHandlers } from "./context.js";
import { cleanupTempDirs, openLibrary } from "../store/__tests__/fixture.js";

// Grants that allow selecting devices with "cpu" or "gpu" and deny anything else, as GrantSet does.
const grants = {
  requireUseDevices(capabilities: readonly string[]) {
    if (capabilities.some((c) => c !== "cpu" && c !== "gpu")) throw sdxError("SDX3001", "no such device grant", { permission: "use_devices" });
  },
};
const ctx = { extensionId: "org.test.ops", deviceUuid: "11111111-2222-3333-4444-555555555555", jobId: null, grants } as unknown as OpContext;
const internal: string[] = [];
const logs = new ExtensionLogs(null);
const handlers: OpHandlers = {
  ...createEnvOps(logs),
  ...deviceOps,
  "tags.add": () => {
    throw sdxError("SDX3001", "no tags for you", { permission: "write_tags" });
  },
  "tags.list": () => {
    throw new Error("database is locked at /home/user/library.db");
  },
  "jobs.status": async () => ({ cancelled: false }),
};
const dispatch = createDispatcher(handlers, { onInternalError: (_ctx, op, stack) => internal.push(`${op}: ${stack}`) });

afterAll(cleanupTempDirs);

describe("dispatch", () => {
  it("refuses unknown and unprovided ops (SDX3007)", async () => {
    expect(await dispatch(ctx, "fs.readFile", {})).toMatchObject({ ok: false, error: { code: "SDX3007" } });
    expect(await dispatch(ctx, "__proto__", {})).toMatchObject({ ok: false, error: { code: "SDX3007" } });
    expect(await dispatch(ctx, "ai.run", { model: "m", inputs: {} })).toMatchObject({ ok: false, error: { code: "SDX3007" } });
  });

  it("validates requests with the protocol schemas and locates every issue (SDX3002)", async () => {
    const result = await dispatch(ctx, "log", { level: "loud", message: 3, extra: true });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toMatchObject({ code: "SDX3002", name: "ValidationError" });
    const paths = (result.error.data as { issues: Array<{ path: string }> }).issues.map((i) => i.path).sort();
    expect(paths).toEqual(["", "level", "message"]);
    expect(result.error.message).toMatch(/level: .*message: /s);
  });

  it("keeps a SdxError's code, name and data; sends other errors as SDX3020 without their stack", async () => {
    expect(await dispatch(ctx, "tags.add", { target: { content: "c" }, tag: "x" })).toEqual({
      ok: false, error: { code: "SDX3001", name: "PermissionDenied", message: "no tags for you", data: { permission: "write_tags" } },
    });
    const crashed = await dispatch(ctx, "tags.list", { target: { content: "c" } });
    expect(crashed).toEqual({ ok: false, error: { code: "SDX3020", name: "InternalError", message: "database is locked at /home/user/library.db" } });
    expect(internal.at(-1)).toMatch(/^tags.list: Error: database is locked[\s\S]*dispatch\.test\.ts/);
  });

  it("runs sync ops synchronously and refuses async handlers there", () => {
    expect(dispatch.sync(ctx, "log", { level: "warn", message: "careful" })).toEqual({ ok: true, value: null });
    expect(logs.tail("org.test.ops").at(-1)).toMatchObject({ level: "warn", message: "careful" });
    expect(dispatch.sync(ctx, "jobs.status", { jobId: "j" })).toMatchObject({ ok: false, error: { code: "SDX3007" } });
  });

  it("provides randomness, UTF-8 and the local device", async () => {
    const random = dispatch.sync(ctx, "crypto.randomBytes", { length: 32 });
    expect(random.ok && (random.value as { bytes: Uint8Array }).bytes).toHaveLength(32);
    const encoded = dispatch.sync(ctx, "text.encode", { text: "héllo" });
    expect(encoded).toEqual({ ok: true, value: { bytes: new TextEncoder().encode("héllo") } });
    expect(dispatch.sync(ctx, "text.decode", { bytes: new Uint8Array([0xff]), fatal: true })).toMatchObject({ ok: false, error: { code: "SDX3002" } });
    // Device selection reads the library's devices: a new library knows only itself.
    const library = openLibrary();
    const withLibrary = { ...ctx, library, deviceUuid: library.deviceUuid } as OpContext;
    expect(await dispatch(withLibrary, "device.select", { capabilities: ["cpu"], preferLocal: true })).toMatchObject({
      ok: true, value: { devices: [{ uuid: library.deviceUuid, isLocal: true, capabilities: ["cpu"] }] },
    });
    expect(await dispatch(withLibrary, "device.select", { capabilities: ["gpu"], preferLocal: true })).toMatchObject({ ok: false, error: { code: "SDX3008", name: "NotFound" } });
    library.close();
    expect(await dispatch(ctx, "device.select", { capabilities: ["tpu"], preferLocal: true })).toMatchObject({ ok: false, error: { code: "SDX3001", data: { permission: "use_devices" } } });
  });
});
