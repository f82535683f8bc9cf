/**
 * Streams a URL into a file while hashing it (sha256), with a timeout that covers connecting and
 * every pause between chunks (a slow but moving download of a large model is not cut off).
 *
 * Input: an http(s) URL and the destination (a temp file the caller renames or removes).
 * Output: the file's sha256 and size. Failures are `DownloadError`s with a reason the registry
 * records (`offline`, `http 404`, `timeout`), so a model can stay registered but not installed.
 */
import crypto from "node:crypto";
import fs from "node:fs";

export type DownloadFailure = "offline" | "timeout" | "http" | "io";

export class DownloadError extends Error {
  override name = "DownloadError";
  constructor(readonly reason: DownloadFailure, message: string) {
    super(message);
  }
}

export interface DownloadOptions {
  /** Connect timeout and longest pause between chunks (default 30 s). */
  timeoutMs?: number;
}

export interface Downloaded {
  sha256: string;
  size: number;
}

function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}

export async function downloadToFile(url: string, dest: string, options: DownloadOptions = {}): Promise<Downloaded> {
  const protocol = new URL(url).protocol;
  if (protocol !== "http:" && protocol !== "https:") throw new DownloadError("http", `only http(s) URLs are downloaded, not ${protocol}`);
  const timeoutMs = options.timeoutMs ?? 30_000;
  const controller = new AbortController();
  let timedOut = false;
  let timer = setTimeout(() => ((timedOut = true), controller.abort()), timeoutMs);
  const rearm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => ((timedOut = true), controller.abort()), timeoutMs);
  };
  let response: Response;
  try {
    response = await fetch(url, { signal: controller.signal, redirect: "follow" });
  } catch (error) {
    clearTimeout(timer);
    if (timedOut) throw new DownloadError("timeout", `no answer from ${url} within ${timeoutMs} ms`);
    throw new DownloadError("offline", `cannot reach ${url}: ${describeNetworkError(error)}`);
  }
  if (!response.ok || !response.body) {
    clearTimeout(timer);
    await response.body?.cancel().catch(() => undefined);
    throw new DownloadError("http", `${url} answered HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""}`);
  }
  const hash = crypto.createHash("sha256");
  let size = 0;
  const file = await fs.promises.open(dest, "w");
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      rearm();
      hash.update(chunk);
      size += chunk.byteLength;
      await file.write(chunk);
    }
    await file.sync();
  } catch (error) {
    if (timedOut) throw new DownloadError("timeout", `the download of ${url} stalled for ${timeoutMs} ms`);
    if (error instanceof DownloadError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code && !code.startsWith("UND_ERR") && code !== "ECONNRESET") throw new DownloadError("io", `cannot write ${dest}: ${code}`);
    throw new DownloadError("offline", `the download of ${url} broke off: ${describeNetworkError(error)}`);
  } finally {
    clearTimeout(timer);
    await file.close();
  }
  return { sha256: hash.digest("hex"), size };
}

/** sha256 and size of a file, streamed. */
export async function hashFile(file: string): Promise<Downloaded> {
  const hash = crypto.createHash("sha256");
  let size = 0;
  for await (const chunk of fs.createReadStream(file) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { sha256: hash.digest("hex"), size };
}

export function hashBytes(bytes: Uint8Array): string {
  return crypto.createHash("sha256").update(bytes).digest("hex");
}
