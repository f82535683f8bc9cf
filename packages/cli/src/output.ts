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

/**
 * Values that crossed the sandbox boundary keep their types on the host (the protocol carries
 * BigInt and typed arrays), and JSON has none of them: a BigInt is written as its decimal string,
 * a typed array or ArrayBuffer as an array of numbers (of decimal strings for 64-bit integers).
 */
function guestValue(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof ArrayBuffer) return Array.from(new Uint8Array(value));
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    return Array.from(value as unknown as ArrayLike<number | bigint>, (x) => (typeof x === "bigint" ? x.toString() : x));
  }
  return value;
}

/** JSON text of command data, whatever an extension returned in it (see `guestValue`). */
export function toJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, guestValue, indent) ?? "null";
}

export function emit<T>(result: CommandResult<T>, json: boolean): number {
  if (result.printed) return result.exitCode ?? 0;
  if (json) process.stdout.write(`${toJson(result.data, 2)}\n`);
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
