/**
 * Sync between real libraries and hosts on loopback, through the real `sdx` binary: pairing over
 * the CLI, then either side SIGKILLed in the middle of a sync. A sync cut anywhere resumes from its
 * last applied batch: nothing is lost, nothing applied twice, and device-owned models never leave.
 * An extension installed on one device arrives on the other with nothing granted there.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { Host } from "@sdx/host";
import { SDX_BIN, sdxJson, sdxJsonAsync, tempDir } from "./helpers/cli.js";
import { buildDevicesExtension, query, serve } from "./helpers/serve.js";

const EXT = "org.sdx.devicestest";
const work = tempDir("sdx-devices-sync-");
let bundle = "";

beforeAll(async () => {
  bundle = await buildDevicesExtension(work);
}, 120_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function library(name: string, fill?: { count: number; label: string }): Promise<string> {
  const dir = join(work, name);
  expect((await sdxJson(["install", bundle, "--library", dir, "--yes"])).status).toBe(0);
  if (fill) {
    const run = await sdxJson(["run", EXT, "fill", "--library", dir, "--param", `count=${fill.count}`, "--param", `label=${fill.label}`]);
    expect(run.status, run.stderr).toBe(0);
  }
  return dir;
}

const tallies = (dir: string) => query<{ label: string; n: number; uniq: number }>(dir, "library.db",
  "SELECT json_extract(data, '$.label') AS label, count(*) AS n, count(DISTINCT uuid) AS uniq FROM models WHERE model_type = 'Tally' GROUP BY 1 ORDER BY 1");
const scratches = (dir: string) => query<{ note: string }>(dir, "library.db", "SELECT json_extract(data, '$.note') AS note FROM models WHERE model_type = 'Scratch' ORDER BY 1").map((r) => r.note);
const shared = (dir: string) => query<{ uuid: string; data: string }>(dir, "library.db", "SELECT hex(uuid) AS uuid, data FROM models WHERE sync_strategy = 1 ORDER BY uuid");

describe("sync over the CLI", () => {
  it("survives SIGKILL of the serving side mid-sync: resumes where it stopped, nothing lost or doubled", async () => {
    const a = await library("kill-server-a", { count: 120, label: "from a" });
    const b = await library("kill-server-b", { count: 40, label: "from b" });
    let served = await serve(b);
    const port = served.port;
    const pair = await sdxJson(["devices", "pair", "--library", a, "--peer", served.url, "--token", served.token]);
    expect(pair.status, pair.stderr).toBe(0);

    const host = await Host.open({ libraryDir: a, recover: false });
    try {
      const node = host.devices({ batchSize: 20 });
      let pushed = 0;
      const cut = await node.syncWith(served.device, {
        onBatch: async (direction) => {
          if (direction === "push" && ++pushed === 4) expect(await served.stop("SIGKILL")).toBe("SIGKILL");
        },
      }).catch((error: { code?: string }) => error);
      expect((cut as { code?: string }).code).toBe("SDX3048");
      // B has A's first batches (and all of its own), A has all of B's.
      const partial = tallies(b).find((t) => t.label === "from a");
      expect(partial?.n).toBeGreaterThan(0);
      expect(partial?.n).toBeLessThan(120);
      expect(tallies(a)).toEqual([{ label: "from a", n: 120, uniq: 120 }, { label: "from b", n: 40, uniq: 40 }]);

      served = await serve(b, { port });
      const resumed = await node.syncWith(served.device);
      // What was left, and no more (plus at most this device's own report, when it changed).
      expect(resumed.pulled.applied).toBeLessThanOrEqual(1);
      expect(resumed.pushed.applied - (120 - partial!.n)).toBeGreaterThanOrEqual(0);
      expect(resumed.pushed.applied - (120 - partial!.n)).toBeLessThanOrEqual(1);
      expect(tallies(b)).toEqual([{ label: "from a", n: 120, uniq: 120 }, { label: "from b", n: 40, uniq: 40 }]);
      expect(shared(b)).toEqual(shared(a));
      // Device-owned models never left their device.
      expect(scratches(a).filter((n) => n.includes("stays"))).toEqual(["from a stays on this device"]);
      expect(scratches(b).filter((n) => n.includes("stays"))).toEqual(["from b stays on this device"]);
    } finally {
      await host.close();
      await served.stop("SIGTERM");
    }
  }, 240_000);

  it("an extension installed on one device arrives on the other, with its models, and nothing granted until that device's user consents", async () => {
    const a = await library("consent-a", { count: 5, label: "from a" });
    const b = join(work, "consent-b");
    const served = await serve(a);
    try {
      expect((await sdxJson(["devices", "pair", "--library", b, "--peer", served.url, "--token", served.token])).status).toBe(0);
      const synced = await sdxJson(["sync", "--library", b]);
      expect(synced.status, synced.stderr).toBe(0);
      expect(tallies(b)).toEqual([{ label: "from a", n: 5, uniq: 5 }]);
      const grants = await sdxJson<{ grants: unknown[]; requested: unknown[] }>(["grants", EXT, "--library", b]);
      expect(grants.json.grants).toEqual([]);
      expect(grants.json.requested).toHaveLength(3);
      expect(query<{ version: string }>(b, "library.db", "SELECT version FROM extensions WHERE id = ?", EXT)).toEqual(
        query<{ version: string }>(a, "library.db", "SELECT version FROM extensions WHERE id = ?", EXT));

      const host = await Host.open({ libraryDir: b, recover: false });
      try {
        // Before consent: selectDevice needs use_devices, not granted here.
        const refused = await host.runJob(EXT, "offload", { values: [1] });
        expect(refused.state).toBe("failed");
        expect(refused.error?.code).toBe("SDX3001");
      } finally {
        await host.close();
      }
      expect((await sdxJson(["grants", EXT, "--library", b, "--grant", work])).status).toBe(0);
      const after = await Host.open({ libraryDir: b, recover: false });
      try {
        // After it: the selection runs (and finds no device with the model: SDX3008, not a permission error).
        const ran = await after.runJob(EXT, "offload", { values: [1] });
        expect(ran.error?.code).toBe("SDX3008");
      } finally {
        await after.close();
      }
      // B's consent stays on B.
      expect((await sdxJson<{ grants: unknown[] }>(["grants", EXT, "--library", a])).json.grants).toHaveLength(3);
    } finally {
      await served.stop("SIGTERM");
    }
  }, 240_000);

  it("survives SIGKILL of the syncing side mid-sync: the next sdx sync resumes, nothing lost or doubled", async () => {
    const b = await library("kill-client-b");
    const a = await library("kill-client-a");
    const host = await Host.open({ libraryDir: b, recover: false });
    let child: ReturnType<typeof spawn> | null = null;
    try {
      expect((await host.runJob(EXT, "fill", { count: 120, label: "from b" })).state).toBe("completed");
      let pulls = 0;
      let killed: Promise<unknown> = Promise.resolve();
      const node = host.devices({
        // The 4th page A asks for is answered only after A was killed (so A is cut mid-sync for sure).
        beforeRoute: async (path) => {
          if (path !== "/v1/sync/pull" || ++pulls !== 4) return;
          killed = new Promise((resolve) => child!.once("exit", resolve));
          child!.kill("SIGKILL");
          await killed;
        },
      });
      const url = await node.listen(0);
      // Async: this process serves B, so it must not block while the CLI pairs with it.
      expect((await sdxJsonAsync(["devices", "pair", "--library", a, "--peer", url, "--token", node.pairingToken().token])).status).toBe(0);

      child = spawn(process.execPath, [SDX_BIN, "--json", "sync", "--library", a, "--batch-size", "20"], { stdio: "ignore" });
      const exit = await new Promise((resolve) => child!.on("exit", (code, signal) => resolve(signal ?? code)));
      expect(exit).toBe("SIGKILL");
      const partial = tallies(a)[0]?.n ?? 0;
      expect(partial).toBeGreaterThan(0);
      expect(partial).toBeLessThan(120);

      const again = await sdxJsonAsync<{ results: Array<{ pulled: { applied: number } }> }>(["sync", "--library", a]);
      expect(again.status, again.stderr).toBe(0);
      // What was left, and no more (plus at most B's device report).
      expect(again.json.results[0]!.pulled.applied - (120 - partial)).toBeGreaterThanOrEqual(0);
      expect(again.json.results[0]!.pulled.applied - (120 - partial)).toBeLessThanOrEqual(1);
      expect(tallies(a)).toEqual([{ label: "from b", n: 120, uniq: 120 }]);
      expect(shared(a)).toEqual(shared(b));
      expect(scratches(a)).not.toContain("from b stays on this device");
    } finally {
      await host.close();
    }
  }, 240_000);
});
