/**
 * The guest `console`: every method formats its arguments like Node and sends one line to the
 * extension's log through the synchronous `log` op (so output order matches program order).
 */
import type { LogLevel } from "../../types/data.js";
import { callHostSync } from "../host.js";
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

/** Sends one log line; a failing log op must never break the extension, so it is dropped. */
export function sendLog(level: LogLevel, message: string, data?: unknown): void {
  try {
    callHostSync("log", data === undefined ? { level, message } : { level, message, data });
  } catch {
    // The host refused the line (e.g. rate limit); nothing useful can be done from here.
  }
}

function stackBelowCaller(): string {
  const stack = new Error().stack ?? "";
  // Drop the "Error" line and the frames of this file (stackBelowCaller, trace).
  return stack.split("\n").filter((line) => line.trim().startsWith("at ")).slice(2).join("\n");
}

export function createConsole(): GuestConsole {
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
