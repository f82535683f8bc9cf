/**
 * One line to the extension's log through the synchronous `log` op (so output order matches
 * program order). Used by `ctx.log` and, through globals.ts, by the guest `console`.
 */
import type { LogLevel } from "../types/data.js";
import { callHostSync } from "./host.js";

/** Sends one log line; a failing log op must never break the extension, so it is dropped. */
export function sendLog(level: LogLevel, message: string, data?: unknown): void {
  try {
    callHostSync("log", data === undefined ? { level, message } : { level, message, data });
  } catch {
    // The host refused the line (e.g. rate limit); nothing useful can be done from here.
  }
}
