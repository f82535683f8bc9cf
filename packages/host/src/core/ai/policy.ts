/**
 * Who may use which model, and what may leave the machine.
 *
 * 1. Category: an extension reaches a model only if it was granted `use_model` for the model's
 *    category (SDX3001), for running it and for registering it.
 * 2. Placement: a file model (ONNX) runs here. An endpoint model runs here only if its URL's host is
 *    a loopback address (`localhost`, `*.localhost`, 127.0.0.0/8, `::1`); any other host counts as
 *    off the machine, even one on the LAN: the host cannot know where that server sends data.
 *    A model download from a non-loopback URL needs consent too (the URL itself can carry data).
 * 3. Preference: the user's preference for the category (else the user's default, category `*`)
 *    wins; without one, the extension's `use_model` preference applies. `local` refuses anything
 *    off the machine (SDX3018); `cloud` and `any` allow it only with consent.
 * 4. Consent: recorded by the user per extension and endpoint origin (`https://host:port`), in the
 *    library (`ai_consent`); without it an off-machine call is refused (SDX3018) before any byte
 *    is sent.
 */
import type Database from "better-sqlite3";
import type { ModelPreference } from "@sdx/sdk";
import type { ManifestPermission } from "@sdx/sdk/manifest";
import { sdxError, SdxError } from "../../store/errors.js";
import type { Library } from "../../store/library.js";
import type { ModelRecord } from "./registry.js";

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
  constructor(private readonly db: Database.Database) {
    db.exec(SCHEMA);
  }

  /** The user's preference for a category, falling back to their default (`*`); null if neither is set. */
  preference(category: string): ModelPreference | null {
    const rows = this.db.prepare("SELECT category, preference FROM ai_preferences WHERE category IN (?, '*')").all(category) as Array<{ category: string; preference: ModelPreference }>;
    return (rows.find((r) => r.category === category) ?? rows[0])?.preference ?? null;
  }

  /** Sets (or with null clears) the user's preference for a category, `*` for every category. */
  setPreference(category: string, preference: ModelPreference | null): void {
    if (preference === null) this.db.prepare("DELETE FROM ai_preferences WHERE category = ?").run(category);
    else this.db.prepare("INSERT INTO ai_preferences (category, preference) VALUES (?, ?) ON CONFLICT(category) DO UPDATE SET preference = excluded.preference").run(category, preference);
  }

  hasConsent(extensionId: string, origin: string): boolean {
    return this.db.prepare("SELECT 1 FROM ai_consent WHERE extension_id = ? AND origin = ?").get(extensionId, origin) !== undefined;
  }

  /** Records the user's consent for `extensionId` to send data to `endpoint` (a URL or origin). */
  grantConsent(extensionId: string, endpoint: string): ConsentRecord {
    const origin = originOf(endpoint);
    const grantedAt = new Date().toISOString();
    this.db.prepare("INSERT INTO ai_consent (extension_id, origin, granted_at) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET granted_at = excluded.granted_at").run(extensionId, origin, grantedAt);
    return { extensionId, origin, grantedAt };
  }

  /** Withdraws consent for one endpoint, or for all of the extension's endpoints. */
  revokeConsent(extensionId: string, endpoint?: string): number {
    if (endpoint === undefined) return this.db.prepare("DELETE FROM ai_consent WHERE extension_id = ?").run(extensionId).changes;
    return this.db.prepare("DELETE FROM ai_consent WHERE extension_id = ? AND origin = ?").run(extensionId, originOf(endpoint)).changes;
  }

  consents(extensionId?: string): ConsentRecord[] {
    const rows = (extensionId === undefined
      ? this.db.prepare("SELECT * FROM ai_consent ORDER BY extension_id, origin").all()
      : this.db.prepare("SELECT * FROM ai_consent WHERE extension_id = ? ORDER BY origin").all(extensionId)) as Array<{ extension_id: string; origin: string; granted_at: string }>;
    return rows.map((r) => ({ extensionId: r.extension_id, origin: r.origin, grantedAt: r.granted_at }));
  }
}

