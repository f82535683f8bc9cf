/** `sdx serve` as a child process (the real binary), for the several-devices tests. */
import { spawn, type ChildProcess } from "node:child_process";
import { cpSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { SDX_BIN, sdxJson } from "./cli.js";

export interface Served {
  child: ChildProcess;
  url: string;
  port: number;
  token: string;
  device: string;
  stderr: () => string;
  /** Sends `signal` and resolves when the process exited (its exit code, or the signal). */
  stop(signal: NodeJS.Signals): Promise<number | NodeJS.Signals>;
}

/** Starts `sdx serve` on `library`; resolves once it listens (its first stdout line). */
export function serve(library: string, options: { port?: number; modelsDir?: string; syncInterval?: number } = {}): Promise<Served> {
  const args = ["--json", ...(options.modelsDir ? ["--models-dir", options.modelsDir] : []), "serve", "--library", library,
    "--port", String(options.port ?? 0), "--sync-interval", String(options.syncInterval ?? 3600)];
  const child = spawn(process.execPath, [SDX_BIN, ...args], { env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" }, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | NodeJS.Signals>((resolve) => child.on("exit", (code, signal) => resolve(signal ?? code ?? -1)));
  return new Promise((resolve, reject) => {
    let out = "";
    const onData = (d: Buffer) => {
      out += d.toString();
      const newline = out.indexOf("\n");
      if (newline < 0) return;
      child.stdout!.off("data", onData);
      const line = JSON.parse(out.slice(0, newline)) as { url: string; device: { uuid: string }; pair: { token: string } };
      resolve({
        child, url: line.url, port: Number(new URL(line.url).port), token: line.pair.token, device: line.device.uuid, stderr: () => stderr,
        stop: (signal) => {
          child.kill(signal);
          return exited;
        },
      });
    };
    child.stdout!.on("data", onData);
    void exited.then((code) => reject(new Error(`sdx serve exited (${code}) before listening: ${stderr}`)));
  });
}

export { until } from "./poll.js";

/** Runs a read-only query on a library's database (library.db or jobs.db). */
export function query<T>(library: string, file: "library.db" | "jobs.db", sql: string, ...params: unknown[]): T[] {
  const db = new Database(join(library, file), { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

/** Builds the devices test extension (test/fixtures/devices-extension) into `work`; returns the bundle path. */
export async function buildDevicesExtension(work: string): Promise<string> {
  const project = join(work, "devices-extension");
  cpSync(fileURLToPath(new URL("../fixtures/devices-extension/", import.meta.url)), project, { recursive: true });
  const build = await sdxJson<{ bundlePath: string }>(["build", project]);
  if (build.status !== 0) throw new Error(`sdx build failed: ${build.stderr}`);
  return build.json.bundlePath;
}
