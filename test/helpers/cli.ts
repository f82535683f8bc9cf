/** Runs the real `sdx` binary (built dist/) as a child process, the way a user or CI does. */
import { spawn, spawnSync } from "node:child_process";
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

export function sdx(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): CliResult {
  const result = spawnSync(process.execPath, [SDX_BIN, ...args], {
    cwd: options.cwd,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0", ...options.env },
    timeout: 120_000,
  });
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

export function sdxJson<T = Record<string, unknown>>(args: string[], options: { cwd?: string } = {}): { status: number; json: T; stderr: string } {
  const result = sdx(["--json", ...args], options);
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

/** Like `sdxJson`, without blocking this process (for tests that serve something the CLI calls). */
export function sdxJsonAsync<T = Record<string, unknown>>(args: string[]): Promise<{ status: number; json: T; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SDX_BIN, "--json", ...args], { env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (status) => {
      try {
        resolve({ status: status ?? -1, json: JSON.parse(stdout) as T, stderr });
      } catch {
        reject(new Error(`sdx ${args.join(" ")} printed no JSON (exit ${status}).\nstdout: ${stdout}\nstderr: ${stderr}`));
      }
    });
  });
}
