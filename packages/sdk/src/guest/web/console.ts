/**
 * The guest `console`: every method formats its arguments like Node and hands one line to a sink;
 * the runtime's sink is the extension's log (guest/globals.ts), so this file needs no host.
 */
import type { LogLevel } from "../../types/data.js";
import { formatArgs, inspect } from "./inspect.js";

export interface GuestConsole {
  log(...data: unknown[]): void;
  info(...data: unknown[]): void;
  warn(...data: unknown[]): void;
  error(...data: unknown[]): void;
  debug(...data: unknown[]): void;
  trace(...data: unknown[]): void;
  assert(condition?: unknown, ...data: unknown[]): void;
  dir(value?: unknown): void;
}

/** Where console lines go; it must not throw (a failing log must never break the extension). */
export type LogSink = (level: LogLevel, message: string) => void;

function stackBelowCaller(): string {
  const stack = new Error().stack ?? "";
  // Drop the "Error" line and the frames of this file (stackBelowCaller, trace).
  return stack.split("\n").filter((line) => line.trim().startsWith("at ")).slice(2).join("\n");
}

export function createConsole(sendLog: LogSink): GuestConsole {
  const at = (level: LogLevel) => (...data: unknown[]) => sendLog(level, formatArgs(data));
  return {
    log: at("info"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    debug: at("debug"),
    trace(...data: unknown[]) {
      const stack = stackBelowCaller();
      sendLog("trace", `Trace${data.length ? `: ${formatArgs(data)}` : ""}${stack ? `\n${stack}` : ""}`);
    },
    assert(condition?: unknown, ...data: unknown[]) {
      if (!condition) sendLog("error", `Assertion failed${data.length ? `: ${formatArgs(data)}` : ""}`);
    },
    dir(value?: unknown) {
      sendLog("info", inspect(value));
    },
  };
}
