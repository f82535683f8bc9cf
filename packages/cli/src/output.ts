/**
 * One renderer for command results: `--json` prints the data as one JSON document on stdout;
 * otherwise the command's human rendering is printed. Progress and logs go to stderr so stdout
 * stays parseable.
 */
export interface CommandResult<T> {
  /** Machine-readable result (`--json`). */
  data: T;
  /** Human rendering; omitted when the command printed as it went. */
  human?: string;
  /** Non-zero when the command failed in an expected way (build errors, failed job). */
  exitCode?: number;
  /** The command printed everything as it went (a watch): nothing more is printed, even with --json. */
  printed?: boolean;
}

export function emit<T>(result: CommandResult<T>, json: boolean): number {
  if (result.printed) return result.exitCode ?? 0;
  if (json) process.stdout.write(`${JSON.stringify(result.data, null, 2)}\n`);
  else if (result.human) process.stdout.write(result.human.endsWith("\n") ? result.human : `${result.human}\n`);
  return result.exitCode ?? 0;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(2)} MiB`;
}

export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}
