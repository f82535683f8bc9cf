/**
 * A long-running `sdx` process (build --watch, dev) read line by line: tests wait for the line
 * they need (a rebuild, a run), never for a time. The test's own timeout bounds every wait.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { SDX_BIN } from "./cli.js";

export class LineReader {
  readonly lines: string[] = [];
  private readonly waiters: Array<() => void> = [];
  private ended = false;

  constructor(stream: NodeJS.ReadableStream) {
    let buffer = "";
    stream.on("data", (chunk: Buffer) => {
      buffer += chunk.toString();
      const parts = buffer.split("\n");
      buffer = parts.pop()!;
      if (parts.length === 0) return;
      this.lines.push(...parts);
      for (const wake of this.waiters.splice(0)) wake();
    });
    stream.on("end", () => {
      this.ended = true;
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  /**
   * The first line from index `from` on for which `accept` returns a value (not undefined); waits
   * for more lines as needed. Rejects when the stream ends first.
   */
  async find<T>(from: number, accept: (line: string, index: number) => T | undefined): Promise<{ value: T; index: number }> {
    for (let i = from; ; i++) {
      while (i >= this.lines.length) {
        if (this.ended) throw new Error(`the process ended before the expected line; it printed:\n${this.lines.join("\n")}`);
        await new Promise<void>((resolve) => this.waiters.push(resolve));
      }
      const value = accept(this.lines[i]!, i);
      if (value !== undefined) return { value, index: i };
    }
  }
}

export interface SdxProcess {
  child: ChildProcess;
  stdout: LineReader;
  stderr: LineReader;
  exited: Promise<number | null>;
  /** Ctrl-C, then the exit status. */
  interrupt(): Promise<number | null>;
}

/** Starts `sdx <args>` in the background (no colors), its output read line by line. */
export function startSdx(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): SdxProcess {
  const child = spawn(process.execPath, [SDX_BIN, ...args], {
    cwd: options.cwd,
    env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0", ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return {
    child,
    stdout: new LineReader(child.stdout!),
    stderr: new LineReader(child.stderr!),
    exited,
    interrupt() {
      child.kill("SIGINT");
      return exited;
    },
  };
}
