/**
 * `sdx consent list|grant|revoke` and `sdx prefs`: the user's decisions about data leaving the
 * machine. An extension's call to a non-loopback AI endpoint needs consent for that extension and
 * endpoint origin; the user's local/cloud preference per category wins over the extension's.
 */
import { resolve } from "node:path";
import pc from "picocolors";
import { Library, policyStore } from "@sdx/host";
import { UsageError } from "../errors.js";
import type { CommandResult } from "../output.js";

function withPolicy<T>(libraryDir: string, work: (store: ReturnType<typeof policyStore>) => T): T {
  const library = Library.open(resolve(libraryDir));
  try {
    return work(policyStore(library));
  } finally {
    library.close();
  }
}

export async function consentList(options: { library: string }): Promise<CommandResult<unknown>> {
  return withPolicy(options.library, (store) => {
    const consents = store.consents();
    return { data: consents, human: consents.length ? consents.map((c) => `${c.extensionId} → ${c.origin} ${pc.dim(`since ${c.grantedAt}`)}`).join("\n") : "no consents recorded" };
  });
}

export async function consentGrant(extensionId: string, endpoint: string, options: { library: string }): Promise<CommandResult<unknown>> {
  return withPolicy(options.library, (store) => {
    const record = store.grantConsent(extensionId, endpoint);
    return { data: record, human: `${pc.green("✔")} ${extensionId} may send data to ${record.origin}` };
  });
}

export async function consentRevoke(extensionId: string, endpoint: string | undefined, options: { library: string }): Promise<CommandResult<unknown>> {
  return withPolicy(options.library, (store) => {
    const removed = store.revokeConsent(extensionId, endpoint);
    return { data: { removed }, human: `${pc.green("✔")} revoked ${removed} consent(s) of ${extensionId}` };
  });
}

export async function prefsCommand(category: string | undefined, value: string | undefined, options: { library: string }): Promise<CommandResult<unknown>> {
  return withPolicy(options.library, (store) => {
    if (category && value) {
      if (!["local", "cloud", "any", "unset"].includes(value)) throw new UsageError(`preference must be local, cloud, any or unset (got "${value}")`);
      store.setPreference(category, value === "unset" ? null : (value as "local" | "cloud" | "any"));
    }
    const shown = category ?? "*";
    const current = store.preference(shown);
    return { data: { category: shown, preference: current ?? null }, human: `${shown === "*" ? "default" : shown}: ${current ?? "not set (the extension's preference applies)"}` };
  });
}
