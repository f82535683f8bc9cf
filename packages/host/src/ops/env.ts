/**
 * The guest's environment ops: `log` (console and the SDK's logger land here), randomness for
 * `crypto.getRandomValues`/`randomUUID`, and UTF-8 for `TextEncoder`/`TextDecoder`. All are cheap
 * and synchronous (they are in `SYNC_OPS`).
 *
 * Logs go to a per-extension sink: the Host's `onLog` callback, an in-memory tail (`ExtensionLogs.tail`)
 * and `<library>/logs/<extension-id>.log` (JSON lines), so `sdx run` prints them and they survive.
 */
import { randomBytes } from "node:crypto";
import { appendFileSync, mkdirSync } from "node:fs";
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
const MAX_MESSAGE = 16 * 1024;

/** Where extension logs go. One per host. */
export class ExtensionLogs {
  private readonly tails = new Map<string, LogEntry[]>();
  private readonly pending = new Map<string, string[]>();
  private flushScheduled = false;

  constructor(
    /** Directory of the `.log` files; null keeps logs in memory only. */
    private readonly dir: string | null,
    private readonly onLog?: (entry: { extensionId: string; level: string; message: string; data?: unknown }) => void,
  ) {}

  write(extensionId: string, level: LogLevel, message: string, data?: unknown): void {
    const text = message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE)}…` : message;
    const entry: LogEntry = { extensionId, level, message: text, at: new Date().toISOString() };
    if (data !== undefined) entry.data = data;
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
    mkdirSync(this.dir, { recursive: true });
    for (const [extensionId, lines] of this.pending) {
      appendFileSync(join(this.dir, `${extensionId}.log`), `${lines.join("\n")}\n`);
    }
    this.pending.clear();
  }
}

/** Randomness and UTF-8: pure functions of their request, answered wherever the guest runs. */
export const codecOps: OpHandlers = {
  "crypto.randomBytes": (_ctx, request) => ({ bytes: new Uint8Array(randomBytes(request.length)) }),
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
