/**
 * The audit log is one subscriber of the host's typed events, not the event bus: with every audit
 * line reworded, the agent triggers still fire (nothing parses audit text).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { cpSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Host, readAudit } from "@sdx/host";
import { sdxJson, tempDir } from "./helpers/cli.js";

// Every line the audit trail writes gets another op name, target and detail.
vi.mock("../packages/host/src/ops/audit-trail.js", async (importOriginal) => {
  const original = await importOriginal<typeof import("../packages/host/src/ops/audit-trail.js")>();
  const { writeAudit } = await import("../packages/host/src/store/audit.js");
  return {
    ...original,
    auditTrail: (library: Parameters<typeof original.auditTrail>[0]) => (published: Parameters<ReturnType<typeof original.auditTrail>>[0]) => {
      const line = original.auditLine(published.event);
      writeAudit(library, published.extensionId, `reworded:${line.op.split("").reverse().join("")}`, `somewhere (${line.target.length} chars)`, line.result, { wording: "changed" });
    },
  };
});

const FIXTURE = fileURLToPath(new URL("./fixtures/agent-extension/", import.meta.url));
const EXT = "org.sdx.agenttest";
const work = tempDir("sdx-audit-events-");
let bundleBytes: Uint8Array;

beforeAll(async () => {
  const project = join(work, "project");
  cpSync(FIXTURE, project, { recursive: true });
  const build = await sdxJson<{ bundlePath: string }>(["build", project]);
  expect(build.status, build.stderr).toBe(0);
  bundleBytes = new Uint8Array(readFileSync(build.json.bundlePath));
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("typed events", () => {
  it("fire the model_created hook with every audit line reworded", async () => {
    // Every call answered in this thread, where the reworded audit trail is (vi.mock does not reach workers).
    const host = await Host.open({ libraryDir: join(work, "library"), callsInWorkers: false, agents: { hookTimeoutMs: 5_000, maxAttempts: 2, backoffMs: 20 } });
    try {
      await host.install(bundleBytes, { grants: [{ permission: 0, scope: [] }, { permission: 1, scope: [] }] });
      const note = await host.runJob(EXT, "makeNote", { text: "hello" });
      expect(note.state).toBe("completed");
      await host.idle();
      const created = host.agentEvents({ type: "model_created" });
      expect(created).toHaveLength(1);
      expect(created[0]).toMatchObject({ state: "delivered", hook: "onModelCreated", payload: { uuid: note.result, modelType: "Note", extension: EXT } });
      const lines = readAudit(host.library, { who: EXT });
      expect(lines.length).toBeGreaterThan(0);
      expect(lines.every((line) => line.op.startsWith("reworded:") && line.target.startsWith("somewhere"))).toBe(true);
      expect(lines.some((line) => line.op === "reworded:etaerc.sledom")).toBe(true);
    } finally {
      await host.close();
    }
  });
});
