/**
 * `sdx events --library <dir> [--extension <id>] [--state <state>]`: the agent events of a library
 * and their delivery to each hook (pending, running, delivered, failed, skipped), with attempts and
 * the last error, from its jobs.db. Delivers nothing itself.
 */
import pc from "picocolors";
import Table from "cli-table3";
import type { AgentDeliveryRecord, DeliveryState } from "@sdx/host";
import { UserError } from "../errors.js";
import type { CommandResult } from "../output.js";
import { openLibrary } from "./jobs.js";

const STATES: readonly DeliveryState[] = ["pending", "running", "delivered", "failed", "skipped"];
const STATE_COLOR: Record<DeliveryState, (s: string) => string> = {
  pending: pc.blue, running: pc.cyan, delivered: pc.green, failed: pc.red, skipped: pc.dim,
};

export async function eventsCommand(options: { library: string; extension?: string; state?: string }): Promise<CommandResult<{ events: AgentDeliveryRecord[] }>> {
  if (options.state && !STATES.includes(options.state as DeliveryState)) throw new UserError(`--state must be one of ${STATES.join(", ")}`);
  const host = await openLibrary(options.library);
  try {
    const events = host.agentEvents({ extensionId: options.extension, state: options.state as DeliveryState | undefined });
    if (events.length === 0) return { data: { events }, human: "no agent events" };
    const table = new Table({ head: ["event", "type", "extension", "hook", "state", "attempts", "last error", "at"], style: { head: [], border: [] } });
    for (const e of events) {
      const error = e.lastError ? `${e.lastError.code} ${e.lastError.message}`.slice(0, 60) : "";
      table.push([e.eventId, e.type, e.extensionId, e.hook, STATE_COLOR[e.state](e.state), e.attempts, error, e.deliveredAt ?? e.updatedAt]);
    }
    return { data: { events }, human: table.toString() };
  } finally {
    await host.close();
  }
}
