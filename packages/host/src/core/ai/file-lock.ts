/**
 * An exclusive lock between processes: a lock file created with O_EXCL (`wx`). Whoever creates it
 * holds the lock; the others poll until it is gone. The file records the holder's pid and host, so
 * a lock left by a process that died is taken over (same host, pid gone) instead of blocking forever;
 * a lock older than `staleMs` is taken over too (a holder on another host sharing the directory).
 */
import fs from "node:fs";
import os from "node:os";
import { hostFailed } from "../../store/errors.js";

export interface LockOptions {
  /** Give up waiting after this long (default 10 min: a large download may hold the lock). */
  timeoutMs?: number;
  /** A lock file older than this is considered abandoned (default 30 min). */
  staleMs?: number;
  /** Poll interval (default 50 ms). */
  pollMs?: number;
}

interface Holder {
  pid: number;
  host: string;
  at: number;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function abandoned(file: string, staleMs: number): boolean {
  let holder: Holder;
  let mtime: number;
  try {
    holder = JSON.parse(fs.readFileSync(file, "utf8")) as Holder;
    mtime = fs.statSync(file).mtimeMs;
  } catch {
    // Unreadable or half-written (the holder is between create and write): not abandoned yet,
    // unless it stays so for staleMs.
    try {
      return Date.now() - fs.statSync(file).mtimeMs > staleMs;
    } catch {
      return false;
    }
  }
  if (holder.host === os.hostname() && !processAlive(holder.pid)) return true;
  return Date.now() - mtime > staleMs;
}

function tryCreate(file: string): boolean {
  try {
    const fd = fs.openSync(file, "wx");
    try {
      fs.writeSync(fd, JSON.stringify({ pid: process.pid, host: os.hostname(), at: Date.now() } satisfies Holder));
    } finally {
      fs.closeSync(fd);
    }
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
}

/** Runs `fn` holding the lock `file`. */
export async function withFileLock<T>(file: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 10 * 60_000;
  const staleMs = options.staleMs ?? 30 * 60_000;
  const pollMs = options.pollMs ?? 50;
  const deadline = Date.now() + timeoutMs;
  while (!tryCreate(file)) {
    if (abandoned(file, staleMs)) {
      // Rename first so that of two processes taking over, only one removes the stale lock.
      const grave = `${file}.stale-${process.pid}-${Math.random().toString(36).slice(2)}`;
      try {
        fs.renameSync(file, grave);
        fs.rmSync(grave, { force: true });
      } catch {
        // another process took it over first
      }
      continue;
    }
    if (Date.now() > deadline) throw hostFailed(`timed out after ${timeoutMs} ms waiting for the lock ${file}`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(file, { force: true });
  }
}
