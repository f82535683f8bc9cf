/**
 * Runs the real `sdx` binary (built dist/) as a child process, the way a user or CI does.
 *
 * Always asynchronously: a vitest worker whose thread is blocked (spawnSync) cannot read its
 * runner's replies, and vitest 3 fails the whole run with "[vitest-worker]: Timeout calling
 * onTaskUpdate" once a reply waits 60 s (a fixed birpc timeout, no option changes it). On a busy
 * machine a few CLI runs in a row take that long; awaited, they cost nothing to the runner.
 */
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const SDX_BIN = fileURLToPath(new URL("../../packages/cli/bin/sdx.js", import.meta.url));

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end without blocking this thread. */
export function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", reject);
    child.on("close", (status, signal) => resolve({ status: status ?? (signal ? -1 : 0), stdout, stderr }));
  });
}

export function sdx(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<CliResult> {
  return run(process.execPath, [SDX_BIN, ...args], { cwd: options.cwd, env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0", ...options.env } });
}

export async function sdxJson<T = Record<string, unknown>>(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<{ status: number; json: T; stderr: string }> {
  const result = await sdx(["--json", ...args], options);
  let json: T;
  try {
    json = JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`sdx ${args.join(" ")} printed no JSON (exit ${result.status}).\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
  }
  return { status: result.status, json, stderr: result.stderr };
}

export function tempDir(prefix = "sdx-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** The same as `sdxJson` (kept for tests written when `sdxJson` still blocked). */
export const sdxJsonAsync = sdxJson;
