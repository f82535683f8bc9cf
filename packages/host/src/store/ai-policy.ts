/**
 * The user's AI decisions in one library (`library.db`): consents per extension and endpoint origin
 * (`ai_consent`) and local/cloud preferences per model category (`ai_preferences`). The tables are
 * created on first use; statements go through the library's statement cache (sqlite.ts). What the
 * decisions mean is core/ai/policy.ts.
 */
import type { ModelPreference } from "@sdx/sdk";
import { sdxError } from "./errors.js";
import type { Library } from "./library.js";

export interface ConsentRecord {
  extensionId: string;
  origin: string;
  grantedAt: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS ai_consent (
  extension_id TEXT NOT NULL,
  origin TEXT NOT NULL,
  granted_at TEXT NOT NULL,
  PRIMARY KEY (extension_id, origin)
);
CREATE TABLE IF NOT EXISTS ai_preferences (
  category TEXT PRIMARY KEY,
  preference TEXT NOT NULL CHECK (preference IN ('local', 'cloud', 'any'))
);
`;

/** The user's AI decisions in one library: consents and local/cloud preferences. */
export class AiPolicyStore {
  constructor(private readonly library: Library) {
    library.db.exec(SCHEMA);
  }

  /** The user's preference for a category, falling back to their default (`*`); null if neither is set. */
  preference(category: string): ModelPreference | null {
    const rows = this.library.stmt("SELECT category, preference FROM ai_preferences WHERE category IN (?, '*')").all(category) as Array<{ category: string; preference: ModelPreference }>;
    return (rows.find((r) => r.category === category) ?? rows[0])?.preference ?? null;
  }

  /** Sets (or with null clears) the user's preference for a category, `*` for every category. */
  setPreference(category: string, preference: ModelPreference | null): void {
    if (preference === null) this.library.stmt("DELETE FROM ai_preferences WHERE category = ?").run(category);
    else this.library.stmt("INSERT INTO ai_preferences (category, preference) VALUES (?, ?) ON CONFLICT(category) DO UPDATE SET preference = excluded.preference").run(category, preference);
  }

  hasConsent(extensionId: string, origin: string): boolean {
    return this.library.stmt("SELECT 1 FROM ai_consent WHERE extension_id = ? AND origin = ?").get(extensionId, origin) !== undefined;
  }

  /** Records the user's consent for `extensionId` to send data to `endpoint` (a URL or origin). */
  grantConsent(extensionId: string, endpoint: string): ConsentRecord {
    const origin = originOf(endpoint);
    const grantedAt = new Date().toISOString();
    this.library.stmt("INSERT INTO ai_consent (extension_id, origin, granted_at) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET granted_at = excluded.granted_at").run(extensionId, origin, grantedAt);
    return { extensionId, origin, grantedAt };
  }

  /** Withdraws consent for one endpoint, or for all of the extension's endpoints. */
  revokeConsent(extensionId: string, endpoint?: string): number {
    if (endpoint === undefined) return this.library.stmt("DELETE FROM ai_consent WHERE extension_id = ?").run(extensionId).changes;
    return this.library.stmt("DELETE FROM ai_consent WHERE extension_id = ? AND origin = ?").run(extensionId, originOf(endpoint)).changes;
  }

  consents(extensionId?: string): ConsentRecord[] {
    const rows = (extensionId === undefined
      ? this.library.stmt("SELECT * FROM ai_consent ORDER BY extension_id, origin").all()
      : this.library.stmt("SELECT * FROM ai_consent WHERE extension_id = ? ORDER BY origin").all(extensionId)) as Array<{ extension_id: string; origin: string; granted_at: string }>;
    return rows.map((r) => ({ extensionId: r.extension_id, origin: r.origin, grantedAt: r.granted_at }));
  }
}

const stores = new WeakMap<Library, AiPolicyStore>();

/** The policy store of a library (tables created on first use). */
export function policyStore(library: Library): AiPolicyStore {
  let store = stores.get(library);
  if (!store) {
    store = new AiPolicyStore(library);
    stores.set(library, store);
  }
  return store;
}

/** `scheme://host[:port]` of a URL; the unit consent is given for. */
export function originOf(endpoint: string): string {
  try {
    return new URL(endpoint).origin;
  } catch {
    throw sdxError("SDX3002", `${JSON.stringify(endpoint)} is not a URL`);
  }
}

