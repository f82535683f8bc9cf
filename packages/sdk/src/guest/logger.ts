/** `ctx.log`: structured log lines with optional JSON data, through the sync `log` op. */
import type { Logger } from "../types/context.js";
import type { JsonValue, LogLevel } from "../types/data.js";
import { sendLog } from "./log.js";

export class LoggerImpl implements Logger {
  log(level: LogLevel, message: string, data?: JsonValue): void {
    sendLog(level, String(message), data);
  }
  info(message: string, data?: JsonValue): void {
    this.log("info", message, data);
  }
  warn(message: string, data?: JsonValue): void {
    this.log("warn", message, data);
  }
  error(message: string, data?: JsonValue): void {
    this.log("error", message, data);
  }
  debug(message: string, data?: JsonValue): void {
    this.log("debug", message, data);
  }
}
