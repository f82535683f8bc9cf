// Shared helpers for benchmarks: timing, medians, interleaved A/B runs, fixtures, building a source.
import { existsSync, mkdirSync, readFileSync, writeFileSync, cpSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export async function time(fn) {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

/** Runs `a` and `b` alternately `rounds` times; returns median ms of each. */
export async function interleaved(rounds, a, b) {
  const ta = [];
  const tb = [];
  for (let i = 0; i < rounds; i++) {
    ta.push(await time(a));
    tb.push(await time(b));
  }
  return { a: median(ta), b: median(tb) };
}

export const ms = (v) => `${v < 10 ? v.toFixed(2) : Math.round(v)} ms`;
export const ratio = (a, b) => `${(a / b).toFixed(2)}×`;


export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const SDX = join(ROOT, "packages/cli/bin/sdx.js");

/**
 * `../shared/fixtures` from any checkout (the repository, a worktree beside it, a clone elsewhere):
 * SDX_FIXTURES, then `shared/fixtures` beside this checkout or any folder above it. Null when none.
 */
export function findFixtures() {
  if (process.env.SDX_FIXTURES) return existsSync(process.env.SDX_FIXTURES) ? resolve(process.env.SDX_FIXTURES) : null;
  for (let dir = ROOT; ; dir = dirname(dir)) {
    const candidate = join(dir, "..", "shared", "fixtures");
    if (existsSync(join(candidate, "SOURCES.md"))) return resolve(candidate);
    if (dirname(dir) === dir) return null;
  }
}

/** A row saying, loudly, that a measure was skipped and why (never a silent omission). */
export function skipped(what, why) {
  process.stderr.write(`bench: SKIPPED ${what}: ${why}\n`);
  return [`**SKIPPED**: ${what}`, why, "", ""];
}

/** Builds an extension from one TypeScript source with the real `sdx build`; returns the bundle bytes. */
export function buildSource(work, name, source) {
  const project = join(work, name);
  mkdirSync(join(project, "src"), { recursive: true });
  writeFileSync(join(project, "package.json"), JSON.stringify({ name, version: "1.0.0", private: true, type: "module" }));
  cpSync(join(ROOT, "examples/photos/tsconfig.json"), join(project, "tsconfig.json"));
  writeFileSync(join(project, "src/index.ts"), source);
  const out = execFileSync(process.execPath, [SDX, "--json", "build", project], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  return new Uint8Array(readFileSync(JSON.parse(out).bundlePath));
}

export const perSec = (n, ms) => `${Math.round(n / (ms / 1000)).toLocaleString("en")}/s`;
export const goal = (ok) => (ok ? "met" : "**not met**");
