/**
 * What `sdx run <bundle file>` may grant. The developer loop installs the bundle with what it asks
 * for, limited to the folders passed for its SdPath parameters; but over an installed extension it
 * keeps what the user granted, and any widening (a permission not granted now, or a folder outside
 * the current scope) is a change the user must see and accept: asked on a terminal, refused
 * without one (SDX3033) unless `--yes` accepts them or `--grant <path>` states the grants outright.
 *
 * Input: the new manifest, the installed grants, the folders. Output: the grants to install and
 * the changes they make. Must not: open a library or prompt (run.ts does).
 */
import { relative, isAbsolute } from "node:path";
import type { Grant, GrantInput } from "@sdx/host";
import { permissionSentence, type Manifest, type ManifestPermission } from "@sdx/sdk/manifest";
import { isPathScoped } from "./grant-prompts.js";

/** One grant a run would change: `from` null when it is not granted now, `to` null when it goes away. */
export interface GrantChange {
  permission: number;
  sentence: string;
  from: string[] | null;
  to: string[] | null;
}

export interface GrantPlan {
  /** The grants to install with. */
  grants: GrantInput[];
  /** Grants widened or added (need the user's consent). */
  widened: GrantChange[];
  /** Grants the new version no longer requests (dropped; no consent needed, but said). */
  dropped: GrantChange[];
}

/** A permission's data without its sentence, for comparing the permissions of two versions. */
function key(p: ManifestPermission): string {
  const { description: _sentence, ...data } = p;
  return JSON.stringify(data, Object.keys(data).sort());
}

function inside(dir: string, scope: string): boolean {
  const rel = relative(scope, dir);
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}

/** Whether `scope` already covers `wanted` ([] = the whole library). */
function covers(scope: readonly string[], wanted: readonly string[]): boolean {
  if (scope.length === 0) return true;
  if (wanted.length === 0) return false;
  return wanted.every((dir) => scope.some((s) => inside(dir, s)));
}

/** The scope a permission gets from the run's folders. */
function scopeFor(p: ManifestPermission, folders: readonly string[]): string[] {
  return isPathScoped(p) ? [...folders] : [];
}

/**
 * The grants for installing `manifest` with the run's `folders`, given what is granted now
 * (`installed` null for a first install, where everything requested is granted).
 */
export function planRunGrants(manifest: Manifest, folders: readonly string[], installed: readonly Grant[] | null): GrantPlan {
  const wanted = manifest.permissions.map((p, permission) => ({ permission, scope: scopeFor(p, folders) }));
  if (installed === null) {
    return { grants: wanted, widened: wanted.map((g) => ({ permission: g.permission, sentence: permissionSentence(manifest.permissions[g.permission]!), from: null, to: g.scope })), dropped: [] };
  }
  const byKey = new Map(installed.map((g) => [key(g.permission), g]));
  const grants: GrantInput[] = [];
  const widened: GrantChange[] = [];
  manifest.permissions.forEach((p, permission) => {
    const current = byKey.get(key(p));
    byKey.delete(key(p));
    const want = scopeFor(p, folders);
    const sentence = permissionSentence(p);
    if (!current) {
      widened.push({ permission, sentence, from: null, to: want });
      return;
    }
    if (covers(current.scope, want)) {
      grants.push({ permission, scope: current.scope });
      return;
    }
    const to = want.length === 0 ? [] : [...new Set([...current.scope, ...want])].sort();
    widened.push({ permission, sentence, from: current.scope, to });
    grants.push({ permission, scope: current.scope });
  });
  const dropped = [...byKey.values()].map((g) => ({ permission: g.index, sentence: permissionSentence(g.permission), from: g.scope, to: null }));
  return { grants, widened, dropped };
}

/** Every difference between the installed grants and `next` (the grants `--grant` states). */
export function changesBetween(manifest: Manifest, next: readonly GrantInput[], installed: readonly Grant[] | null): GrantChange[] {
  const byKey = new Map((installed ?? []).map((g) => [key(g.permission), g]));
  const same = (a: readonly string[], b: readonly string[]) => JSON.stringify([...a].sort()) === JSON.stringify([...b].sort());
  const out: GrantChange[] = [];
  for (const g of next) {
    const p = manifest.permissions[g.permission]!;
    const current = byKey.get(key(p));
    byKey.delete(key(p));
    if (!current || !same(current.scope, g.scope)) out.push({ permission: g.permission, sentence: permissionSentence(p), from: current?.scope ?? null, to: g.scope });
  }
  for (const g of byKey.values()) out.push({ permission: g.index, sentence: permissionSentence(g.permission), from: g.scope, to: null });
  return out;
}

/** The grants with the widenings applied (what `--yes` or a "yes" installs). */
export function withWidenings(plan: GrantPlan): GrantInput[] {
  const out = new Map(plan.grants.map((g) => [g.permission, g.scope]));
  for (const change of plan.widened) out.set(change.permission, change.to ?? []);
  return [...out].sort(([a], [b]) => a - b).map(([permission, scope]) => ({ permission, scope }));
}

/** One line per change, for the terminal and for the SDX3033 message. */
export function describeChange(change: GrantChange): string {
  const where = (scope: string[] | null) => (scope === null ? "not granted" : scope.length === 0 ? "the whole library" : scope.join(", "));
  if (change.to === null) return `[${change.permission}] ${change.sentence}: no longer requested (was ${where(change.from)})`;
  return `[${change.permission}] ${change.sentence}: ${where(change.from)} → ${where(change.to)}`;
}