const stores = new WeakMap<Library, AiPolicyStore>();

/** The policy store of a library (tables created on first use). */
export function policyStore(library: Library): AiPolicyStore {
  let store = stores.get(library);
  if (!store) {
    store = new AiPolicyStore(library.db);
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

export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (host === "localhost" || host.endsWith(".localhost") || host === "::1") return true;
  const v4 = host.startsWith("::ffff:") ? host.slice(7) : host;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

/** The origin an endpoint model sends data to, or null when it runs on this machine. */
export function offMachineOrigin(record: ModelRecord): string | null {
  if (!record.endpoint) return null;
  const url = new URL(record.endpoint.baseUrl);
  return isLoopbackHost(url.hostname) ? null : url.origin;
}

/** Who asks to use a model: an extension with its grants, in a library (an op's context is one). */
export interface ModelUser {
  readonly extensionId: string;
  readonly library: Library;
  readonly grants: { readonly grants: ReadonlyArray<{ readonly permission: ManifestPermission }>; requireUseModel(category: string): void };
}

function grantedPreference(ctx: ModelUser, category: string): ModelPreference {
  const grant = ctx.grants.grants.find((g) => g.permission.kind === "use_model" && g.permission.category === category);
  return grant?.permission.kind === "use_model" ? grant.permission.preference : "local";
}

function consentRequired(message: string, data: Record<string, unknown>): SdxError {
  return sdxError("SDX3018", message, data);
}

/**
 * Checks that the calling extension may send data to `origin` (off the machine) for `category`.
 * Throws SDX3018 when the effective preference is local or the user has not consented.
 */
export function requireOffMachineAllowed(ctx: ModelUser, category: string, origin: string, what: string): void {
  const store = policyStore(ctx.library);
  const user = store.preference(category);
  const preference = user ?? grantedPreference(ctx, category);
  const whose = user ? "the user's" : `${ctx.extensionId}'s`;
  if (preference === "local") {
    throw consentRequired(
      `${what} would send data off this machine to ${origin}, but ${whose} preference for "${category}" models is local. ` +
        `To allow it, the user sets the preference to cloud and records consent for ${ctx.extensionId} and ${origin}.`,
      { reason: "preference", preference, origin, category },
    );
  }
  if (!store.hasConsent(ctx.extensionId, origin)) {
    throw consentRequired(
      `${what} would send data off this machine to ${origin}; the user has not consented to ${ctx.extensionId} doing so. ` +
        `Record consent for ${ctx.extensionId} and ${origin} first (preference: ${preference}).`,
      { reason: "consent", preference, origin, category },
    );
  }
}

/** Category grant (SDX3001), then placement, preference and consent (SDX3018) for one model. */
export function requireModelUse(ctx: ModelUser, record: ModelRecord, what: string): { origin: string | null } {
  ctx.grants.requireUseModel(record.category);
  const origin = offMachineOrigin(record);
  if (origin) requireOffMachineAllowed(ctx, record.category, origin, what);
  return { origin };
}

/**
 * Whether a registration by this extension may download from `url` now: null if yes, else the
 * reason (the model is then registered but not installed; the user can add the file). Only
 * consent is asked: a download runs nothing off the machine, so the local/cloud preference,
 * which is about where models run, does not apply.
 */
export function downloadRefusal(ctx: ModelUser, url: string): string | null {
  const parsed = new URL(url);
  if (isLoopbackHost(parsed.hostname)) return null;
  if (policyStore(ctx.library).hasConsent(ctx.extensionId, parsed.origin)) return null;
  return `not downloaded: the user has not consented to ${ctx.extensionId} contacting ${parsed.origin} (the URL could carry data off the machine); record consent, or add the file with \`sdx models add --file\``;
}
