/**
 * The guest's environment ops: `log` (console and the SDK's logger land here), randomness for
 * `crypto.getRandomValues`/`randomUUID`, SHA-256 (a file an action plans to write), and UTF-8 for `TextEncoder`/`TextDecoder`. All are cheap
 * and synchronous (they are in `SYNC_OPS`).
 *
 * Logs go to a per-extension sink: the Host's `onLog` callback, an in-memory tail (`ExtensionLogs.tail`)
 * and `<library>/logs/<extension-id>.log` (JSON lines), so `sdx run` prints them and they survive.
 * A guest cannot fill the disk or the terminal through them: a message is cut at 16 KiB and its
 * data at 48 KiB (UTF-8), each with a marker saying how much was cut, and a log file over 16 MiB
 * is rotated to `<extension-id>.log.1`.
 */
import { createHash, randomBytes } from "node:crypto";
import { appendFileSync, mkdirSync, renameSync, statSync } from "node:fs";
import { join } from "node:path";
import { sdxError } from "../errors.js";
import { GuestStacks } from "../extensions/guest-stacks.js";
import type { OpHandlers } from "./context.js";

export type LogLevel = "trace" | "debug" | "info" | "warn" | "error";

export interface LogEntry {
  extensionId: string;
  level: LogLevel;
  message: string;
  data?: unknown;
  at: string;
}

/** Most entries kept in memory per extension. */
const TAIL = 1000;
/** Bytes (UTF-8) of a message, and of its data as JSON, kept in one log line. */
export const MAX_LOG_MESSAGE_BYTES = 16 * 1024;
export const MAX_LOG_DATA_BYTES = 48 * 1024;
/** A log file past this size is moved to `.log.1` (replacing the older one) before the next write. */
export const MAX_LOG_FILE_BYTES = 16 * 1024 * 1024;

/** `text` cut to `max` UTF-8 bytes on a character boundary, with a marker naming the size it had. */
export function capText(text: string, max: number): string {
  // A UTF-16 code unit is at most 3 UTF-8 bytes: most lines need no encoding at all.
  if (text.length * 3 <= max) return text;
  const bytes = Buffer.from(text, "utf8");
  if (bytes.length <= max) return text;
  let end = max;
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end -= 1;
  return `${bytes.subarray(0, end).toString("utf8")}… [truncated: ${bytes.length} bytes, ${end} kept]`;
}

/** Log data as stored: itself when its JSON fits, else a marker with its size. */
function capData(data: unknown): unknown {
  let json: string;
  try {
    json = JSON.stringify(data, (_key, value: unknown) => (typeof value === "bigint" ? value.toString() : value));
  } catch {
    return { truncated: true, reason: "not serializable as JSON" };
  }
  if (json === undefined) return undefined;
  const bytes = Buffer.byteLength(json);
  return bytes <= MAX_LOG_DATA_BYTES ? JSON.parse(json) : { truncated: true, bytes };
}

/** Where extension logs go. One per host. */
export class ExtensionLogs {
  private readonly tails = new Map<string, LogEntry[]>();
  private readonly pending = new Map<string, string[]>();
  private flushScheduled = false;
  /** Whether `dir` was made: a task's one log line is one flush, and a mkdir per flush cost it as much as its durable result. */
  private dirMade = false;

  constructor(
    /** Directory of the `.log` files; null keeps logs in memory only. */
    private readonly dir: string | null,
    private readonly onLog?: (entry: { extensionId: string; level: string; message: string; data?: unknown }) => void,
  ) {}

  write(extensionId: string, level: LogLevel, message: string, data?: unknown): void {
    const text = capText(message, MAX_LOG_MESSAGE_BYTES);
    const entry: LogEntry = { extensionId, level, message: text, at: new Date().toISOString() };
    const kept = data === undefined ? undefined : capData(data);
    if (kept !== undefined) entry.data = kept;
    let tail = this.tails.get(extensionId);
    if (!tail) this.tails.set(extensionId, (tail = []));
    tail.push(entry);
    if (tail.length > TAIL) tail.splice(0, tail.length - TAIL);
    this.onLog?.(data === undefined ? { extensionId, level, message: text } : { extensionId, level, message: text, data });
    if (this.dir) {
      let lines = this.pending.get(extensionId);
      if (!lines) this.pending.set(extensionId, (lines = []));
      lines.push(JSON.stringify(entry));
      // Batch file writes: a guest logging in a loop must not cost a syscall per line.
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    }
  }

  /** The last entries of an extension (oldest first). */
  tail(extensionId: string): readonly LogEntry[] {
    return this.tails.get(extensionId) ?? [];
  }

  /** Writes buffered lines to disk (also called on close). */
  flush(): void {
    this.flushScheduled = false;
    if (!this.dir || this.pending.size === 0) return;
    if (!this.dirMade) {
      mkdirSync(this.dir, { recursive: true });
      this.dirMade = true;
    }
    for (const [extensionId, lines] of this.pending) {
      const file = join(this.dir, `${extensionId}.log`);
      const size = statSync(file, { throwIfNoEntry: false })?.size ?? 0;
      if (size > MAX_LOG_FILE_BYTES) renameSync(file, `${file}.1`);
      const text = `${lines.join("\n")}\n`;
      try {
        appendFileSync(file, text);
      } catch (error) {
        // The directory was removed while the host ran: make it again.
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
        mkdirSync(this.dir, { recursive: true });
        appendFileSync(file, text);
      }
    }
    this.pending.clear();
  }
}

/** Randomness and UTF-8: pure functions of their request, answered wherever the guest runs. */
export const codecOps: OpHandlers = {
  "crypto.randomBytes": (_ctx, request) => ({ bytes: new Uint8Array(randomBytes(request.length)) }),
  // The SDK hashes a file an action's preview plans to write, so the preview shows what execute may write.
  "crypto.sha256": (_ctx, request) => ({ hex: createHash("sha256").update(request.bytes).digest("hex") }),
  "text.encode": (_ctx, request) => ({ bytes: new TextEncoder().encode(request.text) }),
  "text.decode": (_ctx, request) => {
    try {
      return { text: new TextDecoder("utf-8", { fatal: request.fatal ?? false }).decode(request.bytes) };
    } catch {
      throw sdxError("SDX3002", "text.decode: the bytes are not valid UTF-8");
    }
  },
};

export function createEnvOps(logs: ExtensionLogs): OpHandlers {
  return {
    log: (ctx, request) => {
      // A logged error's stack (console.error(e), ctx.log.error(e.stack)) points at the author's TypeScript.
      logs.write(ctx.extensionId, request.level, GuestStacks.of(ctx.bundle).mapText(request.message), request.data);
      return null;
    },
    ...codecOps,
  };
}
